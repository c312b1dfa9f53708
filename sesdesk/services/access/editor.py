"""The wizard's request state without Qt (`RequestEditor`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sesdesk.services.access.checks import CheckResult, check_form
from sesdesk.services.access.form import (
    AccessForm,
    compose,
    parse_contacts,
)
from sesdesk.services.access.requests import Draft
from sesdesk.services.access_templates import (
    TEMPLATES,
    ComposerAnswers,
    answers_for,
)


@dataclass
class RequestEditor:
    """The wizard's state without Qt: the form, the composer's answers, and the rule that the
    description follows the answers until they change (a hand-edited or previously submitted
    description is kept while the answers it came from stay the same)."""

    form: AccessForm
    answers: ComposerAnswers
    composed_from: tuple[ComposerAnswers, str] | None = None
    business: str = ""

    @classmethod
    def from_draft(cls, prepared: Draft) -> RequestEditor:
        """Start from a draft: its description stands as written."""
        return cls(
            prepared.form,
            prepared.answers,
            (prepared.answers, prepared.form.mail_type),
            prepared.business,
        )

    def use_template(self, key: str) -> None:
        """Replace the mail type and answers with template `key`'s; recompose the description."""
        chosen = TEMPLATES[key]
        website = self.form.website_url
        answers = answers_for(
            key,
            business=self.business,
            domain=website.removeprefix("https://").removeprefix("http://"),
            website=website,
        )
        self.update_answers(answers, chosen.mail_type)

    def update_answers(self, answers: ComposerAnswers, mail_type: str) -> None:
        """New composer answers / mail type; the description is recomposed if they changed."""
        self.answers = answers
        self.form = replace(self.form, mail_type=mail_type)
        if self.composed_from != (answers, mail_type):
            self.form = replace(self.form, use_case_description=compose(answers, mail_type))
            self.composed_from = (answers, mail_type)

    def update_details(
        self, *, website_url: str, contact_language: str, contacts: str, description: str
    ) -> None:
        """The details page's fields."""
        self.form = replace(
            self.form,
            website_url=website_url,
            contact_language=contact_language,
            additional_contacts=parse_contacts(contacts),
            use_case_description=description,
        )

    def checks(self) -> list[CheckResult]:
        """The live checks on the current form."""
        return check_form(self.form)
