"""Reliability: SIGKILL `sesdesk broadcast send` at random moments, twenty times, during a
300-recipient broadcast; resume each time. Every recipient ends sent exactly once or
`uncertain`, none lost, none sent twice — counted from the simulator's own send log — and the
database passes `PRAGMA integrity_check` (PostgreSQL: amcheck on every index). Runs on both
backends. Each restart takes over the leases of the killed
process at once (its pid is gone), so no restart waits for a lease to expire.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import time
from collections import Counter

import pytest

from sesdesk.services.rate import in_flight_needed
from sesdesk.services.sending import recipients
from tests.e2e.conftest import connected_team
from tests.e2e.runs import accepted as accepted_by
from tests.e2e.runs import broadcast_to

RECIPIENTS = 300
# Slow enough that twenty kills, each up to 0.8 s into sending, leave recipients to resume.
RATE = 20.0
LATENCY = 0.1
KILLS = 20
# Runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")


def _integrity(team) -> list[tuple[str]]:
    """SQLite's integrity_check; on PostgreSQL amcheck's verdict on every B-tree index (a
    torn write would leave an index that disagrees with itself or its table)."""
    if team.database_url is None:
        uri = f"{team.database.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            return conn.execute("PRAGMA integrity_check").fetchall()
    from sqlalchemy import text

    with team.store() as store, store.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        checked = conn.execute(
            text(
                "SELECT count(bt_index_check(c.oid, true)) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = 'public'"
            )
        ).scalar_one()
    return [("ok",)] if checked > 0 else [("no index checked",)]


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_sigkill_twenty_times_loses_nothing_and_sends_nothing_twice(tmp_path, iam_simulator):
    seed = int(os.environ.get("SESDESK_KILL_SEED", time.time_ns() % 1_000_000))
    chance = random.Random(seed)
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=RATE, max_24h=1e6)
    broadcast_id = broadcast_to(team, tmp_path, RECIPIENTS)
    simulator.set_latency(LATENCY)

    kills = 0
    while kills < KILLS:
        before = len(simulator.sent_messages())
        proc = team.popen("broadcast", "send", "--team", team.name, broadcast_id, "--json")
        # Wait until this process is really sending, then kill it at a random moment.
        deadline = time.monotonic() + 30
        while len(simulator.sent_messages()) == before and proc.poll() is None:
            assert time.monotonic() < deadline, "the broadcast did not start sending"
            time.sleep(0.01)
        time.sleep(chance.uniform(0.0, 0.8))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        if finished:
            break  # it got to the end before we could kill it: nothing left to interrupt
        kills += 1

    final = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert final.returncode == 0, f"seed {seed}: {final.stderr}"
    status = json.loads(final.stdout)
    assert status["state"] == "done", f"seed {seed}: {status}"
    assert status["pending"] == 0 and status["failed"] == 0
    assert status["sent"] + status["uncertain"] == RECIPIENTS, f"seed {seed}: {status}"

    accepted = accepted_by(simulator)
    assert max(accepted.values()) == 1, f"seed {seed}: someone got the message twice"
    with team.store() as store:
        rows = recipients(store, team.team_id, int(broadcast_id), limit=RECIPIENTS + 1)
    by_state = Counter(row.state for row in rows)
    assert by_state == Counter(sent=status["sent"], uncertain=status["uncertain"])
    message_ids = {m.message_id for m in simulator.sent_messages()}
    for row in rows:
        if row.state == "sent":
            # Sent exactly once, and the id we kept is the one AWS (the simulator) gave.
            assert accepted[row.email.lower()] == 1
            assert row.message_id in message_ids
        else:
            # Uncertain: in flight when the process died; it may or may not have gone out.
            assert accepted[row.email.lower()] <= 1
    # Uncertain rows are at most the requests that were in flight (or claimed just before
    # their slot) at each kill.
    per_kill = in_flight_needed(RATE, 0.3) + int(RATE)  # in flight + at most 1 s claimed ahead
    assert status["uncertain"] <= kills * per_kill, f"seed {seed}: {status}"
    # Nobody was lost: everyone accepted by the simulator is sent or uncertain, and every
    # `sent` row was accepted.
    assert set(accepted) <= {row.email.lower() for row in rows}
    lost = RECIPIENTS - status["sent"] - status["uncertain"]
    duplicates = sum(accepted.values()) - len(accepted)
    integrity = _integrity(team)
    assert integrity == [("ok",)], f"seed {seed}: {integrity}"
    assert kills == KILLS, f"seed {seed}: the broadcast ended after {kills} kills"
    print(
        f"seed {seed}: {kills} kills, {duplicates} duplicates, {lost} lost, integrity "
        f"{integrity[0][0]}; {status['sent']} sent, {status['uncertain']} uncertain "
        f"({sum(accepted.values())} accepted by the simulator)"
    )
