"""Per-recipient outcomes of a broadcast: the counts `broadcast status` shows and the report
that answers "who did not get it"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select

from sesdesk.models import Broadcast, Recipient, RecipientOutcome, Store
from sesdesk.models.base import id_fits
from sesdesk.models.sending import SENT, UNCERTAIN
from sesdesk.services.feedback.wiring import feedback_status
from sesdesk.services.json_fields import json_fields

# An uncertain send with healthy feedback and no event this long after it is "probably not sent".
SETTLE_AFTER = timedelta(minutes=15)
PROBABLY_NOT_SENT = "probably not sent"


@dataclass(frozen=True)
class OutcomeCounts:
    """Recipients SES reported delivered, bounced, complained (a complaint follows a delivery,
    so one recipient may count in two)."""

    delivered: int = 0
    bounced: int = 0
    complained: int = 0
    hard_bounced: int = 0
    with_outcome: int = 0


# OutcomeCounts' fields, in order, over a set of RecipientOutcome rows.
_COUNTED = (
    func.count(RecipientOutcome.delivered_at),
    func.count(RecipientOutcome.bounced_at),
    func.count(RecipientOutcome.complained_at),
    func.coalesce(func.sum(cast(RecipientOutcome.hard_bounce, Integer)), 0),
    func.count(),
)


def outcome_counts(session: Any, broadcast_id: int) -> OutcomeCounts:
    """The counts for one broadcast, inside an open session."""
    row = session.execute(
        select(*_COUNTED).where(RecipientOutcome.broadcast_id == broadcast_id)
    ).one()
    return OutcomeCounts(*(int(n) for n in row))


def outcome_counts_of(session: Any, broadcast_ids: list[int]) -> dict[int, OutcomeCounts]:
    """The counts of many broadcasts in one grouped query (one with no outcome is absent)."""
    rows = session.execute(
        select(RecipientOutcome.broadcast_id, *_COUNTED)
        .where(RecipientOutcome.broadcast_id.in_(broadcast_ids))
        .group_by(RecipientOutcome.broadcast_id)
    )
    return {row[0]: OutcomeCounts(*(int(n) for n in row[1:])) for row in rows}


@dataclass(frozen=True)
class ReportRow:
    """One recipient in `broadcast report`."""

    email: str
    state: str
    outcome: str | None
    detail: str | None
    time: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The `--json` keys: email, state, outcome, detail, time."""
        return json_fields(self)


def _drained_healthy_at(store: Store, team_id: int) -> datetime | None:
    """When the queue was last drained, if the wiring is healthy (else None): an uncertain
    send is judged only against a drain that came at least 15 minutes after it."""
    status = feedback_status(store, team_id)
    if not status.configured or status.problems:
        return None
    return status.last_drained


def broadcast_report(store: Store, team_id: int, broadcast_id: int) -> list[ReportRow]:
    """Every recipient's state and outcome, in list order."""
    from sesdesk.errors import NotFound

    drained = _drained_healthy_at(store, team_id)
    with store.session() as session:
        owner = (
            session.scalar(select(Broadcast.team_id).where(Broadcast.id == broadcast_id))
            if id_fits(session, broadcast_id)
            else None
        )
        if owner != team_id:
            raise NotFound("broadcast", f"no broadcast {broadcast_id} in this team")
        rows = session.execute(
            select(
                Recipient.email,
                Recipient.state,
                Recipient.error,
                Recipient.updated_at,
                RecipientOutcome.outcome,
                RecipientOutcome.detail,
                RecipientOutcome.updated_at,
            )
            .outerjoin(RecipientOutcome, RecipientOutcome.recipient_id == Recipient.id)
            .where(Recipient.broadcast_id == broadcast_id)
            .order_by(Recipient.id)
        ).all()
    report: list[ReportRow] = []
    for email, state, error, updated, outcome, detail, outcome_at in rows:
        if (
            outcome is None
            and state == UNCERTAIN
            and drained is not None
            and drained - updated >= SETTLE_AFTER
        ):
            outcome, detail = PROBABLY_NOT_SENT, "no event from SES 15 minutes after the send"
        if outcome is None and state != SENT:
            detail = error
        report.append(ReportRow(email, state, outcome, detail, outcome_at or updated))
    return report


def probably_not_sent(store: Store, team_id: int, broadcast_id: int) -> list[int]:
    """Uncertain recipients SES never reported, with feedback healthy, 15 minutes on."""
    drained = _drained_healthy_at(store, team_id)
    if drained is None:
        return []
    cutoff = drained - SETTLE_AFTER
    with store.session() as session:
        return list(
            session.scalars(
                select(Recipient.id)
                .outerjoin(RecipientOutcome, RecipientOutcome.recipient_id == Recipient.id)
                .where(
                    Recipient.broadcast_id == broadcast_id,
                    Recipient.state == UNCERTAIN,
                    Recipient.updated_at <= cutoff,
                    RecipientOutcome.recipient_id.is_(None),
                )
            )
        )
