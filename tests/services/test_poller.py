"""The background poller on plain asyncio, against the local simulator."""

from __future__ import annotations

import asyncio
import time

from sesdesk.models import Team
from sesdesk.services.poll_watch import poll_once, watch
from sesdesk.services.poller import (
    CycleOutcome,
    CycleState,
    Poller,
    PollSchedule,
    TeamPoller,
    notices_for,
    teams_with_mailer,
)
from sesdesk.services.refresh import ObservedChange
from sesdesk.services.state import load_snapshot
from sesdesk.services.teams import create_team
from tests.conftest import connected_team

REGION = "us-east-1"
FAST = PollSchedule(
    pending=0.05, idle=0.3, backoff_first=0.05, backoff_max=0.2, nudge=0.01, nudge_min_gap=0.0
)


# --- the schedule and the notices: pure --------------------------------------------------


def test_schedule_is_adaptive_with_exponential_backoff():
    schedule = PollSchedule()
    assert schedule.delay_after(CycleState.OK, True, 0) == 30
    assert schedule.delay_after(CycleState.OK, False, 0) == 300
    assert schedule.delay_after(CycleState.LOST, False, 0) == 300
    assert schedule.delay_after(CycleState.NO_MAILER, False, 0) == 300
    backoff = [schedule.delay_after(CycleState.OFFLINE, True, n) for n in range(1, 8)]
    assert backoff == [30, 60, 120, 240, 480, 600, 600]


def _change(subject: str, field: str, old: str | None, new: str | None) -> ObservedChange:
    from sesdesk.models import utcnow

    return ObservedChange(subject, field, old, new, f"{subject} {field} {new}", utcnow())


def test_notices_for_verified_granted_denied_but_not_first_sightings():
    notices = notices_for(
        [
            _change("identity:acme.test", "status", "PENDING", "SUCCESS"),
            _change("identity:new.test", "status", None, "SUCCESS"),
            _change("identity:old.test", "status", "PENDING", "FAILED"),
            _change("account", "production", "sandbox", "production"),
            _change("account", "review_status", "PENDING", "GRANTED"),
            _change("account", "quota", "200/day", "50000/day"),
        ]
    )
    assert [n.kind for n in notices] == ["identity_verified", "identity_failed", "access_granted"]
    assert notices[0].title == "acme.test is verified"
    denied = notices_for([_change("account", "review_status", "PENDING", "DENIED")])
    assert [n.kind for n in denied] == ["access_denied"]


# --- cycles against the simulator ----------------------------------------------------------


def test_poll_once_runs_off_the_loop_thread_and_reports_changes(sim, store):
    team_id, _, facade = connected_team(store, sim)
    facade.create_identity("acme.test")
    outcome = asyncio.run(poll_once(store, team_id))
    assert outcome.state is CycleState.OK
    assert outcome.anything_pending
    assert outcome.next_delay == 30
    assert any("acme.test" in change for change in outcome.changes)


def test_identity_verification_is_noticed_and_the_pace_slows(sim, store):
    team_id, _, facade = connected_team(store, sim)
    facade.create_identity("acme.test")
    seen: list[CycleOutcome] = []

    def on_cycle(outcome: CycleOutcome) -> None:
        seen.append(outcome)
        if len(seen) == 2:
            sim.set_identity_status("acme.test", "SUCCESS")

    log = asyncio.run(watch(store, team_id, cycles=4, schedule=FAST, on_cycle=on_cycle))
    assert [o.state for o in log.outcomes] == [CycleState.OK] * 4
    assert [o.anything_pending for o in log.outcomes] == [True, True, False, False]
    assert [o.next_delay for o in log.outcomes] == [0.05, 0.05, 0.3, 0.3]
    assert [n.kind for n in log.outcomes[2].notices] == ["identity_verified"]
    assert log.outcomes[3].notices == ()


def test_unreachable_backs_off_keeps_the_state_and_recovers(sim, store):
    team_id, _, _ = connected_team(store, sim)
    asyncio.run(poll_once(store, team_id))
    sim.set_unreachable(True)
    seen: list[CycleOutcome] = []

    def on_cycle(outcome: CycleOutcome) -> None:
        seen.append(outcome)
        if len(seen) == 3:
            sim.set_unreachable(False)

    asyncio.run(watch(store, team_id, cycles=4, schedule=FAST, on_cycle=on_cycle))
    assert [o.state for o in seen] == [CycleState.OFFLINE] * 3 + [CycleState.OK]
    assert [o.failures for o in seen] == [1, 2, 3, 0]
    assert [o.next_delay for o in seen[:3]] == [0.05, 0.1, 0.2]
    snapshot = load_snapshot(store, team_id)
    assert snapshot.account is not None
    assert snapshot.mailer is not None and snapshot.mailer.offline_since is None


def test_lost_access_is_recorded_and_notified_once(sim, store):
    team_id, keys, _ = connected_team(store, sim)
    sim.revoke_key(keys.access_key_id)
    log = asyncio.run(watch(store, team_id, cycles=2, schedule=FAST))
    assert [o.state for o in log.outcomes] == [CycleState.LOST, CycleState.LOST]
    assert [n.kind for n in log.outcomes[0].notices] == ["access_lost"]
    assert log.outcomes[1].notices == ()
    assert log.outcomes[0].next_delay == FAST.idle
    snapshot = load_snapshot(store, team_id)
    assert snapshot.mailer is not None and snapshot.mailer.access == "lost"


def test_missing_keyring_entry_counts_as_lost_access(sim, store):
    import keyring

    from sesdesk.aws.keychain import MemoryKeyring

    team_id, _, _ = connected_team(store, sim)
    MemoryKeyring.install()  # a fresh, empty keyring: the mailer's keys are gone
    assert keyring.get_keyring() is not None
    outcome = asyncio.run(poll_once(store, team_id))
    assert outcome.state is CycleState.LOST
    assert "keyring" in outcome.message


def test_no_mailer_and_deleted_team(sim, store):
    team = create_team(store, "empty")
    outcome = asyncio.run(poll_once(store, team.id))
    assert outcome.state is CycleState.NO_MAILER
    assert outcome.next_delay == 300
    with store.session() as session:
        session.delete(session.get(Team, team.id))
    log = asyncio.run(watch(store, team.id, cycles=3, schedule=FAST))
    assert [o.state for o in log.outcomes] == [CycleState.GONE]


def test_refresh_now_cuts_the_wait_short(sim, store):
    team_id, _, _ = connected_team(store, sim)
    slow = PollSchedule(pending=60, idle=60)

    async def scenario() -> float:
        poller = TeamPoller(store, team_id, run_blocking=asyncio.to_thread, schedule=slow)
        task = asyncio.create_task(poller.run_forever())
        while poller.cycles < 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # now waiting 60 s
        started = time.monotonic()
        poller.refresh_now()
        while poller.cycles < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 5


def test_poller_runs_one_task_per_team_and_stops_cleanly(sim, store):
    first, _, _ = connected_team(store, sim, "one")
    second, _, _ = connected_team(store, sim, "two")
    seen: list[CycleOutcome] = []

    async def scenario() -> tuple[list[int], list[int]]:
        poller = Poller(store, schedule=FAST, on_cycle=seen.append)
        poller.sync_teams(teams_with_mailer(store))
        running = poller.running
        while {o.team_id for o in seen} != {first, second}:
            await asyncio.sleep(0.01)
        poller.nudge(first)
        poller.refresh_now()
        await poller.stop()
        return running, poller.running

    running, after = asyncio.run(scenario())
    assert running == [first, second]
    assert after == []
    assert all(o.state is CycleState.OK for o in seen)
