"""The reputation guard of a running broadcast: the self-pause rule (a pure function) and the
watcher thread the engine starts, which drains feedback at least every 10 seconds and pauses
the broadcast when the rule says so.

Once at least 100 of its recipients have an outcome, a broadcast pauses when hard bounces
reach 5 % or complaints 0.1 % (per-team settings). After the user resumes, only outcomes
that arrive after the resume are judged (with the same minimum), so resuming is a real choice
rather than an immediate second pause.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sesdesk.errors import SesdeskError
from sesdesk.models import BroadcastGuard, Store
from sesdesk.services.feedback.outcomes import settings_of
from sesdesk.services.feedback.report import outcome_counts

log = logging.getLogger(__name__)

DRAIN_EVERY = 5.0  # seconds; at most 10 s between drains while a broadcast runs
PER_DRAIN = 100  # messages per drain, then a judgement


@dataclass(frozen=True)
class GuardCounts:
    """Recipients with an outcome, and how many of them hard-bounced or complained."""

    outcomes: int
    hard_bounces: int
    complaints: int


@dataclass(frozen=True)
class GuardLimits:
    """When a broadcast pauses itself."""

    bounce_rate: float = 0.05
    complaint_rate: float = 0.001
    min_outcomes: int = 100


def _percent(rate: float) -> str:
    value = rate * 100
    return f"{value:.0f} %" if value >= 10 or value == int(value) else f"{value:.1f} %"


def judge(counts: GuardCounts, limits: GuardLimits, *, since_resume: bool = False) -> str | None:
    """The stop reason when the broadcast must pause, else None (pure)."""
    if counts.outcomes < limits.min_outcomes or counts.outcomes <= 0:
        return None
    which = (
        f"the {counts.outcomes} recipients with an outcome since resuming"
        if since_resume
        else f"the first {counts.outcomes} recipients"
    )
    bounce = counts.hard_bounces / counts.outcomes
    complaint = counts.complaints / counts.outcomes
    if bounce >= limits.bounce_rate:
        return (
            f"paused: {_percent(bounce)} of {which} bounced (hard bounces; the limit is "
            f"{_percent(limits.bounce_rate)}). Check the list, then resume or cancel."
        )
    if complaint >= limits.complaint_rate:
        return (
            f"paused: {_percent(complaint)} of {which} complained (the limit is "
            f"{_percent(limits.complaint_rate)}). Check the list, then resume or cancel."
        )
    return None


def judge_broadcast(store: Store, team_id: int, broadcast_id: int) -> str | None:
    """Apply the rule to the broadcast's stored outcomes; marks the guard tripped."""
    with store.session() as session:
        settings = settings_of(session, team_id)
        limits = GuardLimits(
            settings.pause_bounce_rate, settings.pause_complaint_rate, settings.pause_min_outcomes
        )
        counts = outcome_counts(session, broadcast_id)
        guard = session.get(BroadcastGuard, broadcast_id)
        base = (
            (guard.base_outcomes, guard.base_hard_bounces, guard.base_complaints)
            if guard is not None
            else (0, 0, 0)
        )
        reason = judge(
            GuardCounts(
                counts.with_outcome - base[0],
                counts.hard_bounced - base[1],
                counts.complained - base[2],
            ),
            limits,
            since_resume=base[0] > 0,
        )
        if reason is not None:
            if guard is None:
                guard = BroadcastGuard(
                    broadcast_id=broadcast_id,
                    base_outcomes=0,
                    base_hard_bounces=0,
                    base_complaints=0,
                )
                session.add(guard)
            guard.tripped = True
        return reason


def accept_on_resume(store: Store, broadcast_id: int) -> None:
    """The user resumes after the guard paused: judge only what comes from now on."""
    with store.session() as session:
        guard = session.get(BroadcastGuard, broadcast_id)
        if guard is None or not guard.tripped:
            return
        counts = outcome_counts(session, broadcast_id)
        guard.tripped = False
        guard.base_outcomes = counts.with_outcome
        guard.base_hard_bounces = counts.hard_bounced
        guard.base_complaints = counts.complained


class FeedbackWatcher:
    """Drains feedback every few seconds while a broadcast runs and pauses it when the guard
    trips. `pause` is the engine's own pause (thread-safe)."""

    def __init__(
        self,
        store: Store,
        team_id: int,
        broadcast_id: int,
        pause: Callable[[str], None],
        *,
        every: float | None = None,
    ) -> None:
        self.store = store
        self.team_id = team_id
        self.broadcast_id = broadcast_id
        self._pause = pause
        self.every = min(DRAIN_EVERY if every is None else every, 10.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sesdesk-feedback-{broadcast_id}", daemon=True
        )
        self.tripped: str | None = None
        self.drains = 0

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop, with one last drain and judgement; waits for the thread."""
        self._stop.set()
        self._thread.join(timeout=30)

    def once(self, *, judge_too: bool = True) -> bool:
        """One bounded drain and a judgement; True when more messages may be waiting."""
        from sesdesk.services.feedback.intake import drain
        from sesdesk.services.feedback.wiring import stored_wiring

        more = False
        if stored_wiring(self.store, self.team_id) is not None:
            # Bounded: a queue fed by the running broadcast never empties, and the guard
            # must judge between batches.
            result = drain(self.store, self.team_id, wait_seconds=0, max_messages=PER_DRAIN)
            self.drains += 1
            more = result.deleted >= PER_DRAIN and result.error is None
            if result.error is not None:
                log.info("feedback drain during a broadcast: %s", result.error.message)
        if judge_too and self.tripped is None:
            reason = judge_broadcast(self.store, self.team_id, self.broadcast_id)
            if reason is not None:
                self.tripped = reason
                self._pause(reason)
        return more

    def _run(self) -> None:
        more = False
        while not self._stop.wait(0 if more else self.every):
            more = self._safely()
        self._safely(judge_too=False)  # the loop has ended: only take in what arrived

    def _safely(self, *, judge_too: bool = True) -> bool:
        try:
            return self.once(judge_too=judge_too)
        except SesdeskError as exc:
            log.info("feedback watcher: %s", exc.message)
        except Exception:
            # A bug here must not stop the broadcast; it is logged with its traceback.
            log.exception("feedback watcher failed")
        return False


@contextlib.contextmanager
def watching(
    store: Store, team_id: int, broadcast_id: int, pause: Callable[[str], None]
) -> Iterator[FeedbackWatcher]:
    """Run a `FeedbackWatcher` for the duration of a broadcast's send loop."""
    accept_on_resume(store, broadcast_id)
    watcher = FeedbackWatcher(store, team_id, broadcast_id, pause)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()
