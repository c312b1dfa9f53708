"""Starting points for the production-access use case: the composer's answers, per kind of mail.

The "one-time passcodes and account mail" template is seed 000's SmartCart case, word for
word where the seed gives words; the user replaces SmartCart with their own business. The
bounce and complaint answer says only what sesdesk really does or what the user commits to
doing with it, so every template shares it.
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
    "- Sending is paced within our SES sending rate and daily quota.\n"
    "- We only write to people who gave us their address themselves; we never buy or rent lists."
)


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
    summary="Sign-in codes, password resets and account notices: the seed's SmartCart case.",
    answers=ComposerAnswers(
        business=(
            "SmartCart is a grocery shopping application that helps users manage their "
            "pantry, plan meals, and optimize shopping lists."
        ),
        what_you_send=(
            "We need to send One-Time Password (OTP) verification codes to users during "
            "registration and password reset flows, and account security notices. This is a "
            "transactional email service required for user authentication and account "
            "security. We do not send marketing emails or newsletters."
        ),
        recipients=(
            "Only our own users, at the address they registered with; each message is "
            "triggered by something the user just did in the app."
        ),
        signup=(
            "Users register in the app with their own email address; the first email is the "
            "code they asked for, so every address is confirmed by its owner."
        ),
        daily_volume=(
            "Starting with ~100-500 emails per day, scaling to thousands as user base grows."
        ),
    ),
)

NEWSLETTER_TEMPLATE = AccessTemplate(
    key="newsletter",
    title="Newsletter to subscribers",
    mail_type="MARKETING",
    summary="A regular newsletter and offers to people who subscribed on your website.",
    answers=ComposerAnswers(
        business=(
            "We are a small business with an online shop; our website shows our products, "
            "opening hours and contact details."
        ),
        what_you_send=(
            "A newsletter about once a week: new products, seasonal offers and news about our shop."
        ),
        recipients=("Only customers and visitors who subscribed to the newsletter themselves."),
        signup=(
            "People subscribe with a form on our website or at checkout (an unticked "
            "opt-in box) and confirm by clicking a link we email them (double opt-in). We "
            "never buy, rent or share lists."
        ),
        daily_volume=("About 1,000 emails per day on newsletter days, fewer on other days."),
    ),
)

TEMPLATES: dict[str, AccessTemplate] = {t.key: t for t in (OTP_TEMPLATE, NEWSLETTER_TEMPLATE)}
DEFAULT_TEMPLATE = OTP_TEMPLATE.key


def template(key: str) -> AccessTemplate:
    """The template called `key` (KeyError for an unknown one)."""
    return TEMPLATES[key]
