"""The account's bounce and complaint rates against AWS's thresholds: SES's own CloudWatch
Reputation metrics when readable, else computed from sesdesk's events over the last 10,000
sends or 30 days; and the feedback part of each poll cycle."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select

from sesdesk.aws.errors import AuthError, AwsError
from sesdesk.aws.feedback import FeedbackFacade
from sesdesk.aws.sending import SendingFacade
from sesdesk.errors import SesdeskError
from sesdesk.models import Broadcast, FeedbackWiring, Recipient, RecipientOutcome, Store, utcnow
from sesdesk.models.sending import SENT
from sesdesk.services.json_fields import json_fields

log = logging.getLogger(__name__)

# AWS reviews an account at these rates and may pause it at twice (bounce) / five times
# (complaint) as much.
BOUNCE_REVIEW, BOUNCE_PAUSE = 0.05, 0.10
COMPLAINT_REVIEW, COMPLAINT_PAUSE = 0.001, 0.005
LOCAL_SENDS = 10_000
POLL_DRAIN = 1_000  # messages a poll cycle takes in
LOCAL_DAYS = 30


@dataclass(frozen=True)
class Reputation:
    """`status.reputation`: rates as fractions, and where they come from."""

    bounce_rate: float | None
    complaint_rate: float | None
    source: str | None  # "ses" | "local" | None

    def as_json(self) -> dict[str, Any]:
        """The `--json` document's keys."""
        return json_fields(self)


def local_rates(store: Store, team_id: int) -> tuple[float | None, float | None]:
    """Hard-bounce and complaint rates over the team's last 10,000 sends within 30 days."""
    since = utcnow() - timedelta(days=LOCAL_DAYS)
    with store.session() as session:
        recent = (
            select(Recipient.id)
            .join(Broadcast, Broadcast.id == Recipient.broadcast_id)
            .where(
                Broadcast.team_id == team_id,
                Recipient.state == SENT,
                Recipient.updated_at >= since,
            )
            .order_by(Recipient.id.desc())
            .limit(LOCAL_SENDS)
            .subquery()
        )
        sends = int(session.scalar(select(func.count()).select_from(recent)) or 0)
        if sends == 0:
            return None, None
        row = session.execute(
            select(
                func.coalesce(func.sum(cast(RecipientOutcome.hard_bounce, Integer)), 0),
                func.count(RecipientOutcome.complained_at),
            ).where(RecipientOutcome.recipient_id.in_(select(recent.c.id)))
        ).one()
    return int(row[0]) / sends, int(row[1]) / sends


def reputation(store: Store, team_id: int) -> Reputation:
    """SES's rates when they were readable at the last poll, else sesdesk's own."""
    with store.session() as session:
        row = session.get(FeedbackWiring, team_id)
        if row is not None and (
            row.ses_bounce_rate is not None or row.ses_complaint_rate is not None
        ):
            return Reputation(row.ses_bounce_rate, row.ses_complaint_rate, "ses")
    bounce, complaint = local_rates(store, team_id)
    if bounce is None and complaint is None:
        return Reputation(None, None, None)
    return Reputation(bounce, complaint, "local")


def _pct(rate: float) -> str:
    return f"{rate * 100:.2f}".rstrip("0").rstrip(".") + " %"


def reputation_warnings(rep: Reputation) -> list[tuple[str, str]]:
    """`bounce_rate_high` / `complaint_rate_high` (code, message) against AWS's thresholds."""
    where = "SES reports" if rep.source == "ses" else "sesdesk measured"
    found: list[tuple[str, str]] = []
    if rep.bounce_rate is not None and rep.bounce_rate >= BOUNCE_REVIEW:
        found.append(
            (
                "bounce_rate_high",
                f"Bounce rate {_pct(rep.bounce_rate)} ({where}): AWS reviews accounts from "
                f"{_pct(BOUNCE_REVIEW)} and may pause sending at {_pct(BOUNCE_PAUSE)}. "
                "Clean the list before sending more.",
            )
        )
    if rep.complaint_rate is not None and rep.complaint_rate >= COMPLAINT_REVIEW:
        found.append(
            (
                "complaint_rate_high",
                f"Complaint rate {_pct(rep.complaint_rate)} ({where}): AWS reviews accounts "
                f"from {_pct(COMPLAINT_REVIEW)} and may pause sending at "
                f"{_pct(COMPLAINT_PAUSE)}. Send only to people who asked for it.",
            )
        )
    return found


def read_ses_reputation(store: Store, team_id: int, facade: FeedbackFacade) -> None:
    """Read SES's metrics and keep them (None when unreadable: the local rates are used)."""
    try:
        bounce, complaint = facade.reputation()
    except AuthError:
        bounce = complaint = None
    with store.session() as session:
        row = session.get(FeedbackWiring, team_id)
        if row is not None:
            row.ses_bounce_rate, row.ses_complaint_rate = bounce, complaint
            row.reputation_at = utcnow()


def feedback_cycle(store: Store, team_id: int, factory: Any) -> list[str]:
    """The feedback part of a poll cycle: check the wiring, drain, merge the suppression
    lists, read the reputation. Returns short notes; AWS trouble is recorded, never raised."""
    from sesdesk.services.feedback.intake import drain
    from sesdesk.services.feedback.suppression import sync_with_ses
    from sesdesk.services.feedback.wiring import check_feedback, stored_wiring

    notes: list[str] = []
    facade = FeedbackFacade(factory)
    try:
        if stored_wiring(store, team_id) is not None:
            status = check_feedback(store, team_id, facade)
            if not status.problems:
                # Bounded: a two-week backlog must not hold up the rest of the poll; the next
                # cycles take the rest (`feedback drain` takes everything at once).
                result = drain(store, team_id, facade, wait_seconds=0, max_messages=POLL_DRAIN)
                if result.processed or result.unrecognised or result.duplicates:
                    notes.append(
                        f"Feedback: {result.processed} events, {result.duplicates} duplicates, "
                        f"{result.unrecognised} unrecognised."
                    )
            read_ses_reputation(store, team_id, facade)
        sync = sync_with_ses(store, team_id, SendingFacade(factory))
        if sync.added_from_ses:
            notes.append(f"{sync.added_from_ses} addresses from SES's suppression list.")
    except (AwsError, SesdeskError) as exc:
        log.info("feedback part of the poll cycle: %s", exc.message)
    try:
        # Unsubscribes through SES's link in, local unsubscribes out.
        from sesdesk.services.lists.poll import poll_lists

        notes += poll_lists(store, team_id, factory)
    except (AwsError, SesdeskError) as exc:
        log.info("list part of the poll cycle: %s", exc.message)
    return notes
