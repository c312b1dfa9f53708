"""What a sender identity's status means, in words a person acts on.

The one wording of identity states: `identities`, the read model (`state.IdentityView`), the
dashboard and the CLI all show `explain`'s label, tone and sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import idna

from sesdesk.models import StatusEvent, record_event
from sesdesk.models.states import IdentityStatus

EMAIL = "email"
DOMAIN = "domain"

EMAIL_LINK_HOURS = 24
DOMAIN_CHECK_HOURS = 72


def display_name(name: str) -> str:
    """The Unicode form of a stored (ASCII) identity name, for people."""
    local, at, domain = name.rpartition("@")
    try:
        shown = idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        shown = domain
    return f"{local}{at}{shown}"


ERROR_TYPE_TEXT = {
    "INVALID_VALUE": (
        "AWS found the record, but its value is not the one AWS asked for (a typo, extra "
        "quotes, or a value cut short)"
    ),
    "TYPE_NOT_FOUND": (
        "AWS found the name, but not a record of the type it expects (DKIM needs CNAME "
        "records, not TXT or A)"
    ),
    "HOST_NOT_FOUND": (
        "AWS found no record at the expected name (not published yet, or published under a "
        "wrong name — some DNS hosts add the domain to the name on their own)"
    ),
    "SERVICE_ERROR": ("an internal AWS problem stopped the check; nothing is wrong on your side"),
    "DNS_SERVER_ERROR": (
        "your domain's DNS servers did not answer AWS (a timeout or an error): ask your DNS "
        "host to check them"
    ),
}


def explain_error_type(error_type: str | None) -> str:
    """A sentence a person understands for AWS's VerificationInfo.ErrorType ("" for None)."""
    if not error_type:
        return ""
    return ERROR_TYPE_TEXT.get(error_type, f"AWS reported {error_type.replace('_', ' ').lower()}")


@dataclass(frozen=True)
class Explanation:
    """An identity's state in words: a short label, a tone, a sentence and the fix."""

    label: str
    tone: str  # "ok" | "warn" | "bad" | "neutral"
    text: str
    action: str | None = None  # "verify" | "retry" | None


def explain(kind: str, name: str, status: str, error_type: str | None = None) -> Explanation:
    """What `status` (and `error_type`) mean for this identity and what to do next.

    A domain that is still pending is never presented as failed, whatever AWS's last check
    said: AWS keeps checking for 72 hours.
    """
    shown = display_name(name)
    why = explain_error_type(error_type)
    if status == IdentityStatus.SUCCESS:
        where = f"any address at {shown}" if kind == DOMAIN else shown
        return Explanation("Verified", "ok", f"AWS verified {shown}: you can send from {where}.")
    if status in (IdentityStatus.PENDING, IdentityStatus.NOT_STARTED):
        if kind == EMAIL:
            text = (
                f"Waiting for you: open the link AWS sent to {shown} (expires after "
                f"{EMAIL_LINK_HOURS} h). No mail, or too late? Retry sends a new link."
            )
        else:
            text = (
                f"Waiting for AWS to find the DNS records of {shown}: publish the DKIM records. "
                f"AWS keeps checking for up to {DOMAIN_CHECK_HOURS} hours."
            )
            if why:
                text += f" Last check: {why}."
        label = "Pending" if status == IdentityStatus.PENDING else "Not started"
        return Explanation(label, "warn", text, "verify")
    if status == IdentityStatus.TEMPORARY_FAILURE:
        text = f"AWS could not check {shown} for now" + (f": {why}" if why else "")
        text += ". AWS tries again by itself; nothing to do yet."
        return Explanation("Checking again", "warn", text, "verify")
    if status == IdentityStatus.FAILED:
        if kind == EMAIL:
            text = (
                f"Verification of {shown} failed: the link AWS sent was not opened within "
                f"{EMAIL_LINK_HOURS} h. Retry to get a new link, or replace it with another "
                "address."
            )
        else:
            text = (
                f"Verification of {shown} failed"
                + (f": {why}" if why else "")
                + f". AWS stopped checking after {DOMAIN_CHECK_HOURS} hours. Fix the DNS "
                "records, then Retry (new records) or replace it."
            )
        return Explanation("Failed", "bad", text, "retry")
    return Explanation(status.title(), "neutral", f"AWS reports {shown} as {status}.")


def record_status(
    session: Any,
    team_id: int,
    name: str,
    old: str | None,
    new: str,
    message: str,
    *,
    at: datetime,
) -> StatusEvent:
    """Add an identity's status change (`identity:<name>` / `status`) to the team's history."""
    return record_event(session, team_id, f"identity:{name}", "status", old, new, message, at=at)


def retire_identity(session: Any, row: Any, new: str, message: str, *, at: datetime) -> StatusEvent:
    """Keep identity `row` as history (`removed_at`), recording the change to `new` and why."""
    row.removed_at = at
    return record_status(session, row.team_id, row.name, row.status, new, message, at=at)
