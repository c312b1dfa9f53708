"""Leases in the database: one holder at a time, renewal, expiry, a dead holder recognised at
once, the handover gap between processes; and the engine on top of them — a second broadcast
of the same account waits `queued` and starts by itself, readers never take a lease.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import update

from sesdesk.errors import NotAllowed
from sesdesk.models import Lease, Store, utcnow
from sesdesk.services import leases, sending
from tests.services.test_sending import (
    accepted,
    compose,
    connect,
    endpoint_env,
    make_list,
    run_in_thread,
    wait_for,
)

HOST = socket.gethostname()
__all__ = ["endpoint_env"]  # a fixture shared with test_sending


def _set(store: Store, name: str, **values) -> None:
    with store.session() as session:
        session.execute(update(Lease).where(Lease.name == name).values(**values))


def test_one_holder_at_a_time_renewed_and_released(store):
    first, second = leases.new_owner(), leases.new_owner()
    assert leases.try_acquire(store, "x", first, broadcast_id=7) is None
    holder = leases.try_acquire(store, "x", second)
    assert holder is not None and holder.owner == first and holder.broadcast_id == 7
    assert holder.same_process  # two owners in one process are still two holders
    assert leases.try_acquire(store, "x", first) is None  # the holder may take it again
    assert leases.renew(store, "x", first) and not leases.renew(store, "x", second)
    leases.release(store, "x", second)  # not the holder: nothing happens
    with store.session() as session:
        assert leases.live_holder(session, "x").owner == first
    leases.release(store, "x", first)
    assert leases.try_acquire(store, "x", second) is None


def test_another_computers_lease_is_respected_until_it_expires(store):
    other = "elsewhere.example:4242:abc"
    assert leases.try_acquire(store, "x", other) is None
    mine = leases.new_owner()
    assert leases.try_acquire(store, "x", mine).owner == other
    _set(store, "x", expires_at=utcnow() - timedelta(seconds=1))  # it crashed 31 s ago
    with store.session() as session:
        assert leases.live_holder(session, "x") is None
    assert leases.try_acquire(store, "x", mine) is None


def test_a_holder_whose_process_is_gone_is_replaced_at_once(store):
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = f"{HOST}:{int(gone.stdout)}:abc"
    assert leases.try_acquire(store, "x", dead) is None
    with store.session() as session:
        assert leases.live_holder(session, "x") is None
    assert leases.try_acquire(store, "x", leases.new_owner()) is None


def test_an_account_lease_given_up_by_another_process_waits_out_the_handover_gap(store):
    first = leases.new_owner()
    assert leases.try_acquire(store, "acct", first) is None
    leases.release(store, "acct", first, linger=leases.HANDOVER_GAP)
    # This process gave it up: its own pacing carries over, so it may take it at once.
    assert leases.try_acquire(store, "acct", leases.new_owner()) is None
    other = "elsewhere.example:4242:released"
    _set(store, "acct", owner=other, expires_at=utcnow() + timedelta(seconds=30))
    holder = leases.try_acquire(store, "acct", leases.new_owner())
    assert holder is not None and holder.released


def test_the_keeper_renews_and_reports_a_lease_taken_over(store):
    owner = leases.new_owner()
    lost: list[str] = []
    keeper = leases.LeaseKeeper(store, owner, lambda name, why: lost.append(why), renew_every=0)
    assert leases.try_acquire(store, "x", owner, seconds=3) is None
    keeper.add("x")
    try:
        with store.session() as session:
            before = leases.live_holder(session, "x").expires_at
        wait_for(lambda: _expiry(store, "x") > before, timeout=10)
        _set(store, "x", owner="elsewhere.example:1:zzz")
        wait_for(lambda: lost, timeout=10)
    finally:
        keeper.close()
    assert lost == ["another sesdesk took over"]


def _expiry(store, name):
    with store.session() as session:
        holder = leases.live_holder(session, name)
        return holder.expires_at if holder else utcnow() - timedelta(days=1)


@pytest.mark.postgresql
def test_a_dead_poll_leader_on_another_computer_is_replaced_soon_and_never_while_it_runs(
    postgres_url, monkeypatch
):
    import time

    from sesdesk.services.poller import CycleState, lead_cycle, release_lead
    from sesdesk.services.teams import create_team

    # The real lease is 30 s renewed every 7.5 s; the same rule scaled down to a test.
    monkeypatch.setattr(leases, "LEADER_LEASE_SECONDS", 1.5)
    monkeypatch.setattr(leases, "LEADER_RENEW_EVERY", 0.3)
    monkeypatch.setattr(leases, "RETRY_RENEW_EVERY", 0.05)
    with Store.open_url(postgres_url) as store:
        team_id = create_team(store, "shop").id
        there, here = "elsewhere.example:77:abc", leases.new_owner()
        assert lead_cycle(store, team_id, there)[0] is CycleState.NO_MAILER  # it leads
        keeper = leases.leader_keeper(store, there)
        assert keeper is not None
        try:
            # While the leader runs its lease is renewed: four lease lengths, never two pollers.
            deadline = time.monotonic() + 4 * leases.LEADER_LEASE_SECONDS
            while time.monotonic() < deadline:
                assert lead_cycle(store, team_id, here)[0] is CycleState.FOLLOWER
                time.sleep(0.1)
            # Its computer dies: nothing renews the lease and nothing releases it.
            keeper.close()
            died = time.monotonic()
            while lead_cycle(store, team_id, here)[0] is CycleState.FOLLOWER:
                assert time.monotonic() - died < leases.LEADER_LEASE_SECONDS + 2
                time.sleep(0.1)
            took_over = time.monotonic() - died
        finally:
            keeper.close()
            release_lead(store, team_id, here)
        assert took_over >= leases.LEADER_LEASE_SECONDS - 0.5  # not before the lease lapsed
        assert leases.leader_keeper(store, here) is None  # giving the lead up ends its keeper


def test_a_second_broadcast_of_the_account_is_queued_and_starts_by_itself(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=10)
    make_list(store, team_id, 15)
    first = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    second = sending.create_broadcast(
        store, team_id, list_name="all", composition=compose(subject="Second {{name}}")
    )
    seen: list[tuple[str, str | None]] = []
    runner_one = sending.BroadcastRunner(store, team_id, first.id)
    runner_two = sending.BroadcastRunner(
        store,
        team_id,
        second.id,
        on_progress=lambda p: seen.append((p.status.state, p.status.stop_reason)),
    )
    thread_one, outcome_one = run_in_thread(runner_one)
    wait_for(lambda: len(simulator.sent_messages()) >= 1)
    thread_two, outcome_two = run_in_thread(runner_two)
    reason = f"waiting for broadcast {first.id} to finish"
    wait_for(lambda: sending.broadcast_status(store, team_id, second.id).state == "queued")
    status = sending.broadcast_status(store, team_id, second.id)
    assert status.stop_reason == reason and status.sent == 0
    assert ("queued", reason) in seen
    assert [s.state for s in sending.list_broadcasts(store, team_id)] == ["queued", "sending"]
    thread_one.join(30)
    thread_two.join(30)
    assert outcome_one["result"].status.state == "done"
    assert outcome_two["result"].status.state == "done"
    first_sends = [m.at for m in simulator.sent_messages() if m.subject.startswith("Hi")]
    second_sends = [m.at for m in simulator.sent_messages() if m.subject.startswith("Second")]
    assert len(first_sends) == len(second_sends) == 15 and min(second_sends) > max(first_sends)
    assert max(accepted(simulator).values()) == 2  # each address once per broadcast


def test_pausing_a_queued_broadcast_leaves_it_paused_unsent(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=5)
    make_list(store, team_id, 10)
    first = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    second = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    runner_one = sending.BroadcastRunner(store, team_id, first.id)
    runner_two = sending.BroadcastRunner(store, team_id, second.id)
    thread_one, _ = run_in_thread(runner_one)
    wait_for(lambda: len(simulator.sent_messages()) >= 1)
    thread_two, outcome_two = run_in_thread(runner_two)
    wait_for(lambda: sending.broadcast_status(store, team_id, second.id).state == "queued")
    runner_two.pause("closing the window")
    thread_two.join(10)
    status = outcome_two["result"].status
    assert (status.state, status.stop_reason, status.sent) == ("paused", "closing the window", 0)
    runner_one.cancel()
    thread_one.join(10)


def test_status_is_a_pure_read_even_of_a_crashed_broadcast(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator)
    make_list(store, team_id, 3)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    with store.session() as session:  # a sender killed mid-send, its lease row left behind
        session.execute(
            update(sending.Recipient)
            .where(sending.Recipient.broadcast_id == draft.id)
            .where(sending.Recipient.email == "user0@example.com")
            .values(state="sending")
        )
        session.get(sending.Broadcast, draft.id).state = "sending"
    assert (
        leases.try_acquire(store, leases.broadcast_lease(draft.id), f"{HOST}:999999999:x") is None
    )
    status = sending.broadcast_status(store, team_id, draft.id)
    assert (status.state, status.uncertain, status.in_flight) == ("paused", 1, 0)
    with store.session() as session:  # nothing was written by reading
        assert session.get(sending.Broadcast, draft.id).state == "sending"
    # While a live sender holds the lease, status reports it as it is.
    holder = leases.new_owner()
    _set(store, leases.broadcast_lease(draft.id), owner=holder)
    assert sending.broadcast_status(store, team_id, draft.id).state == "sending"
    with pytest.raises(NotAllowed, match="already being sent"):
        sending.cancel_broadcast(store, team_id, draft.id)
