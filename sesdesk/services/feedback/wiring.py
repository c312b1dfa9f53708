"""Setting up and checking a team's feedback wiring, and what the dashboard and `status` say
about it (store-only reads work offline)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import AuthError, AwsError
from sesdesk.aws.feedback import FeedbackFacade, Wiring
from sesdesk.errors import CredentialsRejected, NotAllowed
from sesdesk.models import FeedbackWiring, Store, utcnow
from sesdesk.services.json_fields import json_fields
from sesdesk.services.mailers import mailer_row, open_mailer

log = logging.getLogger(__name__)

MISSING = "feedback_missing"
BROKEN = "feedback_broken"


def mailer_factory(store: Store, team_id: int) -> ClientFactory:
    """The client factory of the team's mailer, through the one credential gateway."""
    return open_mailer(store, team_id).factory


@dataclass(frozen=True)
class FeedbackStatus:
    """The wiring as last seen: the `feedback status --json` document."""

    configured: bool
    configuration_set: str | None
    topic_arn: str | None
    queue_url: str | None
    problems: tuple[str, ...]
    waiting: int | None
    last_drained: datetime | None
    checked_at: datetime | None = None
    processed: int = 0
    duplicates: int = 0
    unrecognised: int = 0

    def as_json(self) -> dict[str, Any]:
        """The `--json` document's keys (plus the running counters)."""
        return json_fields(self)


def _status(row: FeedbackWiring | None) -> FeedbackStatus:
    if row is None:
        return FeedbackStatus(False, None, None, None, (), None, None)
    return FeedbackStatus(
        configured=bool(row.queue_url),
        configuration_set=row.configuration_set,
        topic_arn=row.topic_arn,
        queue_url=row.queue_url,
        problems=tuple(json.loads(row.problems or "[]")),
        waiting=row.waiting,
        last_drained=row.last_drained,
        checked_at=row.checked_at,
        processed=row.processed or 0,
        duplicates=row.duplicates or 0,
        unrecognised=row.unrecognised or 0,
    )


def feedback_status(store: Store, team_id: int) -> FeedbackStatus:
    """What the store knows about the wiring (no AWS call)."""
    with store.session() as session:
        return _status(session.get(FeedbackWiring, team_id))


def stored_wiring(store: Store, team_id: int) -> Wiring | None:
    """The wiring as stored, or None when feedback was never set up."""
    with store.session() as session:
        row = session.get(FeedbackWiring, team_id)
        if row is None or not (row.queue_url and row.topic_arn and row.configuration_set):
            return None
        return Wiring(
            row.configuration_set,
            row.topic_arn,
            row.queue_url,
            row.queue_arn or "",
            row.dlq_url or "",
        )


def set_up_feedback(
    store: Store, team_id: int, facade: FeedbackFacade | None = None
) -> FeedbackStatus:
    """Create or repair the wiring in the mailer's region (idempotent) and record it."""
    facade = facade or FeedbackFacade(mailer_factory(store, team_id))
    wiring = facade.set_up()
    check = facade.check(wiring)
    now = utcnow()
    with store.session() as session:
        row = session.get(FeedbackWiring, team_id)
        if row is None:
            row = FeedbackWiring(team_id=team_id, region=facade.region)
            session.add(row)
        row.region = facade.region
        row.configuration_set = wiring.configuration_set
        row.topic_arn = wiring.topic_arn
        row.queue_url = wiring.queue_url
        row.queue_arn = wiring.queue_arn
        row.dlq_url = wiring.dlq_url
        row.problems = json.dumps(list(check.problems))
        row.waiting = check.waiting
        row.set_up_at = row.checked_at = now
        session.flush()
        return _status(row)


def record_problems(
    store: Store, team_id: int, problems: list[str], waiting: int | None = None
) -> None:
    """Store what a check (or a failed drain) found."""
    with store.session() as session:
        row = session.get(FeedbackWiring, team_id)
        if row is None:
            return
        row.problems = json.dumps(problems)
        if waiting is not None or not problems:
            row.waiting = waiting
        row.checked_at = utcnow()


def check_feedback(
    store: Store, team_id: int, facade: FeedbackFacade | None = None
) -> FeedbackStatus:
    """The cheap health check of each poll: problems and waiting messages, recorded."""
    wiring = stored_wiring(store, team_id)
    if wiring is None:
        return feedback_status(store, team_id)
    facade = facade or FeedbackFacade(mailer_factory(store, team_id))
    try:
        check = facade.check(wiring)
    except AuthError as exc:
        record_problems(store, team_id, [f"the keys may not check the wiring: {exc.message}"])
    else:
        record_problems(store, team_id, list(check.problems), check.waiting)
    return feedback_status(store, team_id)


def try_set_up_at_connect(
    store: Store, team_id: int, facade: FeedbackFacade | None = None
) -> FeedbackStatus | None:
    """At connect: set up the wiring when the keys allow it; never fails the connect."""
    try:
        return set_up_feedback(store, team_id, facade)
    except (AwsError, NotAllowed, CredentialsRejected) as exc:
        log.info("feedback set-up at connect skipped: %s", exc.message)
        return None


def feedback_warnings(store: Store, team_id: int, has_mailer: bool) -> list[tuple[str, str]]:
    """`feedback_missing` / `feedback_broken` warnings (code, message), from the store."""
    if not has_mailer:
        return []
    status = feedback_status(store, team_id)
    if not status.configured:
        return [
            (
                MISSING,
                "Bounces and complaints are not coming back: feedback is not set up. "
                "Set it up (sesdesk feedback setup, or Repair on the dashboard).",
            )
        ]
    if status.problems:
        return [
            (
                BROKEN,
                "Bounces and complaints are not coming back: "
                + "; ".join(status.problems)
                + ". Repair it (sesdesk feedback setup, or Repair on the dashboard).",
            )
        ]
    return []


@dataclass(frozen=True)
class FeedbackCardData:
    """What the dashboard's feedback card shows (a store-only read)."""

    status: FeedbackStatus
    bounce_rate: float | None
    complaint_rate: float | None
    rate_source: str | None
    warnings: tuple[tuple[str, str], ...]


def load_feedback_card(store: Store, team_id: int) -> FeedbackCardData:
    """The feedback card's data: wiring health, counters, reputation, warnings."""
    from sesdesk.services.feedback.reputation import reputation, reputation_warnings

    with store.session() as session:
        has_mailer = mailer_row(session, team_id) is not None
    rep = reputation(store, team_id)
    found = feedback_warnings(store, team_id, has_mailer) + reputation_warnings(rep)
    return FeedbackCardData(
        feedback_status(store, team_id),
        rep.bounce_rate,
        rep.complaint_rate,
        rep.source,
        tuple(found),
    )


def repair_and_drain(store: Store, team_id: int) -> FeedbackStatus:
    """The card's Repair / Set up: set up the wiring, then take in what is waiting."""
    from sesdesk.services.feedback.intake import drain

    set_up_feedback(store, team_id)
    result = drain(store, team_id, wait_seconds=0)
    if result.error is not None:
        raise result.error
    return feedback_status(store, team_id)
