"""The send-outcome table: what one finished send means for its recipient and for the run.

Pure (no store, no AWS, no clock), like `gating.decide`: the engine applies the `Fate` it
returns; the table is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from sesdesk.aws.errors import (
    AuthError,
    AwsNotFound,
    DailyQuotaExceeded,
    Rejected,
    SendingPaused,
    Throttled,
    Unreachable,
)
from sesdesk.errors import SesdeskError
from sesdesk.models.sending import FAILED, PENDING, SENT, UNCERTAIN

MAX_UNREACHABLE_STREAK = 5
MAX_THROTTLE_STREAK = 50
MAX_BACK_OFF = 30.0


@dataclass(frozen=True)
class Streaks:
    """Consecutive throttles and unreachable answers so far in a run."""

    throttled: int = 0
    unreachable: int = 0


@dataclass(frozen=True)
class Fate:
    """One finished send, judged.

    `state` is the recipient's next state (`pending` means: retry it, first in line);
    `error` the text recorded on its row; `halt` the reason to pause the whole run (None to
    go on); `back_off` seconds to claim nothing more; `bug` an error that is our fault and
    must reach the caller once the run is recorded.
    """

    state: str
    streaks: Streaks
    error: str | None = None
    halt: str | None = None
    back_off: float = 0.0
    throttled: bool = False
    quota_used_up: bool = False
    bug: bool = False


# The common case, built once: an accepted send (every streak ends).
_SENT = Fate(SENT, Streaks())


def about_sender(error: Rejected, from_address: str) -> bool:
    """True when SES refused the *sender* (then every recipient would fail the same way)."""
    sender = (parseaddr(from_address)[1] or from_address).lower()
    text = error.message.lower()
    return "mailfrom" in (error.code or "").lower() or ("not verified" in text and sender in text)


def fate_of(
    error: BaseException | None, streaks: Streaks, from_address: str, *, unsent: bool = False
) -> Fate:
    """The table: a send that ended with `error` (None: accepted; `unsent`: never made)."""
    if unsent:
        return Fate(PENDING, streaks)
    if error is None:
        return _SENT
    if isinstance(error, Throttled):
        after = Streaks(streaks.throttled + 1, streaks.unreachable)
        halt = None
        if after.throttled >= MAX_THROTTLE_STREAK:
            halt = f"AWS keeps throttling: {error.message}"
        return Fate(PENDING, after, "throttled: retrying", halt, throttled=True)
    if isinstance(error, DailyQuotaExceeded):
        return Fate(PENDING, streaks, error.message, quota_used_up=True)
    if isinstance(error, AuthError | SendingPaused) or (
        isinstance(error, Rejected) and about_sender(error, from_address)
    ):
        # The same answer awaits every recipient: stop and keep them pending.
        return Fate(PENDING, streaks, error.message, error.message)
    if isinstance(error, Rejected | AwsNotFound):
        return Fate(FAILED, streaks, error.message)
    if isinstance(error, Unreachable):
        after = Streaks(streaks.throttled, streaks.unreachable + 1)
        # A timeout or 5xx may have reached AWS and been sent: never silently again.
        state = UNCERTAIN if error.may_have_arrived else PENDING
        halt = error.message if after.unreachable >= MAX_UNREACHABLE_STREAK else None
        back_off = min(MAX_BACK_OFF, 0.5 * 2**after.unreachable)
        return Fate(state, after, error.message, halt, back_off=back_off)
    # Unclassified, or a bug in our code: we cannot tell whether it went out.
    text = str(getattr(error, "message", None) or type(error).__name__)
    return Fate(
        UNCERTAIN,
        streaks,
        text,
        f"unexpected failure while sending: {text}",
        bug=not isinstance(error, SesdeskError),
    )
