"""One send rate per AWS account: two `broadcast send` processes for two broadcasts of one
mailer take turns. The second waits `queued` ("waiting for broadcast N to finish") and starts
by itself when the first ends; together they never exceed MaxSendRate in any 1-second window
of the simulator's own send log, and nothing is throttled. A holder killed with SIGKILL does
not block the other.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from email.utils import parseaddr

import pytest

from sesdesk.services.sending import broadcast_status
from tests.e2e.conftest import ConnectedTeam, connected_team
from tests.e2e.runs import create_broadcast, import_list

# The CLI runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")

RATE = 40.0
RECIPIENTS = 200


def _team(tmp_path, simulator) -> ConnectedTeam:
    team = connected_team(tmp_path, simulator, production=True, max_rate=RATE, max_24h=1e6)
    import_list(team, tmp_path, RECIPIENTS)
    return team


def busiest_second(arrivals: list[float]) -> int:
    """The most sends whose arrivals fit in any 1-second window."""
    arrivals = sorted(arrivals)
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _status(team: ConnectedTeam, broadcast_id: str) -> dict:
    # What `broadcast status --json` prints, read in this process: a poll every few ms.
    with team.store() as store:
        return broadcast_status(store, team.team_id, int(broadcast_id)).as_json()


def _wait_sending(simulator, proc, count: int = 1) -> None:
    deadline = time.monotonic() + 30
    while len(simulator.sent_messages()) < count:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the broadcast did not start sending"
        time.sleep(0.01)


@pytest.mark.timeout(180)
def test_two_processes_take_turns_and_stay_under_the_account_rate(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = _team(tmp_path, simulator)
    first, second = create_broadcast(team, "First"), create_broadcast(team, "Second")

    one = team.popen("broadcast", "send", "--team", team.name, first, "--json")
    _wait_sending(simulator, one)
    two = team.popen("broadcast", "send", "--team", team.name, second, "--json")
    deadline = time.monotonic() + 30
    while (seen := _status(team, second))["state"] != "queued":
        assert time.monotonic() < deadline, seen
        time.sleep(0.01)
    assert seen["stop_reason"] == f"waiting for broadcast {first} to finish"

    out_one, err_one = one.communicate(timeout=60)
    out_two, err_two = two.communicate(timeout=60)
    assert one.returncode == 0, err_one
    assert two.returncode == 0, err_two  # it waited for its turn, then sent everything
    assert f"queued: waiting for broadcast {first} to finish" in err_two
    docs = [json.loads(out_one), json.loads(out_two)]
    assert [d["state"] for d in docs] == ["done", "done"]
    assert [d["sent"] for d in docs] == [RECIPIENTS, RECIPIENTS]

    sent = simulator.sent_messages()
    per_message = Counter((m.subject, parseaddr(d)[1]) for m in sent for d in m.destinations)
    assert len(per_message) == 2 * RECIPIENTS and max(per_message.values()) == 1
    # The turns do not overlap: every "Second" send arrived after the last "First" one.
    assert min(m.at for m in sent if m.subject == "Second") > max(
        m.at for m in sent if m.subject == "First"
    )
    throttled = sum(d["throttled"] for d in docs)
    busiest = busiest_second([m.at for m in sent])
    print(f"two processes, one account: {throttled} throttled, busiest second {busiest}/s")
    assert busiest <= RATE
    # Without the account lease both took the full rate: 259-288 throttled per run here.
    # One process alone is throttled now and then (0-1 per 200 sends) when the machine is
    # loaded enough to delay a request past the pacing's 15 ms margin; allow that, not more.
    assert throttled <= 2


@pytest.mark.timeout(180)
def test_a_killed_holder_does_not_block_the_next_broadcast(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = _team(tmp_path, simulator)
    first, second = create_broadcast(team, "First"), create_broadcast(team, "Second")
    simulator.set_latency(0.05)

    one = team.popen("broadcast", "send", "--team", team.name, first, "--json")
    _wait_sending(simulator, one)
    two = team.popen("broadcast", "send", "--team", team.name, second, "--json")
    deadline = time.monotonic() + 30
    while _status(team, second)["state"] != "queued":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    one.send_signal(signal.SIGKILL)
    one.communicate(timeout=30)
    # Its account lease names a process that is gone: the queued one takes over at once.
    out_two, err_two = two.communicate(timeout=60)
    assert two.returncode == 0, err_two
    assert json.loads(out_two)["sent"] == RECIPIENTS
    resumed = team.run("broadcast", "send", "--team", team.name, first, "--json")
    assert resumed.returncode == 0, resumed.stderr
    doc = json.loads(resumed.stdout)
    assert doc["state"] == "done" and doc["sent"] + doc["uncertain"] == RECIPIENTS
