"""The background poller: one asyncio task per team repeating `refresh_team` on a schedule.

Runs on whatever asyncio loop is current: the Qt loop through qasync in the window, a plain
`asyncio.run` loop in the CLI. Every cycle's blocking part (keyring, boto3, SQLite) runs in the
poller's own small thread pool, never on the loop's thread. The schedule adapts: every 30 s
while anything is pending (an identity, the production-access review), every 5 min otherwise,
exponential backoff to 10 min while AWS is unreachable. "Refresh now" cancels the wait.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select

from sesdesk.aws.errors import Throttled, Unreachable
from sesdesk.aws.ses import SesFacade
from sesdesk.errors import CredentialsRejected, NotAllowed, NotFound, SesdeskError
from sesdesk.models import Mailer, Store, Team
from sesdesk.models.states import IdentityStatus, MailerAccess
from sesdesk.services.mailers import keys_here, open_mailer
from sesdesk.services.refresh import ObservedChange, RefreshResult, refresh_team

log = logging.getLogger(__name__)

T = TypeVar("T")
RunBlocking = Callable[..., Awaitable[Any]]

#: Poll calls get shorter timeouts than a user's own actions: a dead network should turn into
#: "offline since …" quickly, and quitting must not wait long for a thread stuck in a call.
POLL_TIMEOUT_SCALE = 0.4


@dataclass(frozen=True)
class PollSchedule:
    """How long to wait between cycles."""

    pending: float = 30.0
    idle: float = 300.0
    backoff_first: float = 30.0
    backoff_max: float = 600.0
    #: A nudge (something else changed the team) polls after this many seconds...
    nudge: float = 2.0
    #: ...but never sooner than this after the previous cycle ended.
    nudge_min_gap: float = 10.0

    def delay_after(self, state: CycleState, anything_pending: bool, failures: int) -> float:
        """Seconds to wait after a cycle that ended in `state`."""
        if state is CycleState.FOLLOWER:
            # Look again soon: the leader's lease may lapse (its desktop closed).
            return self.pending
        if state in (CycleState.OFFLINE, CycleState.ERROR):
            exponent = max(0, failures - 1)
            return min(self.backoff_max, self.backoff_first * (2**exponent))
        if state is CycleState.OK and anything_pending:
            return self.pending
        return self.idle


class CycleState(StrEnum):
    """How a cycle ended."""

    OK = "ok"
    OFFLINE = "offline"  # AWS unreachable or throttling: the last known state stays
    LOST = "lost"  # AWS refused the keys: recorded, sending stops
    NO_MAILER = "no_mailer"
    ERROR = "error"  # an unexpected failure (a bug): logged and reported
    GONE = "gone"  # the team no longer exists: its task ends
    FOLLOWER = "follower"  # another sesdesk polls this team (shared records): this one reads


@dataclass(frozen=True)
class Notice:
    """Something worth a desktop notification."""

    kind: str  # identity_verified | identity_failed | access_granted | access_denied | ...
    title: str
    message: str


@dataclass(frozen=True)
class CycleOutcome:
    """What one poll cycle of one team did."""

    team_id: int
    state: CycleState
    changes: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()
    anything_pending: bool = False
    error: BaseException | None = None
    failures: int = 0  # consecutive offline / error cycles, this one included
    next_delay: float = 0.0
    calls: int = 0

    @property
    def message(self) -> str:
        """A one-line account of the cycle for logs and the CLI."""
        if self.state is CycleState.OK:
            return "; ".join(self.changes) if self.changes else "No changes."
        if isinstance(self.error, SesdeskError):
            return self.error.message
        return str(self.state)


def notices_for(events: Iterable[ObservedChange]) -> list[Notice]:
    """The observed changes a person should hear about, as notices."""
    notices: list[Notice] = []
    kinds: set[str] = set()

    def add(kind: str, title: str, message: str) -> None:
        if kind in ("access_granted", "access_denied") and kind in kinds:
            return  # production + review GRANTED arrive together: one notice
        kinds.add(kind)
        notices.append(Notice(kind, title, message))

    for change in events:
        if change.subject.startswith("identity:") and change.field == "status":
            name = change.subject.split(":", 1)[1]
            if change.old is None:
                continue  # first sighting, not a change
            if change.new == IdentityStatus.SUCCESS:
                add("identity_verified", f"{name} is verified", change.message)
            elif change.new == IdentityStatus.FAILED:
                add("identity_failed", f"Verification of {name} failed", change.message)
        elif change.subject == "account" and change.field == "production":
            if change.old is not None and change.new == "production":
                add("access_granted", "Production access granted", change.message)
        elif change.subject == "account" and change.field == "review_status":
            if change.new == "GRANTED":
                add("access_granted", "Production access granted", change.message)
            elif change.new in ("DENIED", "FAILED"):
                add("access_denied", "Production access not granted", change.message)
        elif (change.subject, change.field, change.old, change.new) == (
            "mailer",
            "access",
            MailerAccess.LOST,
            MailerAccess.OK,
        ):
            add("access_back", "The mailer works again", change.message)
    return notices


@dataclass
class _FacadeCache:
    """The team's SES facade, rebuilt only when its region or keyring entry changes."""

    key: tuple[str, str] | None = None
    facade: SesFacade | None = None


