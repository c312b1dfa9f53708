"""Uncertain sends settled by SES: an event for a recipient left `uncertain` makes it `sent`
(outcomes.py does that as the event is recorded); with feedback healthy and no event 15
minutes on, it is "probably not sent", and Resend puts only those back to pending."""

from __future__ import annotations

from sqlalchemy import update

from sesdesk.models import Recipient, Store, utcnow
from sesdesk.models.sending import PENDING, UNCERTAIN
from sesdesk.services.feedback.report import probably_not_sent


def release_probably_not_sent(store: Store, team_id: int, broadcast_id: int) -> int:
    """Make the "probably not sent" recipients pending again; returns how many."""
    ids = probably_not_sent(store, team_id, broadcast_id)
    if not ids:
        return 0
    with store.session() as session:
        session.execute(
            update(Recipient)
            .where(Recipient.id.in_(ids), Recipient.state == UNCERTAIN)
            .values(state=PENDING, error=None, updated_at=utcnow())
        )
    return len(ids)
