"""The production-access request form: its fields, their help, the composer that writes the
use-case description from structured answers, and a form started from a template.

Pure: no store, no AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sesdesk.errors import BadInput
from sesdesk.services.access_templates import (
    TEMPLATES,
    AccessTemplate,
    ComposerAnswers,
    answers_for,
)

MAIL_TYPES = ("TRANSACTIONAL", "MARKETING")
LANGUAGES = ("EN", "JA")
MAX_DESCRIPTION = 5000
MAX_CONTACTS = 4
MAX_URL = 1000
# Below this a description reads as a one-liner; a use case that gets approved (who signs up,
# what they get, how often, how bounces are handled) runs to ~550 characters.
DETAILED_ENOUGH = 400
TYPICAL_REVIEW = "24–48 hours"

# The five request fields by their SESv2 PutAccountDetails names (docs/cli.md uses these).
F_MAIL_TYPE = "MailType"
F_WEBSITE = "WebsiteURL"
F_LANGUAGE = "ContactLanguage"
F_DESCRIPTION = "UseCaseDescription"
F_CONTACTS = "AdditionalContactEmailAddresses"
FORM_FIELDS = (F_MAIL_TYPE, F_WEBSITE, F_LANGUAGE, F_DESCRIPTION, F_CONTACTS)

MAIL_TYPE_HELP = {
    "TRANSACTIONAL": (
        "Messages a person triggers and expects: one-time passcodes (OTP), password resets, "
        "receipts, account notices. Sending OTP codes, not marketing emails? Choose "
        "Transactional."
    ),
    "MARKETING": (
        "Messages you decide to send to many people: newsletters, offers, announcements. "
        "Only to people who subscribed, each with an unsubscribe link."
    ),
}
MAIL_TYPE_SHORT = {
    "TRANSACTIONAL": "triggered by the recipient: codes, resets, receipts, account notices",
    "MARKETING": "newsletters and offers to people who subscribed",
}
LANGUAGE_NAMES = {"EN": "English", "JA": "Japanese"}

SANDBOX_IS_PER_REGION = (
    "The sandbox is per region: production access granted in {region} applies to {region} "
    "only. Send from the region you apply in."
)

# The SES console's production-access form asks these too; PutAccountDetails has no field for
# them, so the console export lists them with the answers to give.
CONSOLE_EXTRA_QUESTIONS = (
    ("Do you have a process to handle bounces and complaints?", "Yes"),
    ("How did you hear about Amazon SES?", "AWS Documentation (or Other)"),
)


class FieldVerdict(StrEnum):
    """A check's plain verdict."""

    OK = "ok"
    WARN = "warn"
    BLOCK = "block"


Outcome = tuple[FieldVerdict, str]


