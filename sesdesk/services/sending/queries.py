"""The read model of broadcasts: status as every reader sees it, lists, recipients.

Nothing here writes or takes a lease.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from sesdesk.errors import NotFound
from sesdesk.models import Store
from sesdesk.models.base import id_fits
from sesdesk.models.sending import (
    FAILED,
    PAUSED,
    PENDING,
    QUEUED,
    SENDING,
    SENT,
    SUPPRESSED,
    UNCERTAIN,
    Broadcast,
    ContactList,
    Recipient,
)
from sesdesk.services import leases
from sesdesk.services.json_fields import json_fields
from sesdesk.services.state import from_row

if TYPE_CHECKING:
    from sesdesk.services.feedback.report import OutcomeCounts


@dataclass(frozen=True)
class BroadcastStatus:
    """Where a broadcast stands, in the shape `broadcast status --json` prints."""

    id: int
    kind: str
    state: str
    total: int
    sent: int
    failed: int
    suppressed: int
    pending: int
    uncertain: int
    in_flight: int
    stop_reason: str | None
    subject: str = ""
    # From SES's events (services/feedback): recipients delivered, bounced, complained.
    delivered: int = 0
    bounced: int = 0
    complained: int = 0
    from_address: str = ""
    list_name: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # Why it goes without SES's one-click unsubscribe (mailto only), or None.
    unsubscribe_note: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The docs/cli.md JSON document (plus kind and in_flight)."""
        return json_fields(self, *_JSON_FIELDS)


#: The keys docs/cli.md promises in `broadcast status --json` (and `broadcast send --json`).
STATUS_KEYS = (
    "id",
    "state",
    "total",
    "sent",
    "failed",
    "suppressed",
    "pending",
    "uncertain",
    "stop_reason",
)
# `broadcast status --json`, in this order.
_JSON_FIELDS = (
    *STATUS_KEYS,
    "kind",
    "in_flight",
    "subject",
    "delivered",
    "bounced",
    "complained",
    "unsubscribe_note",
)


def statuses_of(session: Any, rows: Sequence[Broadcast]) -> list[BroadcastStatus]:
    """Each row's status as stored (no lease considered), read by three grouped queries
    however many rows: recipients per state, outcomes, list names."""
    from sesdesk.services.feedback.report import OutcomeCounts, outcome_counts_of

    ids = [row.id for row in rows]
    if not ids:
        return []
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for broadcast_id, state, count in session.execute(
        select(Recipient.broadcast_id, Recipient.state, func.count())
        .where(Recipient.broadcast_id.in_(ids))
        .group_by(Recipient.broadcast_id, Recipient.state)
    ):
        counts[broadcast_id][state] = int(count)
    outcomes = outcome_counts_of(session, ids)
    list_ids = {row.list_id for row in rows if row.list_id is not None}
    names: dict[int, str] = {}
    if list_ids:
        found = session.execute(
            select(ContactList.id, ContactList.name).where(ContactList.id.in_(sorted(list_ids)))
        )
        names = {list_id: name for list_id, name in found}
    return [
        compose_status(
            row,
            counts.get(row.id, {}),
            outcomes.get(row.id, OutcomeCounts()),
            None if row.list_id is None else names.get(row.list_id),
        )
        for row in rows
    ]


def status_of(session: Any, row: Broadcast) -> BroadcastStatus:
    """One row's status as stored (no lease considered)."""
    return statuses_of(session, [row])[0]


def compose_status(
    row: Broadcast, counts: dict[str, int], outcomes: OutcomeCounts, list_name: str | None
) -> BroadcastStatus:
    """The status of `row` from its recipients' counts per state, outcomes and list name."""
    return from_row(
        BroadcastStatus,
        row,
        total=sum(counts.values()),
        sent=counts.get(SENT, 0),
        failed=counts.get(FAILED, 0),
        suppressed=counts.get(SUPPRESSED, 0),
        pending=counts.get(PENDING, 0),
        uncertain=counts.get(UNCERTAIN, 0),
        in_flight=counts.get(SENDING, 0),
        list_name=list_name,
        delivered=outcomes.delivered,
        bounced=outcomes.bounced,
        complained=outcomes.complained,
        unsubscribe_note=row.list_management_note,
    )


def require_broadcast(session: Any, team_id: int, broadcast_id: int) -> Broadcast:
    row = session.get(Broadcast, broadcast_id) if id_fits(session, broadcast_id) else None
    if row is None or row.team_id != team_id:
        raise NotFound("broadcast", f"no broadcast {broadcast_id} in this team")
    return row


def broadcast_status(store: Store, team_id: int, broadcast_id: int) -> BroadcastStatus:
    """The broadcast's counts, as seen by a reader: no lease, no lock, nothing written.

    If no sesdesk holds the broadcast's lease, rows left `sending` by a crash are reported
    `uncertain` (and the broadcast `paused`), which is what the next sender will record; a
    sender waiting for its account's turn is reported `queued` with the reason.
    """
    with store.session() as session:
        return seen_status(session, require_broadcast(session, team_id, broadcast_id))


def seen_status(session: Any, row: Broadcast) -> BroadcastStatus:
    """A broadcast's status as every reader sees it (inside an open session; lock-free)."""
    return seen_statuses(session, [row])[0]


def seen_statuses(session: Any, rows: Sequence[Broadcast]) -> list[BroadcastStatus]:
    """`seen_status` of each row, read by four grouped queries however many rows (the
    statuses, then who holds their leases right now)."""
    statuses = statuses_of(session, rows)
    holders = leases.live_holders(session, [leases.broadcast_lease(s.id) for s in statuses])
    return [seen_with(s, holders.get(leases.broadcast_lease(s.id))) for s in statuses]


def seen_with(status: BroadcastStatus, holder: leases.Holder | None) -> BroadcastStatus:
    """`status` corrected by `holder`, the live holder of the broadcast's lease (or None)."""
    if holder is not None:
        if holder.note:
            return replace(status, state=QUEUED, stop_reason=holder.note)
        return status
    # What `recover` will write when the next sender starts.
    lost = status.in_flight
    state, reason = status.state, status.stop_reason
    if state == SENDING:
        state = PAUSED
        reason = "sesdesk stopped while sending" + (
            f"; {lost} recipient(s) uncertain" if lost else ""
        )
    return replace(
        status, state=state, stop_reason=reason, uncertain=status.uncertain + lost, in_flight=0
    )


def list_broadcasts(store: Store, team_id: int, *, limit: int = 200) -> list[BroadcastStatus]:
    """The team's broadcasts and test sends, newest first."""
    with store.session() as session:
        rows = session.scalars(
            select(Broadcast)
            .where(Broadcast.team_id == team_id)
            .order_by(Broadcast.id.desc())
            .limit(limit)
        ).all()
        return seen_statuses(session, rows)


@dataclass(frozen=True)
class RecipientInfo:
    """One recipient of a broadcast and where its send stands."""

    email: str
    name: str | None
    state: str
    message_id: str | None
    error: str | None
    attempts: int


def recipients(
    store: Store,
    team_id: int,
    broadcast_id: int,
    *,
    state: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[RecipientInfo]:
    """A page of a broadcast's recipients (optionally in one state), in send order."""
    with store.session() as session:
        require_broadcast(session, team_id, broadcast_id)
        query = select(Recipient).where(Recipient.broadcast_id == broadcast_id)
        if state is not None:
            query = query.where(Recipient.state == state)
        rows = session.scalars(query.order_by(Recipient.id).offset(offset).limit(limit)).all()
        return [
            RecipientInfo(r.email, r.name, r.state, r.message_id, r.error, r.attempts) for r in rows
        ]
