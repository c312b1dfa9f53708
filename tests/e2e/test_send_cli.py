"""`contacts import`, `send-test`, `broadcast create|send|status` and `suppression list` end to
end: `python -m sesdesk` subprocesses against the simulator, checked against its own send log.
"""

from __future__ import annotations

import json
from email.utils import parseaddr
from pathlib import Path

import pytest

from tests.e2e.conftest import ConnectedTeam, connected_team

# The CLI runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")

STATUS_KEYS = {
    "id",
    "state",
    "total",
    "sent",
    "failed",
    "suppressed",
    "pending",
    "uncertain",
    "stop_reason",
}


def _csv(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _import(team: ConnectedTeam, path: Path, list_name: str = "customers") -> dict:
    result = team.run(
        "contacts", "import", "--team", team.name, "--list", list_name, str(path), "--json"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _recipients(simulator) -> list[str]:
    return [parseaddr(d)[1].lower() for m in simulator.sent_messages() for d in m.destinations]


def test_contacts_import_reports_rows_duplicates_and_bom(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator)
    path = _csv(
        tmp_path,
        'Name,E-mail\r\n"Doe, Jane",jane@example.com\r\nJohn,JANE@example.com\r\n'
        "Bad,not-an-address\r\n,\r\nÅsa,asa@example.com\r\n",
        bom=True,
    )
    doc = _import(team, path)
    assert doc["imported"] == 2
    assert doc["duplicates"] == 1
    assert doc["rejected"] == [
        {"row": 4, "value": "not-an-address", "reason": "not an email address (no @)"}
    ]
    listed = team.run("contacts", "list", "--team", team.name, "--list", "customers", "--json")
    assert [(c["email"], c["name"]) for c in json.loads(listed.stdout)] == [
        ("jane@example.com", "Doe, Jane"),
        ("asa@example.com", "Åsa"),
    ]
    # Importing again adds nothing: every address is already there, whatever its case.
    again = _import(team, path)
    assert (again["imported"], again["duplicates"]) == (0, 3)


def test_send_test_refuses_an_unverified_recipient_in_the_sandbox(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator)
    result = team.run(
        "send-test", "--team", team.name, "--from", "news@acme.example",
        "--to", "someone@example.com", "--subject", "Hi", "--text", "Hello",
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "sandbox" in result.stderr and "someone@example.com" in result.stderr
    assert simulator.sent_messages() == []


def test_send_test_to_the_mailbox_simulator_is_personalised(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator)
    result = team.run(
        "send-test", "--team", team.name, "--from", "News <news@acme.example>",
        "--to", "success@simulator.amazonses.com", "--name", "Ada",
        "--subject", "Hello {{name}}", "--text", "Hi {{name}}", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["state"] == "sent" and doc["message_id"]
    (message,) = simulator.sent_messages()
    assert message.subject == "Hello Ada"
    assert message.message_id == doc["message_id"]


def test_bad_input_is_refused_and_nothing_is_sent(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True)
    base = ("send-test", "--team", team.name, "--to", "success@simulator.amazonses.com")
    empty_subject = team.run(*base, "--from", "news@acme.example", "--subject", " ", "--text", "x")
    assert empty_subject.returncode == 2 and "subject" in empty_subject.stderr
    empty_body = team.run(*base, "--from", "news@acme.example", "--subject", "S", "--text", "")
    assert empty_body.returncode == 2 and "body" in empty_body.stderr
    stranger = team.run(*base, "--from", "me@other.example", "--subject", "S", "--text", "x")
    assert stranger.returncode == 2 and "me@other.example" in stranger.stderr
    big = tmp_path / "big.html"
    big.write_text("<p>" + "x" * (8 * 1024 * 1024) + "</p>", encoding="utf-8")
    too_big = team.run(*base, "--from", "news@acme.example", "--subject", "S", "--html", str(big))
    assert too_big.returncode == 2 and "too big" in too_big.stderr
    assert simulator.sent_messages() == []


def test_unverified_from_address_is_not_allowed(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, identities=("acme.example",), verify=False)
    result = team.run(
        "send-test", "--team", team.name, "--from", "news@acme.example",
        "--to", "success@simulator.amazonses.com", "--subject", "S", "--text", "x",
    )  # fmt: skip
    assert result.returncode == 3
    assert "not verified" in result.stderr or "verify" in result.stderr
    assert simulator.sent_messages() == []


def test_broadcast_is_refused_in_the_sandbox_but_a_test_campaign_goes(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator)
    _import(
        team,
        _csv(
            tmp_path,
            "email,name\nsuccess@simulator.amazonses.com,Sim\nowner@acme.example,Owner\n",
        ),
    )
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers",
        "--from", "news@acme.example", "--subject", "S", "--text", "Hi {{name}}", "--json",
    )  # fmt: skip
    assert create.returncode == 0, create.stderr
    draft = json.loads(create.stdout)
    assert draft["state"] == "draft" and draft["total"] == 2
    assert draft["can_send"]["allowed"] is False
    send = team.run("broadcast", "send", "--team", team.name, str(draft["id"]), "--json")
    assert send.returncode == 3
    assert "sandbox" in send.stderr
    assert simulator.sent_messages() == []

    campaign = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers", "--test-campaign",
        "--from", "news@acme.example", "--subject", "S", "--text", "Hi {{name}}", "--json",
    )  # fmt: skip
    campaign_id = json.loads(campaign.stdout)["id"]
    sent = team.run("broadcast", "send", "--team", team.name, str(campaign_id), "--json")
    assert sent.returncode == 0, sent.stderr
    doc = json.loads(sent.stdout)
    assert (doc["state"], doc["sent"], doc["pending"]) == ("done", 2, 0)
    assert sorted(_recipients(simulator)) == [
        "owner@acme.example",
        "success@simulator.amazonses.com",
    ]


def test_broadcast_in_production_sends_everyone_once_and_skips_suppressed(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=50)
    rows = "".join(f"user{i}@example.com,User {i}\n" for i in range(40))
    _import(team, _csv(tmp_path, "email,name\n" + rows))
    added = team.run("suppression", "add", "--team", team.name, "USER7@example.com")
    assert added.returncode == 0, added.stderr
    listed = team.run("suppression", "list", "--team", team.name, "--json")
    assert [entry["email"] for entry in json.loads(listed.stdout)] == ["user7@example.com"]

    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers",
        "--from", "news@acme.example", "--subject", "News for {{name}}",
        "--text", "Hi {{name}}", "--unsubscribe", "unsubscribe@acme.example", "--json",
    )  # fmt: skip
    broadcast_id = str(json.loads(create.stdout)["id"])
    send = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert send.returncode == 0, send.stderr
    status = team.run("broadcast", "status", "--team", team.name, broadcast_id, "--json")
    doc = json.loads(status.stdout)
    assert set(doc) >= STATUS_KEYS
    assert doc["id"] == int(broadcast_id)
    assert (doc["state"], doc["total"], doc["sent"], doc["suppressed"]) == ("done", 40, 39, 1)
    assert (doc["failed"], doc["pending"], doc["uncertain"], doc["stop_reason"]) == (
        0,
        0,
        0,
        None,
    )
    recipients = _recipients(simulator)
    assert len(recipients) == len(set(recipients)) == 39
    assert "user7@example.com" not in recipients
    subjects = {m.subject for m in simulator.sent_messages()}
    assert "News for User 3" in subjects


def test_daily_quota_stops_the_broadcast_waiting(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=50, max_24h=5)
    rows = "".join(f"user{i}@example.com\n" for i in range(8))
    _import(team, _csv(tmp_path, "email\n" + rows))
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers",
        "--from", "news@acme.example", "--subject", "S", "--text", "x", "--json",
    )  # fmt: skip
    broadcast_id = str(json.loads(create.stdout)["id"])
    send = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert send.returncode == 3, send.stderr
    doc = json.loads(send.stdout)
    assert (doc["state"], doc["sent"], doc["pending"]) == ("waiting_quota", 5, 3)
    assert len(simulator.sent_messages()) == 5
    # The window has not rolled: sending again is refused, and still nothing is lost.
    again = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert again.returncode == 3
    assert len(simulator.sent_messages()) == 5