#: Facades built ahead of time by `warm_up`, by (team id, region, keyring ref).
_WARM: dict[tuple[int, str, str], SesFacade] = {}


def warm_up(store: Store) -> int:
    """Build every team's SES facade and its boto3 clients now (blocking; start-up thread).

    Creating a boto3 client parses botocore's JSON models in single C calls that hold the
    GIL for ~100 ms: done during start-up it cannot stall the window later. Returns how many
    facades were built.
    """
    built = 0
    for team_id in teams_with_mailer(store):
        mailer = _mailer_key(store, team_id)
        if mailer is None:
            continue
        region, ref, _ = mailer
        try:
            facade = open_mailer(store, team_id, timeout_scale=POLL_TIMEOUT_SCALE)
        except SesdeskError:
            continue  # lost keys are recorded; the first poll cycle reports any problem
        facade.factory.client("sesv2")  # the client the poll cycle uses
        _WARM[(team_id, region, ref)] = facade
        built += 1
    return built


def _mailer_key(store: Store, team_id: int) -> tuple[str, str, str] | None:
    with store.session() as session:
        if session.get(Team, team_id) is None:
            raise NotFound("team", f"no team with id {team_id}")
        row = session.execute(
            select(Mailer.region, Mailer.keyring_ref, Mailer.access).where(
                Mailer.team_id == team_id
            )
        ).first()
    return None if row is None else (row[0], row[1], row[2])


def run_cycle(
    store: Store, team_id: int, cache: _FacadeCache | None = None
) -> tuple[CycleState, RefreshResult | None, BaseException | None, list[Notice]]:
    """One blocking poll cycle: (state, result, error, notices). Never on the GUI thread."""
    cache = cache or _FacadeCache()
    try:
        mailer = _mailer_key(store, team_id)
    except NotFound as exc:
        return CycleState.GONE, None, exc, []
    if mailer is None:
        return CycleState.NO_MAILER, None, NotAllowed("This team has no mailer yet."), []
    region, ref, previous_access = mailer
    try:
        warm = _WARM.pop((team_id, region, ref), None)
        if warm is not None:
            cache.facade, cache.key = warm, (region, ref)
        if cache.key != (region, ref) or cache.facade is None:
            cache.facade = open_mailer(store, team_id, timeout_scale=POLL_TIMEOUT_SCALE)
            cache.key = (region, ref)
        result = refresh_team(store, team_id, cache.facade)
        factory = getattr(cache.facade, "factory", None)
        if factory is not None:
            from sesdesk.services.feedback.reputation import feedback_cycle

            # Wiring check, drain, suppression merge, reputation: trouble is recorded there.
            feedback_cycle(store, team_id, factory)
    except CredentialsRejected as exc:
        # Recorded as lost (open_mailer or refresh_team's wrapper); the next cycle rebuilds
        # the facade in case the keys changed.
        cache.key = None
        notices = (
            []
            if previous_access == MailerAccess.LOST
            else [
                Notice(
                    "access_lost", "The mailer lost access to AWS", f"{exc.message} Reconnect it."
                )
            ]
        )
        return CycleState.LOST, None, exc, notices
    except (Unreachable, Throttled) as exc:
        return CycleState.OFFLINE, None, exc, []
    except NotFound as exc:
        return CycleState.GONE, None, exc, []
    except SesdeskError as exc:
        return CycleState.ERROR, None, exc, []
    return CycleState.OK, result, None, notices_for(result.events)


