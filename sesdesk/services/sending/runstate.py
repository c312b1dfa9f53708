"""The engine's working parts: a run's bookkeeping, the pending-row cursor, the prepared
statements it writes with, and what a run reports (`Progress`, `RunResult`)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sesdesk.aws.clients import ClientFactory
from sesdesk.errors import NotAllowed, SesdeskError
from sesdesk.models import Store, UTCDateTime
from sesdesk.models.sending import PENDING, SENDING, Recipient, SendDay
from sesdesk.services.mailers import mailer_row, open_mailer
from sesdesk.services.sending.outcomes import Streaks
from sesdesk.services.sending.queries import BroadcastStatus

_RECIPIENTS = cast(Table, Recipient.__table__)
_SEND_DAYS = cast(Table, SendDay.__table__)

# Claim rows this far ahead of their slot (the `sending` commit must land before the call);
# more when commits are slow, up to MAX_LOOKAHEAD.
LOOKAHEAD = 0.1
MAX_LOOKAHEAD = 1.0
TICK = 0.02
_PAGE = 1000


@dataclass(frozen=True)
class Progress:
    """A moment in a run, for progress bars."""

    status: BroadcastStatus
    rate: float  # recipients per second over the last few seconds
    allowed_rate: float  # MaxSendRate
    seconds_left: float | None
    throttled: int


@dataclass
class RunResult:
    """How a run ended: the status, and the error that stopped it short of `done` (if any)."""

    status: BroadcastStatus
    stop_error: SesdeskError | None = None
    throttled: int = 0
    message_ids: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The CLI exit code for this ending (0: done or paused/cancelled by the user)."""
        return self.stop_error.exit_code if self.stop_error is not None else 0


@dataclass(frozen=True)
class Row:
    """A recipient row as the loop handles it."""

    id: int
    email: str
    name: str | None


@dataclass(frozen=True)
class Outcome:
    """What a sender thread reports for one row."""

    row: Row
    message_id: str | None = None
    error: BaseException | None = None
    unsent: bool = False
    latency: float = 0.0


@dataclass
class Stop:
    """Why (and in which state) a run ends short of `done`."""

    state: str
    reason: str
    error: SesdeskError | None = None


class Gauge:
    """A counter shared between the dispatch loop and the sender threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, delta: int) -> None:
        """Change the count."""
        with self._lock:
            self.value += delta


@dataclass
class RunState:
    """The dispatch loop's bookkeeping (touched by the loop's thread only)."""

    initial: BroadcastStatus
    quota_left: int
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    pending: int = 0
    in_flight: int = 0
    stop: Stop | None = None
    bug: BaseException | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    retry: deque[Row] = field(default_factory=deque)
    day_sent: int = 0
    day_failed: int = 0
    message_ids: list[str] = field(default_factory=list)
    streaks: Streaks = field(default_factory=Streaks)
    hold_until: float = 0.0
    recent: deque[float] = field(default_factory=deque)
    last_progress: float = 0.0
    commits: deque[float] = field(default_factory=lambda: deque(maxlen=64))
    claimed_at: dict[int, float] = field(default_factory=dict)
    check_account: bool = False

    def lookahead(self) -> float:
        """Seconds of sends to keep claimed ahead: enough to ride out a slow commit (the
        store syncs every commit to disk), no more, since a crash leaves them uncertain."""
        if not self.commits:
            return LOOKAHEAD
        return min(MAX_LOOKAHEAD, max(LOOKAHEAD, 1.5 * max(self.commits) + 2 * TICK))

    def __post_init__(self) -> None:
        self.sent = self.initial.sent
        self.failed = self.initial.failed
        self.uncertain = self.initial.uncertain
        self.pending = self.initial.pending

    def back_to_pending(self, row: Row, error: str | None, now: datetime) -> None:
        """The row was not sent: pending again, first in line to retry."""
        self.updates.append(row_update(row, PENDING, None, error, now))
        self.retry.append(row)


class PendingCursor:
    """Pages through pending rows in id order, a page at a time (memory stays flat)."""

    def __init__(self, store: Store, broadcast_id: int) -> None:
        self._store = store
        self._broadcast_id = broadcast_id
        self._last_id = 0
        self._buffer: deque[Row] = deque()
        self._exhausted = False

    def _fill(self) -> None:
        if self._buffer or self._exhausted:
            return
        table = _RECIPIENTS
        with self._store.session() as session:
            rows = session.execute(
                select(table.c.id, table.c.email, table.c.name)
                .where(
                    table.c.broadcast_id == self._broadcast_id,
                    table.c.state == PENDING,
                    table.c.id > self._last_id,
                )
                .order_by(table.c.id)
                .limit(_PAGE)
            ).all()
        if not rows:
            self._exhausted = True
            return
        self._last_id = rows[-1][0]
        self._buffer.extend(Row(r[0], r[1], r[2]) for r in rows)

    def has_more(self) -> bool:
        """True while pending rows remain."""
        self._fill()
        return bool(self._buffer)

    def next(self) -> Row | None:
        """The next pending row, or None."""
        self._fill()
        return self._buffer.popleft() if self._buffer else None


@dataclass(frozen=True)
class Mailer:
    """The team's SES account a run sends through."""

    factory: ClientFactory
    account_id: str
    region: str


def open_run_mailer(store: Store, team_id: int) -> Mailer:
    """The team's mailer through the credential gateway; NotAllowed without one."""
    with store.session() as session:
        row = mailer_row(session, team_id)
        if row is None:
            raise NotAllowed("This team has no mailer yet: connect AWS first.")
        region, account_id = row.region, row.account_id
    return Mailer(open_mailer(store, team_id).factory, account_id, region)


UPDATE_ROWS = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("rid"))
    .values(
        state=bindparam("new_state"),
        message_id=bindparam("mid"),
        error=bindparam("err"),
        updated_at=bindparam("at", type_=UTCDateTime()),
    )
)
CLAIM_ROWS = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("rid"))
    .values(
        state=SENDING,
        attempts=_RECIPIENTS.c.attempts + 1,
        updated_at=bindparam("at", type_=UTCDateTime()),
    )
)


def _count_day(insert: Any) -> Any:
    row = insert(_SEND_DAYS).values(
        team_id=bindparam("team"),
        day=bindparam("day"),
        sent=bindparam("sent"),
        failed=bindparam("failed"),
    )
    return row.on_conflict_do_update(
        index_elements=["team_id", "day"],
        set_={
            "sent": _SEND_DAYS.c.sent + row.excluded.sent,
            "failed": _SEND_DAYS.c.failed + row.excluded.failed,
        },
    )


# Built once per dialect: composing the upsert per write cost a third of the engine loop's
# CPU at 200/s.
COUNT_DAY = {"sqlite": _count_day(sqlite_insert), "postgresql": _count_day(pg_insert)}


def row_update(
    row: Row, state: str, message_id: str | None, error: str | None, at: datetime
) -> dict[str, Any]:
    """The parameters of `UPDATE_ROWS` for one row."""
    return {"rid": row.id, "new_state": state, "mid": message_id, "err": error, "at": at}
