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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sesdesk.aws.errors import AuthError, AwsError, AwsNotFound
from sesdesk.aws.feedback import FeedbackFacade, QueueMessage
from sesdesk.errors import NotAllowed, SesdeskError
from sesdesk.models import Store
from sesdesk.services.feedback.outcomes import BatchResult, apply_batch
from sesdesk.services.feedback.parse import parse_body
from sesdesk.services.feedback.wiring import mailer_factory, record_problems, stored_wiring
from sesdesk.services.json_fields import json_fields

log = logging.getLogger(__name__)

PER_COMMIT = 300  # messages per transaction
PARALLEL = 4  # receives in flight at once (the FEEDBACK client keeps 8 connections)
# One drain at a time per team in this process: two would receive different messages and be
# correct anyway (keys are unique), but would only compete for the same queue.
_draining: dict[int, threading.Lock] = {}
_draining_lock = threading.Lock()


@dataclass
class DrainResult(BatchResult):
    """What a drain did, its batches summed: the `feedback drain --json` document."""

    deleted: int = 0
    error: SesdeskError | None = None

    def as_json(self) -> dict[str, Any]:
        """The `--json` keys, plus the rest and the problem if the drain stopped early."""
        counts = ("processed", "duplicates", "unrecognised", "unmatched", "settled")
        problem = self.error.message if self.error else None
        return {**json_fields(self, *counts), "problem": problem}


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
    with _lock_for(team_id), ThreadPoolExecutor(2 * PARALLEL, "sesdesk-drain") as pool:
        _Drain(store, team_id, facade, wiring.queue_url, pool, result).run(
            wait_seconds, max_messages
        )
    return result


class _Drain:
    """One drain: receives run `PARALLEL` at a time (SQS answers 10 per call, and AWS is a
    round trip away), deletes of a committed batch overlap the next receives."""

    def __init__(
        self,
        store: Store,
        team_id: int,
        facade: FeedbackFacade,
        queue_url: str,
        pool: ThreadPoolExecutor,
        result: DrainResult,
    ) -> None:
        self.store, self.team_id, self.facade = store, team_id, facade
        self.queue_url, self.pool, self.result = queue_url, pool, result
        self.deletes: list[tuple[int, Future[int]]] = []

    def _start(self, calls: int, wait_seconds: int) -> list[Future[list[QueueMessage]]]:
        return [
            self.pool.submit(self.facade.receive, self.queue_url, wait_seconds=wait_seconds)
            for _ in range(calls)
        ]

    def _collect(
        self, futures: list[Future[list[QueueMessage]]]
    ) -> tuple[list[QueueMessage], bool]:
        """The messages of a round of receives; and whether the queue looked drained."""
        received: list[QueueMessage] = []
        short = False
        for future in futures:
            try:
                batch = future.result()
            except AwsError as exc:
                self.result.error = self.result.error or _trouble(self.store, self.team_id, exc)
                short = True
                continue
            received += batch
            short = short or len(batch) < 10
        return received, short

    def run(self, wait_seconds: int, max_messages: int | None) -> None:
        result = self.result
        # A long poll first; once the queue proves busy, PARALLEL receives at a time, the next
        # round already under way while this one is committed (it cannot return the same
        # messages: those are in flight until deleted).
        futures = self._start(1, wait_seconds)
        try:
            while futures:
                received, short = self._collect(futures)
                limit = PER_COMMIT
                if max_messages is not None:
                    done = result.deleted + self._pending()
                    limit = min(PER_COMMIT, max(10, max_messages - done))
                while len(received) < limit and not short and result.error is None:
                    batch, short = self._collect(self._start(PARALLEL, 0))
                    received += batch
                taken = result.deleted + self._pending() + len(received)
                stop = short or not received or result.error is not None
                stop = stop or (max_messages is not None and taken >= max_messages)
                futures = [] if stop else self._start(PARALLEL, 0)
                if received:
                    self._commit(received)
                self._settle_deletes(wait=False)
        finally:
            self._settle_deletes(wait=True)

    def _commit(self, received: list[QueueMessage]) -> None:
        items = [parse_body(m.body, m.message_id) for m in received]
        with self.store.session() as session:
            self.result.add(apply_batch(session, self.team_id, items))
        # Committed: only now may the messages go.
        handles = [m.receipt_handle for m in received]
        for start in range(0, len(handles), 10):
            chunk = handles[start : start + 10]
            future = self.pool.submit(self.facade.delete, self.queue_url, chunk)
            self.deletes.append((len(chunk), future))

    def _pending(self) -> int:
        return sum(n for n, _ in self.deletes)

    def _settle_deletes(self, *, wait: bool) -> None:
        still: list[tuple[int, Future[int]]] = []
        for count, future in self.deletes:
            if not wait and not future.done():
                still.append((count, future))
                continue
            try:
                self.result.deleted += count - future.result()
            except AwsError as exc:
                # Not deleted: they come back after the visibility timeout as duplicates.
                self.result.error = self.result.error or _trouble(self.store, self.team_id, exc)
        self.deletes = still


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