def test_lost_access_stops_sending_with_exit_4(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=50)
    _import(team, _csv(tmp_path, "email\na@example.com\nb@example.com\n"))
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers",
        "--from", "news@acme.example", "--subject", "S", "--text", "x", "--json",
    )  # fmt: skip
    broadcast_id = str(json.loads(create.stdout)["id"])
    simulator.revoke_key(team.keys.access_key_id)
    send = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert send.returncode == 4, send.stderr
    assert simulator.sent_messages() == []
    status = json.loads(
        team.run("broadcast", "status", "--team", team.name, broadcast_id, "--json").stdout
    )
    assert status["pending"] == 2
    team_status = json.loads(team.run("status", "--team", team.name, "--json").stdout)
    assert team_status["mailer"]["access"] == "lost"


def test_a_sender_verified_since_the_last_poll_is_checked_live(tmp_path, iam_simulator):
    """The store still says PENDING, AWS already says SUCCESS: send-test asks AWS, then sends."""
    team = connected_team(tmp_path, iam_simulator, identities=("shop.example",), verify=False)
    iam_simulator.set_identity_status("shop.example", "SUCCESS")  # no poll since
    sent = team.run(
        "send-test",
        "--team",
        team.name,
        "--from",
        "news@shop.example",
        "--to",
        "success@simulator.amazonses.com",
        "--subject",
        "Hi",
        "--text",
        "Hello",
    )
    assert sent.returncode == 0, sent.stderr
    assert _recipients(iam_simulator) == ["success@simulator.amazonses.com"]


def test_broadcast_send_json_prints_the_status_on_refusals_too(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator)  # the sandbox: broadcasts are refused
    _import(team, _csv(tmp_path, "email\nsomeone@example.com\n"), "all")
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "all",
        "--from", "news@acme.example", "--subject", "Hi", "--text", "x", "--json",
    )  # fmt: skip
    broadcast_id = str(json.loads(create.stdout)["id"])
    refused = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert refused.returncode == 3, refused.stderr
    doc = json.loads(refused.stdout)
    assert set(doc) >= STATUS_KEYS and doc["state"] == "draft" and doc["pending"] == 1
    assert doc["error"]["exit_code"] == 3 and "sandbox" in doc["error"]["message"]

    simulator.set_production(True)
    simulator.set_unreachable(True)
    try:
        down = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    finally:
        simulator.set_unreachable(False)
    assert down.returncode == 5, down.stderr
    doc = json.loads(down.stdout)
    assert set(doc) >= STATUS_KEYS and doc["error"]["exit_code"] == 5
    assert doc["sent"] == 0 and simulator.sent_messages() == []

    missing = team.run("broadcast", "send", "--team", team.name, "999", "--json")
    assert missing.returncode == 2
    doc = json.loads(missing.stdout)
    assert set(doc) >= STATUS_KEYS and doc["id"] == 999 and doc["state"] is None
