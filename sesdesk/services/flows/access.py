"""The production-access wizard's flow: its pages, what blocks Next, what Submit may do.

The request itself lives in `access.RequestEditor` (the form, the composer's answers and the
rule that the description follows the answers); this flow adds the navigation around it: the
draft is loaded first, the intro page lets the user on only when the team can apply, the
composer needs a mail type, invalid details block while weak ones only warn, and the last page
finishes once the request was submitted or prepared for the console. One submit at a time, and
never a second one after it went to AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sesdesk.errors import SesdeskError
from sesdesk.services import access
from sesdesk.services.access_templates import ComposerAnswers


class AccessStep(Enum):
    """The wizard's pages, in order."""

    INTRO = 0
    COMPOSE = 1
    DETAILS = 2
    SUBMIT = 3


def load(store: Any, team_id: int) -> tuple[access.Draft, access.ReviewState]:
    """The draft and the review so far (reads the store only). Blocking."""
    return access.draft(store, team_id), access.review_state(store, team_id)


@dataclass
class AccessFlow:
    """The request being edited, where the wizard is, and what the last action did."""

    team_id: int
    draft: access.Draft | None = None
    review: access.ReviewState | None = None
    editor: access.RequestEditor | None = None
    load_error: SesdeskError | None = None
    busy: bool = False
    result: access.SubmitResult | None = None
    export: access.ConsoleExport | None = None
    error: SesdeskError | None = None

    # --- loading ------------------------------------------------------------------------

    def loaded(self, draft: access.Draft, review: access.ReviewState | None) -> None:
        """The draft arrived: the editor starts from it (its description stands as written)."""
        self.draft, self.review, self.load_error = draft, review, None
        self.editor = access.RequestEditor.from_draft(draft)

    def load_failed(self, error: SesdeskError) -> None:
        """The draft could not be prepared: the intro page says why and Next stays off."""
        self.load_error = error

    @property
    def region(self) -> str | None:
        """The mailer's region, once loaded."""
        return self.draft.readiness.region if self.draft else None

    @property
    def readiness(self) -> access.Readiness | None:
        """Whether the team can apply (None until loaded)."""
        return self.draft.readiness if self.draft else None

    # --- the composer and the details ---------------------------------------------------

    def use_template(self, key: str) -> None:
        """The user picked template `key`: its mail type and answers replace the current."""
        if self.editor is not None:
            self.editor.use_template(key)

    def leave_compose(self, answers: ComposerAnswers, mail_type: str) -> None:
        """Next on the composer: the editor takes the answers (and recomposes if changed)."""
        if self.editor is not None:
            self.editor.update_answers(answers, mail_type)

    def update_details(
        self, *, website_url: str, contact_language: str, contacts: str, description: str
    ) -> list[access.CheckResult]:
        """The details page's fields changed; the live checks on the new form."""
        if self.editor is None:
            return []
        self.editor.update_details(
            website_url=website_url,
            contact_language=contact_language,
            contacts=contacts,
            description=description,
        )
        return self.editor.checks()

    def checks(self) -> list[access.CheckResult]:
        """The live checks on the current form (none before loading)."""
        return self.editor.checks() if self.editor is not None else []

    def weak(self) -> list[access.CheckResult]:
        """Checks that only warn: the request may still be submitted."""
        return [r for r in self.checks() if r.verdict is access.FieldVerdict.WARN]

    # --- navigation ---------------------------------------------------------------------

    def may_leave(self, step: AccessStep, *, mail_type: str = "") -> bool:
        """Whether Next (or, on the last page, Finish) may be pressed on `step`. On the
        composer `mail_type` is the type chosen there now."""
        if step is AccessStep.INTRO:
            return self.draft is not None and self.draft.readiness.ready
        if step is AccessStep.COMPOSE:
            return self.editor is not None and bool(mail_type)
        if step is AccessStep.DETAILS:
            results = self.checks()
            return bool(results) and access.overall(results) is not access.FieldVerdict.BLOCK
        return self.result is not None or self.export is not None

    def next_step(self, step: AccessStep) -> AccessStep | None:
        """The page after `step` (None after the last: Finish)."""
        if step is AccessStep.SUBMIT:
            return None
        return AccessStep(step.value + 1)

    def back_step(self, step: AccessStep) -> AccessStep | None:
        """The page before `step` (None on the first). Back stays possible after submitting:
        the answers can be read again, but not sent twice."""
        if step is AccessStep.INTRO:
            return None
        return AccessStep(step.value - 1)

    # --- submitting or preparing for the console ----------------------------------------

    @property
    def may_submit(self) -> bool:
        """Submit is possible once, and not while something runs."""
        return self.editor is not None and not self.busy and self.result is None

    @property
    def may_export(self) -> bool:
        """Preparing for the console is possible whenever nothing runs."""
        return self.editor is not None and not self.busy

    def start_submit(self) -> tuple[access.AccessForm, ComposerAnswers] | None:
        """Submit pressed: (form, answers) to submit in the background, or None if it may not."""
        if not self.may_submit or self.editor is None:
            return None
        self.busy, self.error = True, None
        return self.editor.form, self.editor.answers

    def start_export(self) -> tuple[access.AccessForm, ComposerAnswers] | None:
        """Prepare-for-the-console pressed: (form, answers), or None if it may not start."""
        if not self.may_export or self.editor is None:
            return None
        self.busy, self.error = True, None
        return self.editor.form, self.editor.answers

    def submitted(self, result: access.SubmitResult) -> None:
        """The request went to AWS."""
        self.busy, self.result = False, result

    def exported(self, export: access.ConsoleExport) -> None:
        """The request is ready to be copied into the SES console."""
        self.busy, self.export = False, export

    def failed(self, error: SesdeskError) -> None:
        """Submitting or preparing failed: shown on the page; the user may try again."""
        self.busy, self.error = False, error
