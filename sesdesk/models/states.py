"""The states stored rows go through, as `StrEnum`s.

Members are `str`s equal to their stored values, so the database, `json.dumps` and
f-strings see exactly the strings they saw before; code compares against members instead of
retyping literals.
"""

from __future__ import annotations

from enum import StrEnum


class IdentityStatus(StrEnum):
    """SES's VerificationStatus of a sender identity."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    TEMPORARY_FAILURE = "TEMPORARY_FAILURE"
    NOT_STARTED = "NOT_STARTED"


#: Statuses AWS may still turn into SUCCESS without the user starting over.
UNSETTLED_IDENTITY = frozenset(
    {IdentityStatus.PENDING, IdentityStatus.TEMPORARY_FAILURE, IdentityStatus.NOT_STARTED}
)


class MailerAccess(StrEnum):
    """Whether the mailer's keys still work, as last observed."""

    OK = "ok"
    LOST = "lost"
    UNKNOWN = "unknown"


class BroadcastState(StrEnum):
    """Where a broadcast is in its life; QUEUED is reported, never stored."""

    DRAFT = "draft"
    SENDING = "sending"
    PAUSED = "paused"
    WAITING_QUOTA = "waiting_quota"
    DONE = "done"
    STOPPED = "stopped"
    # A broadcast whose sender holds its lease while it waits for the account's send lease
    # (another broadcast of the same account is sending).
    QUEUED = "queued"


#: The broadcast states a row may hold (QUEUED is only reported).
STORED_BROADCAST_STATES = tuple(s for s in BroadcastState if s is not BroadcastState.QUEUED)


class RecipientState(StrEnum):
    """One recipient's send state: pending → sending → sent | failed | suppressed | uncertain."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    UNCERTAIN = "uncertain"