def poller_lease(team_id: int) -> str:
    """The leader lease of `team_id`'s poller: one desktop polls AWS, the others read."""
    return f"poller:{team_id}"


#: The leader renews its lease every cycle; it outlives the longest wait between two cycles,
#: so it lapses only when the leader's sesdesk is gone (a dead process here: at once). On a
#: shared database a keeper thread renews a short lease instead (leases.take_lead).
POLLER_LEASE_SECONDS = PollSchedule.backoff_max + 120


def lead_cycle(
    store: Store, team_id: int, owner: str, cache: _FacadeCache | None = None
) -> tuple[CycleState, RefreshResult | None, BaseException | None, list[Notice]]:
    """`run_cycle` when `owner` holds (or takes) the team's poller lease, else FOLLOWER."""
    from sesdesk.services import leases

    if store.path is None and store.url is None:
        return run_cycle(store, team_id, cache)  # a private in-memory store: nobody to share
    if store.is_shared and not keys_here(store, team_id):
        return CycleState.FOLLOWER, None, None, []  # no keys on this desktop: it only reads
    holder = leases.take_lead(store, poller_lease(team_id), owner, seconds=POLLER_LEASE_SECONDS)
    if holder is not None:
        return CycleState.FOLLOWER, None, None, []
    return run_cycle(store, team_id, cache)


_OWNER: tuple[int, str] | None = None


def process_owner() -> str:
    """This process's poller-lease owner: every team poller here shares it, so a poller
    started again in the same process takes its lease back at once."""
    import os

    from sesdesk.services.leases import new_owner

    global _OWNER
    if _OWNER is None or _OWNER[0] != os.getpid():
        _OWNER = (os.getpid(), new_owner())
    return _OWNER[1]


def release_lead(store: Store, team_id: int, owner: str) -> None:
    """Give the team's poller lease up (another desktop may poll from its next look)."""
    from sesdesk.services import leases

    if store.path is None and store.url is None:
        return
    try:
        leases.give_up_lead(store, poller_lease(team_id), owner)
    except Exception as exc:  # the store may be gone already: the lease expires by itself
        log.info("could not release the poller lease of team %s: %s", team_id, exc)


