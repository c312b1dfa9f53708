"""The dispatch loop of one run, as named steps.

One thread (the caller of `BroadcastRunner.run`) is the only writer: each tick it takes in the
finished sends (`_take_outcomes`), reads the account's rate and quota now and then
(`_watch_account`), claims the rows due within the look-ahead (`_claim`), records and starts
them (`_start`), reports progress, and decides whether the run is over (`_when_idle`). The
sends themselves run on a pool of sender threads (`_send_one`), each leaving on its slot from
the account's rate limiter.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sesdesk.aws.errors import AuthError, AwsError, DailyQuotaExceeded
from sesdesk.aws.sending import NotSent, SendingFacade
from sesdesk.aws.ses import AccountInfo, SesFacade
from sesdesk.diskspace import give_back_wal
from sesdesk.errors import DiskFull, SesdeskError
from sesdesk.models import utcnow
from sesdesk.models.sending import (
    DONE,
    FAILED,
    PAUSED,
    PENDING,
    SENDING,
    SENT,
    STOPPED,
    WAITING_QUOTA,
)
from sesdesk.services.mailers import mark_lost
from sesdesk.services.rate import RateLimiter, in_flight_needed
from sesdesk.services.sending.composition import Composition, build_email
from sesdesk.services.sending.outcomes import fate_of
from sesdesk.services.sending.runstate import (
    CLAIM_ROWS,
    COUNT_DAY,
    TICK,
    UPDATE_ROWS,
    Gauge,
    Outcome,
    PendingCursor,
    Progress,
    Row,
    RunResult,
    RunState,
    Stop,
    row_update,
)

if TYPE_CHECKING:
    from sesdesk.services.sending.runner import BroadcastRunner

log = logging.getLogger(__name__)

ACCOUNT_REFRESH_EVERY = 60.0
# After a throttle, read the account again this soon (AWS may have lowered the rate).
ACCOUNT_RECHECK_AFTER = 5.0
_POOL_SIZE = 64


class Dispatch:
    """Sends a run's pending rows until done or a stop; built and run by `BroadcastRunner`."""

    def __init__(
        self,
        runner: BroadcastRunner,
        composition: Composition,
        sender: SendingFacade,
        ses: SesFacade,
        limiter: RateLimiter,
        quota_left: int,
    ) -> None:
        self.runner = runner
        self.composition = composition
        self.sender = sender
        self.ses = ses
        self.limiter = limiter
        self.run = RunState(runner._status(), quota_left)
        self.results: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self.cursor = PendingCursor(runner.store, runner.broadcast_id)
        self.halt = runner._halt
        self.waiting = Gauge()  # claimed rows whose sender has not left the rate limiter yet
        self.next_account_check = time.monotonic() + ACCOUNT_REFRESH_EVERY
        self.account_check: Future[AccountInfo] | None = None
        self.interrupted = False
        self.pool = ThreadPoolExecutor(max_workers=_POOL_SIZE, thread_name_prefix="sesdesk-send")

    # --- the loop -------------------------------------------------------------------------

    def execute(self) -> RunResult:
        """Run the loop, then record and return how the run ended."""
        self.halt.clear()
        self.runner._wake.clear()
        try:
            while True:
                try:
                    if self._tick():
                        break
                except KeyboardInterrupt:
                    # Ctrl+C: stop starting sends, let the ones in flight land, then pause.
                    if self.interrupted:
                        raise
                    self.interrupted = True
                    self.runner.pause("interrupted")
        finally:
            self.halt.set()
            self.pool.shutdown(wait=True)
        return self._finish()

    def _tick(self) -> bool:
        """One turn of the loop; True when the run is over."""
        run = self.run
        now = utcnow()
        self._take_outcomes(now)
        self._watch_account()
        claims = self._claim()
        self._start(claims, now)
        self.report()
        if run.in_flight == 0:
            idle = self._when_idle()
            if idle is not None:
                return idle
        self.runner._wake.wait(TICK)
        return False

    def _take_outcomes(self, now: datetime) -> None:
        while True:
            try:
                outcome = self.results.get_nowait()
            except queue.Empty:
                return
            self.absorb(outcome, now)

    def _watch_account(self) -> None:
        """Live rate and quota, read off this thread now and then."""
        run = self.run
        if self.account_check is not None and self.account_check.done():
            try:
                info = self.account_check.result()
                if info.max_rate > 0:
                    self.limiter.set_rate(info.max_rate)
                run.quota_left = max(0, int(info.left_24h) - run.in_flight)
            except SesdeskError as exc:
                log.info("live account check failed: %s", exc.message)
            self.account_check = None
        since_check = time.monotonic() - (self.next_account_check - ACCOUNT_REFRESH_EVERY)
        if self.account_check is None and (
            (run.check_account and since_check >= ACCOUNT_RECHECK_AFTER)
            or time.monotonic() >= self.next_account_check
        ):
            run.check_account = False
            self.next_account_check = time.monotonic() + ACCOUNT_REFRESH_EVERY
            self.account_check = self.pool.submit(self.ses.get_account)

    def _claim(self) -> list[Row]:
        """Rows for the sends due within the look-ahead: few enough that a crash leaves
        little `uncertain`, enough that no slot goes unused."""
        run, runner, limiter = self.run, self.runner, self.limiter
        claims: list[Row] = []
        stopping = run.stop is not None or runner._pause.is_set() or runner._cancel.is_set()
        if stopping or time.monotonic() < run.hold_until:
            return claims
        # A row holds its place from claim to write-back, which is more than the HTTP call:
        # size for that.
        limit = in_flight_needed(limiter.rate, runner.hold.value)
        queued = max(2, math.ceil(limiter.effective_rate * run.lookahead()))
        while (
            run.in_flight + len(claims) < limit
            and self.waiting.value + len(claims) < queued
            and run.quota_left > 0
        ):
            row = run.retry.popleft() if run.retry else self.cursor.next()
            if row is None:
                break
            claims.append(row)
            run.quota_left -= 1
        return claims

    def _start(self, claims: list[Row], now: datetime) -> None:
        """Record the finished rows and the claims in one commit, then send the claims."""
        run = self.run
        if (run.updates or claims or run.day_sent or run.day_failed) and not (
            self._write_or_stop(claims, now)
        ):
            run.quota_left += len(claims)
            claims = []  # not recorded as claimed: they stay pending, unsent
        self.waiting.add(len(claims))
        claimed_at = time.monotonic()
        for row in claims:
            run.claimed_at[row.id] = claimed_at
            self.pool.submit(self._send_one, row)
        run.in_flight += len(claims)

    def _when_idle(self) -> bool | None:
        """Nothing in flight: True to end the run, False to loop at once, None to wait."""
        run, runner = self.run, self.runner
        if run.stop is not None:
            return True
        if runner._cancel.is_set():
            run.stop = Stop(STOPPED, "cancelled")
            return True
        if runner._pause.is_set():
            run.stop = Stop(PAUSED, runner._pause_reason)
            return True
        if not run.retry and not self.cursor.has_more():
            return True
        if run.quota_left <= 0:
            run.quota_left = self.wait_for_quota()
            if run.quota_left <= 0:
                run.stop = Stop(
                    WAITING_QUOTA,
                    "the daily sending quota is used up; sending continues "
                    "as the 24-hour window rolls",
                    DailyQuotaExceeded(
                        "The daily sending quota is used up; run "
                        "`broadcast send` again later to continue."
                    ),
                )
                return True
            return False
        return None

    # --- a sender thread ------------------------------------------------------------------

    def _send_one(self, row: Row) -> None:
        limiter, halt, waiting, results = self.limiter, self.halt, self.waiting, self.results
        started = 0.0
        left = False  # this sender has left the rate limiter (or will never enter it)

        def gate() -> bool:
            # Runs in boto3's before-send hook: the request is built and signed, only
            # the socket write follows, so the slot is not eroded by boto3's CPU time.
            nonlocal started, left
            slot = limiter.acquire(halt)
            if not left:  # once, even if a client ever made a second attempt
                waiting.add(-1)
                left = True
            started = time.monotonic()
            return slot is not None

        try:
            message = self.runner._tag(build_email(self.composition, row.email, row.name), row.id)
            try:
                with self.sender.gated(gate):
                    message_id = self.sender.send_email(message)
            except NotSent:
                results.put(Outcome(row, unsent=True))
                return
            except AwsError as exc:
                took = time.monotonic() - started if started else 0.0
                results.put(Outcome(row, error=exc, latency=took))
                return
            took = time.monotonic() - started if started else 0.0
            if not started:
                # A sender that never reached boto3's hook (a stand-in): still use a slot,
                # so the sends after it keep the pace.
                limiter.acquire(halt)
            results.put(Outcome(row, message_id=message_id, latency=took))
        except BaseException as exc:  # a bug: the call may have happened
            results.put(Outcome(row, error=exc))
        finally:
            if not left:
                waiting.add(-1)

    # --- the outcomes -----------------------------------------------------------------------

    def absorb(self, outcome: Outcome, now: datetime) -> None:
        """Fold one finished send into the run, as `outcomes.fate_of` judges it."""
        run, runner = self.run, self.runner
        run.in_flight -= 1
        row, error = outcome.row, outcome.error
        fate = fate_of(error, run.streaks, self.composition.from_address, unsent=outcome.unsent)
        run.streaks = fate.streaks
        if outcome.unsent:
            run.back_to_pending(row, None, now)
            return
        if outcome.latency:
            runner.latency.add(outcome.latency)
        claimed = run.claimed_at.pop(row.id, None)
        if claimed is not None:
            runner.hold.add(time.monotonic() - claimed)
        if fate.throttled:
            runner.throttled += 1
            self.limiter.throttled()
            run.check_account = True  # AWS may have lowered the rate: read it again now
        if fate.quota_used_up:
            run.quota_left = 0
        if fate.back_off:
            run.hold_until = time.monotonic() + fate.back_off
        state = fate.state
        if state == PENDING:
            run.back_to_pending(row, fate.error, now)
        else:
            run.pending -= 1
            if state == SENT:
                run.sent += 1
                run.day_sent += 1
                self.limiter.calm()
                run.recent.append(time.monotonic())
                if outcome.message_id and len(run.message_ids) < 10:
                    run.message_ids.append(outcome.message_id)
            elif state == FAILED:
                run.failed += 1
                run.day_failed += 1
            else:
                run.uncertain += 1
            run.updates.append(row_update(row, state, outcome.message_id, fate.error, now))
        if fate.bug and run.bug is None:
            run.bug = error
        if fate.halt is not None:
            self.halt_with(PAUSED, fate.halt, error)

    def halt_with(self, state: str, reason: str, error: object) -> None:
        """Stop starting sends; the run will end in `state` for `reason` (the first wins)."""
        run = self.run
        if run.stop is None:
            run.stop = Stop(state, reason, error if isinstance(error, SesdeskError) else None)
            self.halt.set()

    # --- reporting and writing ------------------------------------------------------------

    def report(self, *, force: bool = False) -> None:
        """Progress to the callback, at most every `progress_every` seconds unless forced."""
        runner, run, limiter = self.runner, self.run, self.limiter
        if runner.on_progress is None:
            return
        now = time.monotonic()
        if not force and now - run.last_progress < runner.progress_every:
            return
        run.last_progress = now
        recent = run.recent
        while recent and recent[0] < now - 5.0:
            recent.popleft()
        window = min(5.0, max(0.5, now - recent[0])) if recent else 1.0
        rate = len(recent) / window if recent else 0.0
        pace = limiter.effective_rate
        status = replace(
            run.initial,
            state=SENDING if run.stop is None else run.stop.state,
            sent=run.sent,
            failed=run.failed,
            uncertain=run.uncertain,
            pending=run.pending - run.in_flight,  # rows in flight are not pending any more
            in_flight=run.in_flight,
        )
        seconds_left = (run.pending / pace) if pace else None
        try:
            runner.on_progress(Progress(status, rate, limiter.rate, seconds_left, runner.throttled))
        except Exception:
            log.exception("progress callback failed")

    def wait_for_quota(self) -> int:
        """Recipients the rolling window allows now; waits for them when asked to."""
        runner = self.runner
        if not runner.wait_for_quota:
            return 0
        runner._set_state(WAITING_QUOTA, "waiting for the 24-hour quota window to roll")
        while not (runner._pause.is_set() or runner._cancel.is_set()):
            try:
                left = int(self.ses.get_account().left_24h)
            except SesdeskError as exc:
                log.info("quota check failed: %s", exc.message)
                left = 0
            if left > 0:
                runner._set_state(SENDING, None)
                return left
            runner._wake.wait(runner.quota_poll_every)
        return 0

    def _write_or_stop(self, claims: list[Row], now: datetime) -> bool:
        """`_write`; on a full disk, stop (paused, the disk named) and record the outcomes
        in the space set aside: False when the claims were not written (nor sent)."""
        try:
            self._write(claims, now)
            return True
        except DiskFull as exc:
            self.halt_with(PAUSED, exc.message, exc)
            if not self.runner._reserve.give_back():
                give_back_wal(self.runner.store.engine)
            with contextlib.suppress(DiskFull):
                self._write([], now)
            return False

    def _write(self, claims: list[Row], now: datetime) -> None:
        """One transaction: finished rows, newly claimed rows, and the day's counter."""
        run = self.run
        started = time.monotonic()
        with self.runner.store.session() as session:
            if run.updates:
                session.execute(UPDATE_ROWS, run.updates)
            if claims:
                session.execute(CLAIM_ROWS, [{"rid": row.id, "at": now} for row in claims])
            if run.day_sent or run.day_failed:
                session.execute(
                    COUNT_DAY[self.runner.store.engine.dialect.name],
                    {
                        "team": self.runner.team_id,
                        "day": now.astimezone(UTC).date(),
                        "sent": run.day_sent,
                        "failed": run.day_failed,
                    },
                )
        run.updates = []
        run.day_sent = run.day_failed = 0
        run.commits.append(time.monotonic() - started)

    # --- the end ------------------------------------------------------------------------------

    def _finish(self) -> RunResult:
        """Record the last outcomes and the run's ending; the result (or the bug, raised)."""
        run, runner = self.run, self.runner
        stop = run.stop
        if stop is not None and isinstance(stop.error, AuthError):
            mark_lost(runner.store, runner.team_id, stop.error.message)
        unrecorded = False
        try:
            if run.updates or run.day_sent or run.day_failed:
                self._write([], utcnow())
            if stop is None:
                runner._set_state(DONE, None, finished=True)
            else:
                runner._set_state(stop.state, stop.reason, finished=stop.state == STOPPED)
        except DiskFull as exc:
            # Rows whose outcome could not be written stay `sending`: the next start
            # records them `uncertain`, which is what they are to the store.
            log.warning("could not record how the run ended: %s", exc.message)
            unrecorded = True
        finally:
            runner._reserve.give_back()
        self.report(force=True)
        if run.bug is not None:
            raise run.bug
        if self.interrupted:
            raise KeyboardInterrupt
        final = runner._status()
        if unrecorded and stop is not None:
            final = replace(
                final,
                state=stop.state,
                stop_reason=stop.reason,
                uncertain=final.uncertain + final.in_flight,
                in_flight=0,
            )
        return RunResult(
            final,
            stop_error=stop.error if stop is not None else None,
            throttled=runner.throttled,
            message_ids=run.message_ids,
        )
