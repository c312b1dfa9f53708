"""Draining the feedback queue: receive (long poll, 10 a call) → parse → one transaction that
records every event and its effects → only then delete the messages.

SQS and SNS deliver at least once, so a message may come again (after a crash between commit
and delete, or as SNS's own duplicate): its key is already stored and it changes nothing.
A message we cannot read is stored with its body and counted; it is deleted like the others,
so it never blocks the queue. If the queue vanishes or AWS stops answering mid-drain, what was
committed stays committed and what was not is still in the queue: nothing lost, nothing twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from sesdesk.aws.errors import AuthError, AwsError, AwsNotFound
from sesdesk.aws.feedback import FeedbackFacade, QueueMessage
from sesdesk.errors import NotAllowed, SesdeskError
from sesdesk.models import Store
from sesdesk.services.feedback.outcomes import BatchResult, apply_batch
from sesdesk.services.feedback.parse import parse_body
from sesdesk.services.feedback.wiring import mailer_factory, record_problems, stored_wiring

log = logging.getLogger(__name__)

RECEIVES_PER_COMMIT = 10  # up to 100 messages per transaction
# One drain at a time per team in this process: two would receive different messages and be
# correct anyway (keys are unique), but would only compete for the same queue.
_draining: dict[int, threading.Lock] = {}
_draining_lock = threading.Lock()


@dataclass
class DrainResult:
    """What a drain did: the `feedback drain --json` document."""

    processed: int = 0
    duplicates: int = 0
    unrecognised: int = 0
    unmatched: int = 0
    settled: int = 0
    deleted: int = 0
    broadcasts: set[int] = field(default_factory=set)
    error: SesdeskError | None = None

    def add(self, batch: BatchResult) -> None:
        """Fold one committed batch in."""
        self.processed += batch.processed
        self.duplicates += batch.duplicates
        self.unrecognised += batch.unrecognised
        self.unmatched += batch.unmatched
        self.settled += batch.settled
        self.broadcasts |= batch.broadcasts

    def as_json(self) -> dict[str, Any]:
        """The cli.md keys, plus the rest and the problem if the drain stopped early."""
        return {
            "processed": self.processed,
            "duplicates": self.duplicates,
            "unrecognised": self.unrecognised,
            "unmatched": self.unmatched,
            "settled": self.settled,
            "problem": self.error.message if self.error else None,
        }


def _lock_for(team_id: int) -> threading.Lock:
    with _draining_lock:
        return _draining.setdefault(team_id, threading.Lock())


def drain(
    store: Store,
    team_id: int,
    facade: FeedbackFacade | None = None,
    *,
    wait_seconds: int = 1,
    max_messages: int | None = None,
) -> DrainResult:
    """Drain the team's queue until it is empty (or `max_messages`); never raises for AWS
    trouble — the result carries it (and the wiring records it) instead."""
    wiring = stored_wiring(store, team_id)
    if wiring is None:
        raise NotAllowed(
            "Feedback is not set up for this team.",
            hint="Run `sesdesk feedback setup --team NAME` (or Repair on the dashboard).",
        )
    facade = facade or FeedbackFacade(mailer_factory(store, team_id))
    result = DrainResult()
    with _lock_for(team_id):
        while max_messages is None or result.deleted < max_messages:
            received: list[QueueMessage] = []
            try:
                for call in range(RECEIVES_PER_COMMIT):
                    # Long-poll only when the queue looked empty: a busy queue needs no wait.
                    batch = facade.receive(
                        wiring.queue_url, wait_seconds=wait_seconds if call == 0 else 0
                    )
                    received += batch
                    if len(batch) < 10:
                        break
            except AwsError as exc:
                result.error = _trouble(store, team_id, exc)
            if received:
                items = [parse_body(m.body, m.message_id) for m in received]
                with store.session() as session:
                    result.add(apply_batch(session, team_id, items))
                # Committed: only now may the messages go.
                try:
                    failed = facade.delete(wiring.queue_url, [m.receipt_handle for m in received])
                    result.deleted += len(received) - failed
                except AwsError as exc:
                    # They come back after the visibility timeout and count as duplicates.
                    result.error = result.error or _trouble(store, team_id, exc)
            if result.error is not None or len(received) == 0:
                break
            if len(received) < 10:
                break
    return result


def _trouble(store: Store, team_id: int, exc: AwsError) -> SesdeskError:
    if isinstance(exc, AwsNotFound):
        record_problems(store, team_id, ["the feedback queue was deleted"])
        return NotAllowed(
            "The feedback queue was deleted: bounces and complaints cannot come back.",
            hint="Repair it with `sesdesk feedback setup --team NAME` (or Repair).",
        )
    if isinstance(exc, AuthError):
        return exc
    log.info("feedback drain stopped: %s (%s)", exc.message, exc.code)
    return exc
