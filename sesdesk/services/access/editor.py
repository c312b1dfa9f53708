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
        self.update_answers(self._template_answers(key), TEMPLATES[key].mail_type)

    def _template_answers(self, key: str) -> ComposerAnswers:
        website = self.form.website_url
        return answers_for(
            key,
            business=self.business,
            domain=website.removeprefix("https://").removeprefix("http://"),
            website=website,
        )

    def untouched_template(self, answers: ComposerAnswers) -> str | None:
        """The template whose text `answers` still are, word for word (None once edited)."""
        for key in TEMPLATES:
            if answers == self._template_answers(key):
                return key
        return None

    def follow_mail_type(self, answers: ComposerAnswers, mail_type: str) -> bool:
        """The user chose `mail_type` while the composer held `answers`. When those are still a
        template's own text for another mail type, switch to the template for `mail_type` and
        return True; anything the user wrote is kept (False)."""
        current = self.untouched_template(answers)
        if current is None or TEMPLATES[current].mail_type == mail_type:
            return False
        for key, chosen in TEMPLATES.items():
            if chosen.mail_type == mail_type:
                self.use_template(key)
                return True
        return False

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
