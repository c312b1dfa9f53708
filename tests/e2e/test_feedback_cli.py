"""The feedback loop end to end through the CLI against the IAM-enforcing simulator: set-up,
a broadcast to the mailbox simulator addresses, SES's events drained, per-recipient outcomes,
suppression, duplicates, and the wiring's health."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID
from tests.e2e.conftest import ConnectedTeam, connected_team

# The CLI runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")

BOXES = {
    "success@simulator.amazonses.com": ("delivered", None),
    "ooto@simulator.amazonses.com": ("delivered", None),
    "complaint@simulator.amazonses.com": ("complained", "COMPLAINT"),
    "bounce@simulator.amazonses.com": ("bounced", "BOUNCE"),
    "bounce+label@simulator.amazonses.com": ("bounced", "BOUNCE"),
    "suppressionlist@simulator.amazonses.com": ("bounced", "BOUNCE"),
    "reader@example.com": ("delivered", None),
}


def _json(team: ConnectedTeam, *args: str, code: int = 0) -> object:
    result = team.run(*args, "--json")
    assert result.returncode == code, result.stderr
    return json.loads(result.stdout)


def _control(team: ConnectedTeam, route: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{team.simulator.endpoint}/_sesdesk/{route}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def _broadcast(team: ConnectedTeam, tmp_path: Path, emails: list[str], name: str) -> str:
    csv = tmp_path / f"{name}.csv"
    csv.write_text("email\n" + "\n".join(emails) + "\n", encoding="utf-8")
    imported = team.run("contacts", "import", "--team", team.name, "--list", name, str(csv))
    assert imported.returncode == 0, imported.stderr
    created = _json(
        team, "broadcast", "create", "--team", team.name, "--list", name,
        "--from", "news@acme.example", "--subject", "News", "--text", "Hello {{name}}",
    )  # fmt: skip
    assert isinstance(created, dict)
    return str(created["id"])


def test_the_whole_loop_through_the_cli(tmp_path, iam_simulator):
    team = connected_team(tmp_path, iam_simulator, production=True, max_rate=50)

    before = _json(team, "feedback", "status", "--team", team.name)
    assert before == {**before, "configured": False, "queue_url": None}
    status = _json(team, "status", "--team", team.name)
    assert isinstance(status, dict)
    assert "feedback_missing" in [w["code"] for w in status["warnings"]]
    assert status["reputation"] == {"bounce_rate": None, "complaint_rate": None, "source": None}

    wired = _json(team, "feedback", "setup", "--team", team.name)
    assert isinstance(wired, dict)
    assert wired["configured"] and wired["problems"] == []
    assert wired["configuration_set"] == "sesdesk-feedback"
    assert wired["queue_url"].endswith("/sesdesk-feedback")
    again = _json(team, "feedback", "setup", "--team", team.name)  # idempotent: adopts all
    assert isinstance(again, dict)
    assert {k: again[k] for k in ("topic_arn", "queue_url", "problems")} == {
        k: wired[k] for k in ("topic_arn", "queue_url", "problems")
    }

    broadcast = _broadcast(team, tmp_path, list(BOXES), "boxes")
    sent = _json(team, "broadcast", "send", "--team", team.name, broadcast)
    assert isinstance(sent, dict) and sent["state"] == "done" and sent["sent"] == len(BOXES)
    # Every send named the configuration set and carried its recipient's tags.
    drained = _json(team, "feedback", "drain", "--team", team.name)
    assert isinstance(drained, dict) and drained["unrecognised"] == 0

    status_doc = _json(team, "broadcast", "status", "--team", team.name, broadcast)
    assert isinstance(status_doc, dict)
    assert (status_doc["delivered"], status_doc["bounced"], status_doc["complained"]) == (4, 3, 1)

    report = _json(team, "broadcast", "report", "--team", team.name, broadcast)
    assert isinstance(report, list)
    assert {row["email"]: row["outcome"] for row in report} == {
        email: outcome for email, (outcome, _) in BOXES.items()
    }
    bounce_row = next(r for r in report if r["email"] == "bounce@simulator.amazonses.com")
    assert "Permanent/General" in bounce_row["detail"] and "5.1.1" in bounce_row["detail"]
    assert all(set(row) >= {"email", "state", "outcome", "detail", "time"} for row in report)

    listed = _json(team, "suppression", "list", "--team", team.name)
    assert isinstance(listed, list)
    assert {(e["email"], e["reason"], e["source"]) for e in listed} == {
        (email, reason, "local") for email, (_, reason) in BOXES.items() if reason
    }

    # Redeliver everything SES published: SNS MessageIds repeat, nothing counts twice.
    redelivered = _control(team, "feedback/redeliver", {})
    assert redelivered["delivered"] > 0
    dup = _json(team, "feedback", "drain", "--team", team.name)
    assert isinstance(dup, dict)
    assert dup["processed"] == 0 and dup["duplicates"] == redelivered["delivered"]
    assert _json(team, "broadcast", "status", "--team", team.name, broadcast) == status_doc

    # A poll writes sesdesk's own suppressions to SES's account-level list.
    polled = team.run("poll", "--team", team.name)
    assert polled.returncode == 0, polled.stderr
    on_ses = {
        s.email for s in team.simulator.state.suppressed_list(DEFAULT_ACCOUNT_ID, team.region)
    }
    assert {e for e, (_, reason) in BOXES.items() if reason} <= on_ses

    # The next broadcast to the same list skips every suppressed address.
    second = _broadcast(team, tmp_path, list(BOXES), "boxes-again")
    resent = _json(team, "broadcast", "send", "--team", team.name, second)
    assert isinstance(resent, dict)
    assert (resent["sent"], resent["suppressed"]) == (3, 4)


def test_a_deleted_queue_is_a_warning_and_repair_fixes_it(tmp_path, iam_simulator):
    team = connected_team(tmp_path, iam_simulator, production=True, max_rate=50)
    assert team.run("feedback", "setup", "--team", team.name).returncode == 0
    assert _control(team, "feedback/delete-queue", {"region": team.region})["deleted"]

    drained = team.run("feedback", "drain", "--team", team.name, "--json")
    assert drained.returncode == 3, drained.stderr
    assert "queue was deleted" in drained.stderr
    assert json.loads(drained.stdout)["problem"]

    polled = team.run("poll", "--team", team.name)
    assert polled.returncode == 0, polled.stderr
    status = _json(team, "status", "--team", team.name)
    assert isinstance(status, dict)
    broken = [w for w in status["warnings"] if w["code"] == "feedback_broken"]
    assert broken and "queue was deleted" in broken[0]["message"]
    assert broken[0]["fix"] == "repair_feedback"

    repaired = _json(team, "feedback", "setup", "--team", team.name)
    assert isinstance(repaired, dict) and repaired["problems"] == []
    status = _json(team, "status", "--team", team.name)
    assert isinstance(status, dict)
    assert not [w for w in status["warnings"] if w["code"].startswith("feedback_")]
