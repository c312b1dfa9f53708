"""Running a broadcast (or a test): preflight gating, leases, then the dispatch loop.

Every recipient is a row: pending → sending → sent | failed | suppressed. A row is committed
as `sending` *before* its HTTP call and updated right after, so a crash leaves at most the
requests in flight in `sending`; the next start (or `status`) turns those into `uncertain`,
which are never re-sent without the user's say (`resend_uncertain`).

Slots come from one evenly spaced token bucket per SES account (`rate.shared_limiter`) at
`MaxSendRate`, read live. Gating (`gating.decide`) is enforced here, not only in the window.
The loop itself is `dispatch.Dispatch`; what each send's outcome means is `outcomes.fate_of`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Table, func, select, update

from sesdesk.aws.errors import AuthError
from sesdesk.aws.sending import OutgoingEmail, SendingFacade
from sesdesk.aws.ses import SesFacade
from sesdesk.diskspace import Reserve
from sesdesk.errors import DiskFull, NotAllowed, SesdeskError
from sesdesk.models import Store, utcnow
from sesdesk.models.sending import (
    DONE,
    KIND_TEST_CAMPAIGN,
    PAUSED,
    PENDING,
    QUEUED,
    SENDING,
    STOPPED,
    SUPPRESSED,
    WAITING_QUOTA,
    Recipient,
    Suppression,
)
from sesdesk.services import leases
from sesdesk.services.gating import decide
from sesdesk.services.rate import LatencyEstimate, RateLimiter, shared_limiter
from sesdesk.services.sending.composition import Composition, stored_composition
from sesdesk.services.sending.dispatch import Dispatch
from sesdesk.services.sending.drafts import create_test_email
from sesdesk.services.sending.eligibility import (
    VerifiedSet,
    check_from_identity,
    refuse_unverified,
)
from sesdesk.services.sending.queries import BroadcastStatus, require_broadcast, status_of
from sesdesk.services.sending.recovery import recover, requeue_uncertain
from sesdesk.services.sending.runstate import Mailer, Progress, RunResult, open_run_mailer
from sesdesk.services.state import TeamSnapshot, load_snapshot
from sesdesk.timing import punctual

log = logging.getLogger(__name__)

_RECIPIENTS = cast(Table, Recipient.__table__)
QUOTA_POLL_EVERY = 60.0


class BroadcastRunner:
    """Sends one broadcast (or test) until it is done or stops; `pause`/`cancel` from any
    thread. `run` blocks: call it from a worker thread in the window, directly in the CLI."""

    def __init__(
        self,
        store: Store,
        team_id: int,
        broadcast_id: int,
        *,
        wait_for_quota: bool = False,
        resend_uncertain: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
        progress_every: float = 0.25,
        sender: SendingFacade | None = None,
        ses: SesFacade | None = None,
        limiter: RateLimiter | None = None,
        quota_poll_every: float = QUOTA_POLL_EVERY,
        on_sync: Callable[[Any], None] | None = None,
    ) -> None:
        self.store = store
        self.team_id = team_id
        self.broadcast_id = broadcast_id
        self.wait_for_quota = wait_for_quota
        self.resend_uncertain = resend_uncertain
        self.on_progress = on_progress
        self.progress_every = progress_every
        self.on_sync = on_sync  # the contact sync's progress (services.lists.SyncProgress)
        self.quota_poll_every = quota_poll_every
        self._sender = sender
        self._ses = ses
        self._limiter = limiter
        self._pause = threading.Event()
        self._cancel = threading.Event()
        self._halt = threading.Event()  # sender threads: do not start another call
        self._wake = threading.Event()
        self._pause_reason = "paused by the user"
        self.latency = LatencyEstimate()  # the HTTP call
        self.hold = LatencyEstimate()  # claim to write-back: call, queueing, commit
        self.throttled = 0
        self.owner = leases.new_owner()  # this run's id in the lease table
        # Space set aside while sending, so a full disk can still be recorded.
        self._reserve = Reserve(store.path.parent if store.path is not None else None)
        self._keeper: leases.LeaseKeeper | None = None
        self._tag: Callable[[OutgoingEmail, int], OutgoingEmail] = lambda email, _row: email

    # --- control from other threads -----------------------------------------------------

    def pause(self, reason: str = "paused by the user") -> None:
        """The graceful stop: start no more sends, let the ones in flight land and be
        recorded, then end `paused` with `reason` (0 uncertain). Safe from any thread; the
        window calls it before closing during a broadcast, the CLI on SIGINT/SIGTERM/SIGHUP.
        Not from a signal handler itself: it takes locks (set a flag there instead)."""
        self._pause_reason = reason
        self._pause.set()
        self._halt.set()
        self._wake.set()

    def cancel(self) -> None:
        """Stop for good: in-flight sends finish; the broadcast ends `stopped`."""
        self._cancel.set()
        self._halt.set()
        self._wake.set()

    # --- the run --------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Send until done or a stop; returns how it ended. Preflight refusals raise.

        Holds the broadcast's lease throughout, and the account's send lease while sending:
        while another broadcast of the same account sends, this one waits `queued`.
        """
        keeper = leases.LeaseKeeper(self.store, self.owner, self._lease_lost)
        self._keeper = keeper
        try:
            with leases.holding(
                self.store,
                keeper,
                leases.broadcast_lease(self.broadcast_id),
                refuse=leases.broadcast_busy(self.broadcast_id),
                broadcast_id=self.broadcast_id,
            ):
                try:
                    recover(self.store, self.team_id, self.broadcast_id)
                    if self.resend_uncertain:
                        self._resend_uncertain()
                    return self._run_locked()
                except DiskFull as exc:
                    self._pause_for(exc)
                    raise
        finally:
            keeper.close()

    def _lease_lost(self, name: str, why: str) -> None:
        # Someone else may be sending now: stop at once rather than risk a double send.
        log.warning("lease %s lost: %s", name, why)
        self.pause(f"sesdesk lost its turn to send ({why}); run it again to continue")

    def _pause_for(self, error: SesdeskError) -> None:
        """Record `paused` with the error's message, if the store still takes a write."""
        self._reserve.give_back()
        try:
            with self.store.session() as session:
                row = require_broadcast(session, self.team_id, self.broadcast_id)
                if row.state not in (DONE, STOPPED):
                    row.state, row.stop_reason = PAUSED, error.message
        except SesdeskError as again:
            log.info("could not record the pause: %s", again.message)

    def _resend_uncertain(self) -> None:
        with self.store.session() as session:
            requeue_uncertain(session, self.broadcast_id)

    def _status(self) -> BroadcastStatus:
        with self.store.session() as session:
            return status_of(session, require_broadcast(session, self.team_id, self.broadcast_id))

    def _set_state(
        self, state: str, reason: str | None, *, started: bool = False, finished: bool = False
    ) -> None:
        with self.store.session() as session:
            row = require_broadcast(session, self.team_id, self.broadcast_id)
            row.state, row.stop_reason = state, reason
            now = utcnow()
            if started and row.started_at is None:
                row.started_at = now
            if finished:
                row.finished_at = now

    def _run_locked(self) -> RunResult:
        status = self._status()
        if status.state == STOPPED:
            raise NotAllowed(f"Broadcast {self.broadcast_id} was cancelled; create a new one.")
        if status.pending == 0:
            if status.state != DONE:
                self._set_state(DONE, None, finished=True)
            return RunResult(self._status())
        with self.store.session() as session:
            row = require_broadcast(session, self.team_id, self.broadcast_id)
            kind, composition = row.kind, stored_composition(row)

        # 1. What the store says, before any AWS call.
        # (A stored "no" is not final: the store may be stale, so that is asked live below.)
        snapshot = load_snapshot(self.store, self.team_id)
        decision = decide(snapshot).for_kind(kind)
        if decision.allowed and decision.verified_recipients_only:
            self._check_recipients(VerifiedSet.of(snapshot), kind, snapshot)

        # 2. The live state: GetAccount (rate and quota, read live) and the identities.
        mailer = open_run_mailer(self.store, self.team_id)
        plan = self._live_checks(status, kind, composition, mailer)
        # 2b. SES list management: the list's topic and contacts synced (resumable), the
        # one-click footer; or why not (a marketing broadcast without it is refused).
        from sesdesk.services.lists.sends import composition_for, prepare_send

        lists_plan = prepare_send(
            self.store,
            self.team_id,
            self.broadcast_id,
            mailer.factory,
            on_sync=self.on_sync,
            stopped=lambda: self._pause.is_set() or self._cancel.is_set(),
        )
        composition = composition_for(composition, lists_plan)

        # 3. One sender per SES account at a time: wait for this account's turn.
        assert self._keeper is not None
        turn = leases.account_lease(mailer.account_id, mailer.region)
        queued: list[str] = []

        def on_queued(note: str) -> None:
            queued.append(note)
            self._report_queued(status, note)

        if not leases.wait_for_turn(
            self.store,
            self._keeper,
            turn,
            broadcast_id=self.broadcast_id,
            stopped=lambda: self._pause.is_set() or self._cancel.is_set(),
            sleep=self._wake.wait,
            on_queued=on_queued,
        ):
            if self._cancel.is_set():
                self._set_state(STOPPED, "cancelled", finished=True)
            else:
                self._set_state(PAUSED, self._pause_reason)
            return RunResult(self._status())
        try:
            if queued:
                # The wait may have been long: read rate, quota and identities again.
                plan = self._live_checks(self._status(), kind, composition, mailer)
            sender, ses, limiter, quota_left = plan
            self._suppress_locally()
            self._set_state(SENDING, None, started=True)
            sender.warm_up()
            self._reserve.keep()
            # Every send names the feedback configuration set and carries its recipient's tags;
            # the watcher drains SES's events while the loop runs and applies the bounce guard.
            from sesdesk.services.feedback.guard import watching
            from sesdesk.services.feedback.tags import send_tagger
            from sesdesk.services.lists.sends import with_list_management

            self._tag = with_list_management(
                send_tagger(self.store, self.team_id, self.broadcast_id), lists_plan.options
            )
            try:
                # Senders must leave on their slots: see sesdesk.timing for what that takes.
                with (
                    punctual(),
                    watching(self.store, self.team_id, self.broadcast_id, self.pause),
                ):
                    return Dispatch(self, composition, sender, ses, limiter, quota_left).execute()
            finally:
                self._refresh_quietly(ses)
        finally:
            self._keeper.drop(turn)
            leases.release_quietly(self.store, turn, self.owner, linger=leases.HANDOVER_GAP)

    def _live_checks(
        self, status: BroadcastStatus, kind: str, composition: Composition, mailer: Mailer
    ) -> tuple[SendingFacade, SesFacade, RateLimiter, int]:
        """Gating on the live state; the facades, the account's limiter and the quota left."""
        ses = self._ses or SesFacade(mailer.factory)
        sender = self._sender or SendingFacade(mailer.factory)
        from sesdesk.services.refresh import refresh_team

        try:
            refresh_team(self.store, self.team_id, ses)
        except AuthError as exc:
            # refresh_team has marked the mailer lost; the broadcast waits for a reconnect.
            if status.state in (SENDING, WAITING_QUOTA, PAUSED):
                self._set_state(PAUSED, exc.message)
            raise
        snapshot = load_snapshot(self.store, self.team_id)
        decision = decide(snapshot).for_kind(kind)
        if not decision.allowed:
            raise NotAllowed(decision.reason)
        check_from_identity(snapshot, composition.from_address)
        if decision.verified_recipients_only:
            self._check_recipients(VerifiedSet.of(snapshot), kind, snapshot)
        account = snapshot.account
        assert account is not None  # decide() said yes, so the account is known
        limiter = self._limiter or shared_limiter(
            mailer.account_id, mailer.region, max(account.max_rate, 0.01)
        )
        if self._limiter is not None:
            limiter.set_rate(max(account.max_rate, 0.01))
        return sender, ses, limiter, int(account.left_24h)

    def _report_queued(self, status: BroadcastStatus, note: str) -> None:
        if self.on_progress is None:
            return
        queued = replace(status, state=QUEUED, stop_reason=note)
        try:
            self.on_progress(Progress(queued, 0.0, 0.0, None, self.throttled))
        except Exception:
            log.exception("progress callback failed")

    def _check_recipients(self, verified: VerifiedSet, kind: str, snapshot: TeamSnapshot) -> None:
        table = _RECIPIENTS
        with self.store.session() as session:
            emails = session.scalars(
                select(table.c.email).where(
                    table.c.broadcast_id == self.broadcast_id, table.c.state == PENDING
                )
            ).all()
        refuse_unverified(verified, list(emails))
        account = snapshot.account
        if kind == KIND_TEST_CAMPAIGN and account is not None and len(emails) > account.left_24h:
            raise NotAllowed(
                f"A test campaign must fit in today's quota: {len(emails)} recipients, "
                f"{account.left_24h:g} left in the last 24 hours.",
                hint="Send it later, or to fewer recipients.",
            )

    def _suppress_locally(self) -> None:
        table = _RECIPIENTS
        with self.store.session() as session:
            suppressed = select(Suppression.email_lower).where(Suppression.team_id == self.team_id)
            session.execute(
                update(table)
                .where(
                    table.c.broadcast_id == self.broadcast_id,
                    table.c.state == PENDING,
                    func.lower(table.c.email).in_(suppressed),
                )
                .values(
                    state=SUPPRESSED,
                    error="on the team's suppression list",
                    updated_at=utcnow(),
                )
            )

    def _refresh_quietly(self, ses: SesFacade) -> None:
        from sesdesk.services.refresh import refresh_team

        try:
            refresh_team(self.store, self.team_id, ses)
        except SesdeskError as exc:
            log.info("refresh after sending failed: %s", exc.message)


# --------------------------------------------------------------------------- conveniences


def send_broadcast(
    store: Store,
    team_id: int,
    broadcast_id: int,
    *,
    wait_for_quota: bool = False,
    resend_uncertain: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> RunResult:
    """Send (or resume) a broadcast until done or a stop."""
    return BroadcastRunner(
        store,
        team_id,
        broadcast_id,
        wait_for_quota=wait_for_quota,
        resend_uncertain=resend_uncertain,
        on_progress=on_progress,
    ).run()


def send_test_email(
    store: Store,
    team_id: int,
    *,
    to: str,
    composition: Composition,
    name: str | None = None,
) -> RunResult:
    """Send one test email; refused before any AWS call when the sandbox would refuse it."""
    draft = create_test_email(store, team_id, to=to, composition=composition, name=name)
    try:
        return BroadcastRunner(store, team_id, draft.id).run()
    except NotAllowed as exc:
        with store.session() as session:
            row = require_broadcast(session, team_id, draft.id)
            row.state, row.stop_reason, row.finished_at = STOPPED, exc.message, utcnow()
        raise
