"""Read-only questions about a team's broadcasts, for the window's Broadcasts view: a page of
them, the ones left unfinished, a recent one with the same subject to the same list, and what
a broadcast about to start would cost of today's quota.

These never take a broadcast's send lock or lease and never change a row: a list shown while
a broadcast sends must not slow or stop it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from sesdesk.models import Store, utcnow
from sesdesk.models.sending import (
    DONE,
    DRAFT,
    KIND_TEST_EMAIL,
    PENDING,
    STOPPED,
    UNSUBSCRIBED,
    Broadcast,
    Contact,
    ContactList,
    Recipient,
)
from sesdesk.services import leases, sending
from sesdesk.services.state import load_snapshot

#: A broadcast to the same list with the same subject within this span counts as "recent".
RECENT = timedelta(days=7)
#: States in which nothing more will be sent (every other non-draft state may still send).
FINISHED_STATES = frozenset({DONE, STOPPED})


def count_broadcasts(store: Store, team_id: int) -> int:
    """How many broadcasts and test campaigns the team has (test emails excluded)."""
    with store.session() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    Broadcast.team_id == team_id, Broadcast.kind != KIND_TEST_EMAIL
                )
            )
            or 0
        )


def broadcast_page(
    store: Store, team_id: int, *, offset: int = 0, limit: int = 50
) -> list[sending.BroadcastStatus]:
    """A page of the team's broadcasts and test campaigns, newest first."""
    with store.session() as session:
        rows = session.scalars(
            select(Broadcast)
            .where(Broadcast.team_id == team_id, Broadcast.kind != KIND_TEST_EMAIL)
            .order_by(Broadcast.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return sending.seen_statuses(session, rows)


def read_status(store: Store, team_id: int, broadcast_id: int) -> sending.BroadcastStatus:
    """One broadcast's counts, read without taking its send lease."""
    return sending.broadcast_status(store, team_id, broadcast_id)


def is_unfinished(status: sending.BroadcastStatus) -> bool:
    """True when a started broadcast still has recipients to send or to settle."""
    if status.state in FINISHED_STATES or status.state == DRAFT:
        return False
    return status.pending + status.uncertain + status.in_flight > 0


def interrupted_broadcasts(
    store: Store, team_id: int, *, running: frozenset[int] = frozenset()
) -> list[sending.BroadcastStatus]:
    """Started broadcasts with recipients left, that no sender in this window is running."""
    with store.session() as session:
        rows = session.scalars(
            select(Broadcast)
            .where(
                Broadcast.team_id == team_id,
                Broadcast.kind != KIND_TEST_EMAIL,
                Broadcast.state.not_in([DRAFT, *FINISHED_STATES]),
            )
            .order_by(Broadcast.id.desc())
        ).all()
        # Being sent right now, here or by another sesdesk: not interrupted.
        held = leases.live_holders(session, [leases.broadcast_lease(row.id) for row in rows])
        found = sending.seen_statuses(
            session,
            [
                row
                for row in rows
                if row.id not in running and leases.broadcast_lease(row.id) not in held
            ],
        )
    return [status for status in found if is_unfinished(status)]


def recent_same_subject(
    store: Store,
    team_id: int,
    *,
    list_name: str,
    subject: str,
    now: datetime | None = None,
    within: timedelta = RECENT,
) -> sending.BroadcastStatus | None:
    """The newest broadcast that already reached `list_name` with `subject` lately, if any."""
    since = (now or utcnow()) - within
    wanted = " ".join(subject.split()).lower()
    with store.session() as session:
        rows = session.scalars(
            select(Broadcast)
            .join(ContactList, ContactList.id == Broadcast.list_id)
            .where(
                Broadcast.team_id == team_id,
                Broadcast.kind != KIND_TEST_EMAIL,
                func.lower(ContactList.name) == " ".join(list_name.split()).lower(),
                Broadcast.created_at >= since,
            )
            .order_by(Broadcast.id.desc())
        ).all()
        for row in rows:
            if " ".join(row.subject.split()).lower() != wanted:
                continue
            status = sending.seen_status(session, row)
            if status.sent + status.uncertain + status.in_flight > 0:
                return status
    return None


@dataclass(frozen=True)
class SendPlan:
    """What the user confirms before a broadcast starts."""

    status: sending.BroadcastStatus
    quota_left: int | None
    max_rate: float | None
    #: Pending recipients whose contact unsubscribed since the broadcast was written (skipped).
    unsubscribed: int = 0

    @property
    def recipients_left(self) -> int:
        """Recipients this run would send to."""
        return self.status.pending - self.unsubscribed

    @property
    def over_quota(self) -> bool:
        """True when today's quota left is smaller than the recipients to send."""
        return self.quota_left is not None and self.recipients_left > self.quota_left


def send_plan(store: Store, team_id: int, broadcast_id: int) -> SendPlan:
    """The broadcast's recipients against the quota last seen (no AWS call)."""
    status = read_status(store, team_id, broadcast_id)
    gone = _unsubscribed_since(store, broadcast_id)
    account = load_snapshot(store, team_id).account
    if account is None:
        return SendPlan(status, None, None, gone)
    return SendPlan(status, max(0, int(account.left_24h)), account.max_rate, gone)


def _unsubscribed_since(store: Store, broadcast_id: int) -> int:
    """Pending recipients of the broadcast whose contact in its list is unsubscribed now."""
    with store.session() as session:
        list_id = session.scalar(select(Broadcast.list_id).where(Broadcast.id == broadcast_id))
        if list_id is None:
            return 0
        return int(
            session.scalar(
                select(func.count())
                .select_from(Recipient)
                .join(
                    Contact,
                    (Contact.list_id == list_id)
                    & (Contact.email_lower == func.lower(Recipient.email)),
                )
                .where(
                    Recipient.broadcast_id == broadcast_id,
                    Recipient.state == PENDING,
                    Contact.status == UNSUBSCRIBED,
                )
            )
            or 0
        )


def quota_left(store: Store, team_id: int) -> int | None:
    """Today's quota left as last seen, or None before the first account check."""
    account = load_snapshot(store, team_id).account
    return None if account is None else max(0, int(account.left_24h))
