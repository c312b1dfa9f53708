"""SIGTERM and SIGHUP (what `kill`, a logout and service managers send) during `broadcast send`
are handled like Ctrl+C: the sends in flight land and are recorded, the broadcast ends
`paused` with 0 uncertain, `--json` still prints the status, and the exit code is 130.
Several runs at random moments, then a resume; every recipient is accepted exactly once
according to the simulator's own send log.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest

from tests.e2e.conftest import connected_team
from tests.e2e.runs import accepted as accepted_by
from tests.e2e.runs import broadcast_to

# The CLI runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")

RECIPIENTS = 300
RATE = 30.0
LATENCY = 0.1
# Ctrl+C (SIGINT) once too: all three take the same path.
SIGNALS = (signal.SIGTERM, signal.SIGHUP) * 3 + (signal.SIGINT,)


@pytest.mark.timeout(240)
def test_sigterm_and_sighup_pause_cleanly_with_nothing_uncertain(tmp_path, iam_simulator):
    seed = int(os.environ.get("SESDESK_SIGNAL_SEED", time.time_ns() % 1_000_000))
    chance = random.Random(seed)
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=RATE, max_24h=1e6)
    broadcast_id = broadcast_to(team, tmp_path, RECIPIENTS)
    simulator.set_latency(LATENCY)

    delivered = 0
    for signum in SIGNALS:
        before = len(simulator.sent_messages())
        proc = team.popen("broadcast", "send", "--team", team.name, broadcast_id, "--json")
        deadline = time.monotonic() + 30
        while len(simulator.sent_messages()) == before and proc.poll() is None:
            assert time.monotonic() < deadline, "the broadcast did not start sending"
            time.sleep(0.01)
        time.sleep(chance.uniform(0.0, 0.8))
        if proc.poll() is not None:
            proc.communicate(timeout=30)
            break  # it finished before the signal: nothing left to interrupt
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
        name = signal.Signals(signum).name
        assert proc.returncode == 130, f"seed {seed}, {name}: {err}"
        assert "Traceback" not in err
        status = json.loads(out)
        assert status["state"] == "paused", f"seed {seed}, {name}: {status}"
        assert status["stop_reason"] == f"interrupted by {name}"
        assert status["uncertain"] == 0 and status["in_flight"] == 0, f"seed {seed}: {status}"
        # What the process recorded is what the simulator accepted: nothing in between.
        assert status["sent"] == len(simulator.sent_messages()), f"seed {seed}: {status}"
        delivered += 1

    assert delivered >= 4, f"seed {seed}: only {delivered} signals landed mid-broadcast"
    final = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert final.returncode == 0, f"seed {seed}: {final.stderr}"
    status = json.loads(final.stdout)
    assert (status["state"], status["sent"], status["uncertain"]) == ("done", RECIPIENTS, 0)
    accepted = accepted_by(simulator)
    assert len(accepted) == RECIPIENTS and max(accepted.values()) == 1, f"seed {seed}"
    print(
        f"seed {seed}: {delivered} signals (SIGTERM/SIGHUP/SIGINT) mid-broadcast, "
        f"{status['uncertain']} uncertain, "
        f"{sum(accepted.values()) - len(accepted)} duplicates in the simulator's log"
    )
