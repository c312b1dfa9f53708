"""Readers never block senders: `broadcast status` takes no lease and no lock, so
`broadcast send` started while status reads loop never fails with "being sent by another
sesdesk" (before leases: 2 of 15 starts with four status loops running).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from sesdesk.services.sending import broadcast_status
from tests.e2e.conftest import connected_team

STARTS = 6
LOOPS = 4
# Runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")


@pytest.mark.timeout(240)
def test_status_loops_never_block_a_send_from_starting(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=50, max_24h=1e6)
    csv_path = tmp_path / "list.csv"
    csv_path.write_text("email\na@example.com\nb@example.com\n", encoding="utf-8")
    imported = team.run("contacts", "import", "--team", team.name, "--list", "all", str(csv_path))
    assert imported.returncode == 0, imported.stderr
    ids = []
    for n in range(STARTS):
        create = team.run(
            "broadcast", "create", "--team", team.name, "--list", "all",
            "--from", "news@acme.example", "--subject", f"S{n}", "--text", "x", "--json",
        )  # fmt: skip
        ids.append(str(json.loads(create.stdout)["id"]))

    stop = threading.Event()
    reads: list[int] = []
    current = [ids[0]]

    def status_loop() -> None:
        # What `broadcast status` runs, in a tight loop (a CLI process per read would
        # mostly measure Python's start-up).
        with team.store() as store:
            while not stop.is_set():
                status = broadcast_status(store, team.team_id, int(current[0]))
                reads.append(status.id)
                time.sleep(0.005)

    loops = [threading.Thread(target=status_loop) for _ in range(LOOPS)]
    for loop in loops:
        loop.start()
    try:
        outcomes = []
        for broadcast_id in ids:
            current[0] = broadcast_id
            sent = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
            outcomes.append((sent.returncode, sent.stderr))
    finally:
        stop.set()
        for loop in loops:
            loop.join(60)
    assert [code for code, _ in outcomes] == [0] * STARTS, outcomes
    assert not any("being sent by another" in err for _, err in outcomes)
    assert len(reads) > 100 and set(reads) <= {int(i) for i in ids}
    assert len(simulator.sent_messages()) == 2 * STARTS
    print(f"{STARTS} sends started under {LOOPS} status loops ({len(reads)} reads): all exit 0")