# --- the form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessForm:
    """The production-access request: the fields of SESv2 PutAccountDetails."""

    mail_type: str = "TRANSACTIONAL"
    website_url: str = ""
    use_case_description: str = ""
    contact_language: str = "EN"
    additional_contacts: tuple[str, ...] = ()

    def to_document(self) -> dict[str, Any]:
        """The form under PutAccountDetails' field names (`access draft --json`)."""
        return {
            F_MAIL_TYPE: self.mail_type,
            F_WEBSITE: self.website_url,
            F_LANGUAGE: self.contact_language,
            F_DESCRIPTION: self.use_case_description,
            F_CONTACTS: list(self.additional_contacts),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> AccessForm:
        """A form from a PutAccountDetails-shaped document; BadInput naming a mistyped field."""
        if not isinstance(doc, Mapping):
            raise BadInput("form", "must be a JSON object with the PutAccountDetails fields")

        def text(name: str, default: str) -> str:
            value = doc.get(name)
            if value is None:
                return default
            if not isinstance(value, str):
                raise BadInput(name, f"must be text, not {type(value).__name__}")
            return value

        contacts = doc.get(F_CONTACTS)
        if contacts is None:
            contacts = []
        elif isinstance(contacts, str):
            contacts = [c for c in re.split(r"[,;\s]+", contacts) if c]
        if not isinstance(contacts, list) or not all(isinstance(c, str) for c in contacts):
            raise BadInput(F_CONTACTS, "must be a list of email addresses")
        enabled = doc.get("ProductionAccessEnabled", True)
        if enabled is not True:
            raise BadInput(
                "ProductionAccessEnabled",
                "submitting asks for production access; leave it out or set it to true",
            )
        return cls(
            mail_type=text(F_MAIL_TYPE, ""),
            website_url=text(F_WEBSITE, ""),
            use_case_description=text(F_DESCRIPTION, ""),
            contact_language=text(F_LANGUAGE, "EN"),
            additional_contacts=tuple(contacts),
        )

    def normalized(self) -> AccessForm:
        """Trimmed, upper-cased codes, contacts de-duplicated (ignoring case)."""
        seen: set[str] = set()
        contacts: list[str] = []
        for raw in self.additional_contacts:
            address = raw.strip()
            if address and address.lower() not in seen:
                seen.add(address.lower())
                contacts.append(address)
        return AccessForm(
            mail_type=self.mail_type.strip().upper(),
            website_url=self.website_url.strip(),
            use_case_description=self.use_case_description.strip(),
            contact_language=(self.contact_language.strip() or "EN").upper(),
            additional_contacts=tuple(contacts),
        )


def unknown_fields(doc: Mapping[str, Any]) -> list[str]:
    """Keys of a form document that look like request fields but are not ours (typos)."""
    known = {*FORM_FIELDS, "ProductionAccessEnabled"}
    return [k for k in doc if k[:1].isupper() and k not in known]


# --- the composer -------------------------------------------------------------------------

COMPOSER_LABELS = {
    "business": "Who you are",
    "what_you_send": "What you send",
    "recipients": "To whom",
    "signup": "How recipients sign up",
    "daily_volume": "Expected daily volume",
    "bounce_handling": "How bounces and complaints are handled",
}

# Only the mail type: anything more would be a claim the user did not write.
_MAIL_TYPE_SENTENCE = {
    "TRANSACTIONAL": "Mail type: transactional.",
    "MARKETING": "Mail type: marketing.",
}


def compose(answers: ComposerAnswers, mail_type: str) -> str:
    """The use-case description built from the composer's structured answers."""
    parts: list[str] = []
    if answers.business.strip():
        parts.append(answers.business.strip())
    for label, value in (
        ("What we send", answers.what_you_send),
        ("Who receives it", answers.recipients),
        ("How recipients sign up", answers.signup),
        ("Expected volume", answers.daily_volume),
    ):
        if value.strip():
            parts.append(f"{label}: {value.strip()}")
    sentence = _MAIL_TYPE_SENTENCE.get(mail_type.strip().upper())
    if sentence:
        parts.append(sentence)
    if answers.bounce_handling.strip():
        parts.append(f"How we handle bounces and complaints:\n{answers.bounce_handling.strip()}")
    return "\n\n".join(parts)


def form_from_template(
    key: str,
    *,
    website_url: str = "",
    contact_language: str = "EN",
    business: str = "",
    domain: str = "",
) -> tuple[AccessForm, ComposerAnswers]:
    """A form (and its composer answers) started from template `key` and the user's business."""
    chosen: AccessTemplate = TEMPLATES[key]
    answers = answers_for(key, business=business, domain=domain, website=website_url)
    form = AccessForm(
        mail_type=chosen.mail_type,
        website_url=website_url,
        use_case_description=compose(answers, chosen.mail_type),
        contact_language=contact_language,
    )
    return form, answers


def with_answers(form: AccessForm, answers: ComposerAnswers) -> AccessForm:
    """`form` with its description recomposed from `answers`."""
    return replace(form, use_case_description=compose(answers, form.mail_type))


def parse_contacts(text: str) -> tuple[str, ...]:
    """Addresses typed in one field, separated by commas, semicolons or spaces."""
    return tuple(part for part in re.split(r"[,;\s]+", text) if part)
