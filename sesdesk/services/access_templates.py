"""Starting points for the production-access use case: the composer's answers, per kind of mail.

A template starts from the user's own business (the team's name, its verified domain and
website) and marks in brackets, "[replace: …]", every part only the user can write; the checks
refuse a request that still holds one. A template never makes claims about the user's list or
practices for them: how people sign up and how many messages go out are theirs to say. The
bounce and complaint answer says only what sesdesk really does, so every template shares it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

# How bounces and complaints are handled with sesdesk today. Only what the code really does, or
# what the user commits to doing with it: the reviewer will hold the user to every line.
SESDESK_BOUNCE_HANDLING = (
    "We send with sesdesk and handle bounces and complaints like this:\n"
    "- Every message is sent through an SES configuration set whose events (deliveries, "
    "bounces, complaints, rejects, delays) go to an Amazon SNS topic and from there to an "
    "Amazon SQS queue that sesdesk drains; each event is recorded against the recipient it "
    "concerns.\n"
    "- Hard bounces and complaints put the address on our suppression list at once (with the "
    "reason SES gave); a soft bounce does after three within 30 days. We also write these "
    "addresses to the SES account-level suppression list and merge that list into ours. "
    "Every later send skips a suppressed address.\n"
    "- Every message carries a List-Unsubscribe header; unsubscribe requests are honoured "
    "immediately: the address is marked unsubscribed and never mailed again.\n"
    "- We watch our bounce and complaint rates against the AWS thresholds (5 % bounces, "
    "0.1 % complaints). A broadcast pauses itself when, after its first 100 outcomes, hard "
    "bounces reach 5 % or complaints 0.1 %, until we have checked the list.\n"
    "- Sending is paced within our SES sending rate and daily quota."
)
#: Marks the parts of a template the user must write themselves.
PLACEHOLDER = "[replace:"


@dataclass(frozen=True)
class ComposerAnswers:
    """The guided composer's answers, one per part of a good use-case description."""

    business: str = ""  # who you are, what the site or app does
    what_you_send: str = ""
    recipients: str = ""  # to whom
    signup: str = ""  # how recipients sign up / give their address
    daily_volume: str = ""  # expected volume, as a number per day
    bounce_handling: str = SESDESK_BOUNCE_HANDLING

    def to_dict(self) -> dict[str, str]:
        """The answers as a plain dict (kept with each request)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> ComposerAnswers:
        """Answers from a dict, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        values = {k: str(v) for k, v in (data or {}).items() if k in known and v is not None}
        return cls(**values)


@dataclass(frozen=True)
class AccessTemplate:
    """A named starting point: a mail type and the composer's answers."""

    key: str
    title: str
    mail_type: str
    answers: ComposerAnswers
    summary: str


OTP_TEMPLATE = AccessTemplate(
    key="otp",
    title="One-time passcodes and account mail",
    mail_type="TRANSACTIONAL",
    summary="Sign-in codes, password resets and account notices your users ask for.",
    answers=ComposerAnswers(
        business=(
            "{business} ({website}): [replace: one sentence on what your business does and "
            "what your app or website offers]"
        ),
        what_you_send=(
            "One-time passcodes for sign-in and password resets, and account security notices, "
            "sent from {domain}. This is transactional email required for user "
            "authentication and account security."
        ),
        recipients=(
            "Only our own users, at the address they registered with; each message is "
            "triggered by something the user just did."
        ),
        signup="[replace: how people give you their address, e.g. they register in our app]",
        daily_volume="[replace: a number] emails per day",
    ),
)

NEWSLETTER_TEMPLATE = AccessTemplate(
    key="newsletter",
    title="Newsletter to subscribers",
    mail_type="MARKETING",
    summary="A regular newsletter and offers to people who subscribed on your website.",
    answers=ComposerAnswers(
        business=(
            "{business} ({website}): [replace: one sentence on what your business does and "
            "what your website offers]"
        ),
        what_you_send=(
            "A newsletter from {domain} [replace: how often, and what it contains]. Every "
            "message has an unsubscribe link."
        ),
        recipients="[replace: who receives it, e.g. customers who subscribed themselves]",
        signup="[replace: how people subscribe, e.g. a form on our website with a confirmation "
        "link]",
        daily_volume="[replace: a number] emails per day",
    ),
)

TEMPLATES: dict[str, AccessTemplate] = {t.key: t for t in (OTP_TEMPLATE, NEWSLETTER_TEMPLATE)}
DEFAULT_TEMPLATE = OTP_TEMPLATE.key


def template(key: str) -> AccessTemplate:
    """The template called `key` (KeyError for an unknown one)."""
    return TEMPLATES[key]


def answers_for(
    key: str, *, business: str = "", domain: str = "", website: str = ""
) -> ComposerAnswers:
    """Template `key`'s answers filled with the user's business; unknown parts stay marked."""
    values = {
        "business": business.strip() or "[replace: your business name]",
        "domain": domain.strip() or "[replace: your sending domain]",
        "website": website.strip() or "[replace: your website]",
    }
    chosen = TEMPLATES[key].answers
    return ComposerAnswers(
        **{
            name: text.format(**values) if name != "bounce_handling" else text
            for name, text in chosen.to_dict().items()
        }
    )