class TeamPoller:
    """Polls one team until stopped: cycle, wait (adaptively), repeat. With several
    desktops on one database only the holder of the team's poller lease calls AWS."""

    def __init__(
        self,
        store: Store,
        team_id: int,
        *,
        run_blocking: RunBlocking,
        schedule: PollSchedule | None = None,
        on_cycle: Callable[[CycleOutcome], None] | None = None,
        lead: bool = True,
    ) -> None:
        self.store = store
        self.team_id = team_id
        self.schedule = schedule or PollSchedule()
        self._run_blocking = run_blocking
        self._on_cycle = on_cycle
        self._cache = _FacadeCache()
        self._failures = 0
        self._wake: asyncio.Event | None = None
        self._refresh_requested = False
        self._nudge_at: float | None = None
        self._last_end: float | None = None
        self.last: CycleOutcome | None = None
        self.cycles = 0
        self.in_cycle = False
        self.owner = process_owner()
        #: Take the team's poller lease (background polling); False: an explicit one-off poll.
        self.lead = lead

    async def run_once(self) -> CycleOutcome:
        """Run one cycle now and report it."""
        self.in_cycle = True
        try:
            if self.lead:
                cycle = functools.partial(lead_cycle, self.store, self.team_id, self.owner)
            else:
                cycle = functools.partial(run_cycle, self.store, self.team_id)
            state, result, error, notices = await self._run_blocking(cycle, self._cache)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug: never swallowed, it reaches the log and on_cycle
            log.error("poll cycle of team %s failed unexpectedly", self.team_id, exc_info=exc)
            state, result, error, notices = CycleState.ERROR, None, exc, []
        finally:
            self.in_cycle = False
        self.cycles += 1
        if state in (CycleState.OFFLINE, CycleState.ERROR):
            self._failures += 1
        else:
            self._failures = 0
        pending = bool(result and result.anything_pending)
        outcome = CycleOutcome(
            team_id=self.team_id,
            state=state,
            changes=tuple(result.changes) if result else (),
            notices=tuple(notices),
            anything_pending=pending,
            error=error,
            failures=self._failures,
            next_delay=self.schedule.delay_after(state, pending, self._failures),
            calls=result.calls if result else 0,
        )
        self.last = outcome
        self._last_end = asyncio.get_running_loop().time()
        if state is CycleState.OFFLINE:
            log.info(
                "team %s offline (%s failures): %s", self.team_id, self._failures, outcome.message
            )
        if self._on_cycle is not None:
            try:
                self._on_cycle(outcome)
            except Exception:
                log.exception("poll cycle callback failed")
        return outcome

    async def run_forever(self) -> None:
        """Cycle and wait until cancelled (or the team is deleted)."""
        try:
            while True:
                outcome = await self.run_once()
                if outcome.state is CycleState.GONE:
                    return
                await self.wait(outcome.next_delay)
        finally:
            release_lead(self.store, self.team_id, self.owner)

    async def wait(self, delay: float) -> None:
        """Sleep `delay` seconds, cut short by `refresh_now` or (sooner) by `nudge`."""
        loop = asyncio.get_running_loop()
        if self._wake is None:
            self._wake = asyncio.Event()
        deadline = loop.time() + delay
        while not self._refresh_requested:
            if self._nudge_at is not None:
                deadline = min(deadline, self._nudge_at)
                self._nudge_at = None
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._wake.clear()
            # Not asyncio.wait_for: in 3.11 it can swallow a cancel that races a wake-up,
            # and then stop() would wait for a task that never ends.
            timer = loop.call_later(remaining, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()
        self._refresh_requested = False
        self._nudge_at = None

    def refresh_now(self) -> None:
        """End the current wait: poll right away (or right after a running cycle)."""
        self._refresh_requested = True
        if self._wake is not None:
            self._wake.set()

    def nudge(self) -> None:
        """Something changed the team: poll soon, but not in a tight loop."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        at = now + self.schedule.nudge
        if self._last_end is not None:
            at = max(at, self._last_end + self.schedule.nudge_min_gap)
        self._nudge_at = at if self._nudge_at is None else min(self._nudge_at, at)
        if self._wake is not None:
            self._wake.set()


class Poller:
    """One `TeamPoller` task per team, on the running asyncio loop."""

    def __init__(
        self,
        store: Store,
        *,
        schedule: PollSchedule | None = None,
        on_cycle: Callable[[CycleOutcome], None] | None = None,
        run_blocking: RunBlocking | None = None,
        max_workers: int = 2,
    ) -> None:
        self.store = store
        self.schedule = schedule or PollSchedule()
        self._on_cycle = on_cycle
        self._executor: ThreadPoolExecutor | None = None
        if run_blocking is None:
            self._executor = ThreadPoolExecutor(
                max_workers=max_workers, thread_name_prefix="sesdesk-poll"
            )
            run_blocking = self._in_executor
        self._run_blocking = run_blocking
        self.teams: dict[int, TeamPoller] = {}
        # Strong references: asyncio only keeps weak ones to running tasks.
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopped = False

    async def _in_executor(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def start_team(self, team_id: int) -> TeamPoller:
        """Start polling `team_id` (no-op when it already is)."""
        if self._stopped:
            raise RuntimeError("the poller is stopped")
        if team_id in self._tasks and not self._tasks[team_id].done():
            return self.teams[team_id]
        team = TeamPoller(
            self.store,
            team_id,
            run_blocking=self._run_blocking,
            schedule=self.schedule,
            on_cycle=self._on_cycle,
        )
        self.teams[team_id] = team
        task = asyncio.get_running_loop().create_task(
            team.run_forever(), name=f"sesdesk-poll-team-{team_id}"
        )
        self._tasks[team_id] = task
        task.add_done_callback(functools.partial(self._task_done, team_id))
        return team

    def _task_done(self, team_id: int, task: asyncio.Task[None]) -> None:
        if self._tasks.get(team_id) is task:
            del self._tasks[team_id]
            self.teams.pop(team_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("poller task of team %s died", team_id, exc_info=task.exception())

    def sync_teams(self, team_ids: Iterable[int]) -> None:
        """Poll exactly these teams: start new ones, stop the others."""
        wanted = set(team_ids)
        for team_id in list(self._tasks):
            if team_id not in wanted:
                self.stop_team(team_id)
        for team_id in sorted(wanted):
            self.start_team(team_id)

    def stop_team(self, team_id: int) -> None:
        """Stop polling `team_id`."""
        task = self._tasks.pop(team_id, None)
        self.teams.pop(team_id, None)
        if task is not None:
            task.cancel()

    def refresh_now(self, team_id: int | None = None) -> None:
        """Poll `team_id` (None: every team) right away."""
        for tid, team in list(self.teams.items()):
            if team_id is None or tid == team_id:
                team.refresh_now()

    def nudge(self, team_id: int) -> None:
        """Something else changed `team_id`: poll it soon."""
        team = self.teams.get(team_id)
        if team is not None:
            team.nudge()

    @property
    def running(self) -> list[int]:
        """Ids of the teams being polled."""
        return sorted(tid for tid, task in self._tasks.items() if not task.done())

    async def stop(self) -> None:
        """Cancel every task, wait for them, and let the worker threads go."""
        self._stopped = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        self.teams.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._executor is not None:
            # A thread inside a boto3 call finishes it (short poll timeouts); nothing new
            # starts. Wait for the threads without blocking the loop: the store they write
            # to closes after this returns.
            await _join_executor(self._executor)


async def _join_executor(executor: ThreadPoolExecutor, timeout: float = 30.0) -> None:
    executor.shutdown(wait=False, cancel_futures=True)
    loop = asyncio.get_running_loop()
    joined = asyncio.Event()

    def join() -> None:
        executor.shutdown(wait=True)
        loop.call_soon_threadsafe(joined.set)

    threading.Thread(target=join, name="sesdesk-poll-join", daemon=True).start()
    try:
        await asyncio.wait_for(joined.wait(), timeout)
    except TimeoutError:
        log.warning("poller threads still busy after %.0f s at shutdown", timeout)


def teams_with_mailer(store: Store) -> list[int]:
    """Ids of every team that has a mailer (blocking; the poller's team list)."""
    with store.session() as session:
        return list(session.scalars(select(Mailer.team_id).order_by(Mailer.team_id)))


def all_team_ids(store: Store) -> list[int]:
    """Ids of every team (blocking)."""
    with store.session() as session:
        return list(session.scalars(select(Team.id).order_by(Team.id)))
