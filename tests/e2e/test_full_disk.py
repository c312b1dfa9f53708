"""A really full disk under SESDESK_HOME (a small tmpfs, filled): `contacts import`,
`broadcast send` and `broadcast status` say so plainly and exit 6, the broadcast stops
`paused` with that reason, status stays readable, nothing is half-written, and the log handler
never prints its own traceback. Freeing space and sending again finishes the broadcast with
nobody sent twice (counted from the simulator's own log).

SQLite only: it is the records' file that fills the disk here. With PostgreSQL the records live
on the server, and this disk holds only logs and settings.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from email.utils import parseaddr

from tests.e2e.conftest import connected_team
from tests.e2e.fulldisk import fill, small_disk

RECIPIENTS = 200
RATE = 20.0


def _accepted(simulator) -> Counter[str]:
    return Counter(
        parseaddr(d)[1].lower() for m in simulator.sent_messages() for d in m.destinations
    )


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "Logging error" not in stderr, stderr


def test_a_full_disk_pauses_the_broadcast_and_keeps_everything_whole(tmp_path, iam_simulator):
    simulator = iam_simulator
    with small_disk(tmp_path / "home", size_mb=16) as home:
        team = connected_team(tmp_path, simulator, production=True, max_rate=RATE, max_24h=1e6)
        contacts = tmp_path / "list.csv"
        contacts.write_text(
            "email,name\n" + "".join(f"user{i}@example.com,U{i}\n" for i in range(RECIPIENTS)),
            encoding="utf-8",
        )
        imported = team.run("contacts", "import", "--team", team.name, "--list", "all",
                            str(contacts))  # fmt: skip
        assert imported.returncode == 0, imported.stderr
        create = team.run(
            "broadcast", "create", "--team", team.name, "--list", "all",
            "--from", "news@acme.example", "--subject", "Hi", "--text", "x", "--json",
        )  # fmt: skip
        broadcast_id = str(json.loads(create.stdout)["id"])

        # The disk fills up while the broadcast sends.
        proc = team.popen("broadcast", "send", "--team", team.name, broadcast_id, "--json")
        deadline = time.monotonic() + 30
        while len(simulator.sent_messages()) < 20:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.01)
        filler = fill(home)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 6, err
        _clean(err)
        assert f"the disk holding {home} is full: 0 MB free; free some space" in err
        stopped = json.loads(out)
        assert stopped["state"] == "paused", stopped
        assert f"the disk holding {home} is full" in stopped["stop_reason"]
        assert stopped["uncertain"] == 0 and stopped["sent"] == len(simulator.sent_messages())

        # The engine gave back the space it had set aside to record the stop: fill it too.
        fill(home)
        # Status is still readable on the full disk, and tells the same story.
        status = team.run("broadcast", "status", "--team", team.name, broadcast_id, "--json")
        assert status.returncode == 0, status.stderr
        _clean(status.stderr)
        seen = json.loads(status.stdout)
        assert (seen["state"], seen["sent"], seen["uncertain"]) == ("paused", stopped["sent"], 0)
        assert seen["stop_reason"] == stopped["stop_reason"]

        # An import on the full disk: refused whole, with the same message.
        more = tmp_path / "more.csv"
        more.write_text(
            "email\n" + "".join(f"other{i}@example.com\n" for i in range(5000)), encoding="utf-8"
        )
        refused = team.run("contacts", "import", "--team", team.name, "--list", "more", str(more))
        assert refused.returncode == 6, refused.stderr
        _clean(refused.stderr)
        assert f"the disk holding {home} is full" in refused.stderr

        # A send started on the full disk stops before sending anything, with the JSON.
        before = len(simulator.sent_messages())
        again = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
        assert again.returncode == 6, again.stderr
        _clean(again.stderr)
        doc = json.loads(again.stdout)
        assert doc["state"] == "paused" and doc["uncertain"] == 0
        assert len(simulator.sent_messages()) == before

        # Room again: the import left nothing behind, and the broadcast finishes.
        filler.unlink()
        lists = team.run("contacts", "lists", "--team", team.name, "--json")
        assert lists.returncode == 0, lists.stderr
        assert [row["name"] for row in json.loads(lists.stdout)] == ["all"]
        final = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
        assert final.returncode == 0, final.stderr
        done = json.loads(final.stdout)
        assert (done["state"], done["sent"], done["uncertain"]) == ("done", RECIPIENTS, 0)
        accepted = _accepted(simulator)
        assert len(accepted) == RECIPIENTS and max(accepted.values()) == 1
