"""After a crash, and the user's say on what it left: `uncertain` rows, resend, cancel."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from sesdesk.models import Store, utcnow
from sesdesk.models.sending import (
    DONE,
    PAUSED,
    PENDING,
    SENDING,
    STOPPED,
    UNCERTAIN,
    Recipient,
)
from sesdesk.services import leases
from sesdesk.services.sending.queries import BroadcastStatus, require_broadcast, status_of

_RECIPIENTS = cast(Table, Recipient.__table__)


def resend_uncertain(store: Store, team_id: int, broadcast_id: int) -> int:
    """The user's say: put `uncertain` recipients back to pending; returns how many."""
    with leases.holding_broadcast(store, broadcast_id):
        recover(store, team_id, broadcast_id)
        with store.session() as session:
            require_broadcast(session, team_id, broadcast_id)
            return requeue_uncertain(session, broadcast_id)


def requeue_uncertain(session: Session, broadcast_id: int) -> int:
    """With the broadcast's lease held: its `uncertain` rows pending again; how many."""
    done = session.execute(
        update(_RECIPIENTS)
        .where(_RECIPIENTS.c.broadcast_id == broadcast_id, _RECIPIENTS.c.state == UNCERTAIN)
        .values(state=PENDING, error=None, updated_at=utcnow())
    )
    return int(getattr(done, "rowcount", 0) or 0)


def cancel_broadcast(store: Store, team_id: int, broadcast_id: int) -> BroadcastStatus:
    """Stop a broadcast that is not being sent right now (its pending rows stay unsent)."""
    with leases.holding_broadcast(store, broadcast_id):
        recover(store, team_id, broadcast_id)
        with store.session() as session:
            row = require_broadcast(session, team_id, broadcast_id)
            if row.state not in (DONE, STOPPED):
                row.state, row.stop_reason, row.finished_at = STOPPED, "cancelled", utcnow()
            return status_of(session, row)


# --------------------------------------------------------------------------- locking


def recover(store: Store, team_id: int, broadcast_id: int) -> int:
    """With the broadcast's lease held: rows left `sending` by a dead sender become
    `uncertain`."""
    with store.session() as session:
        row = require_broadcast(session, team_id, broadcast_id)
        table = _RECIPIENTS
        changed = session.execute(
            update(table)
            .where(table.c.broadcast_id == broadcast_id, table.c.state == SENDING)
            .values(
                state=UNCERTAIN,
                error="in flight when sesdesk stopped: it may or may not have been sent",
                updated_at=utcnow(),
            )
        )
        count = int(getattr(changed, "rowcount", 0) or 0)
        if row.state == SENDING:
            row.state = PAUSED
            row.stop_reason = "sesdesk stopped while sending" + (
                f"; {count} recipient(s) uncertain" if count else ""
            )
        return count
