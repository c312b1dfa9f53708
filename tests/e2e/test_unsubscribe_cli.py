"""One-click unsubscribe end to end through the CLI: a broadcast carries SES's list management
(headers and footer, in the simulator's log), an unsubscribe through SES's link comes back at
the next poll, the next broadcast skips that contact, and a local unsubscribe reaches SES."""

from __future__ import annotations

import json
from email.utils import parseaddr
from pathlib import Path

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.lists import ListsFacade
from sesdesk.services import lists
from tests.e2e.conftest import ConnectedTeam, connected_team

EMAILS = [f"user{i}@example.com" for i in range(5)]


def _broadcast(team: ConnectedTeam, tmp_path: Path, subject: str) -> dict:
    html = tmp_path / "body.html"
    html.write_text("<html><body><p>Hello {{name}}</p></body></html>", encoding="utf-8")
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers",
        "--from", "news@acme.example", "--subject", subject,
        "--text", "Hello {{name}}", "--html", str(html), "--json",
    )  # fmt: skip
    assert create.returncode == 0, create.stderr
    broadcast_id = str(json.loads(create.stdout)["id"])
    send = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert send.returncode == 0, send.stderr
    return json.loads(send.stdout)


def _contacts(team: ConnectedTeam) -> dict[str, dict]:
    shown = team.run("contacts", "list", "--team", team.name, "--list", "customers", "--json")
    assert shown.returncode == 0, shown.stderr
    return {row["email"]: row for row in json.loads(shown.stdout)}


def test_one_click_unsubscribe_round_trip(tmp_path, iam_simulator):
    simulator = iam_simulator
    team = connected_team(tmp_path, simulator, production=True, max_rate=50)
    csv = tmp_path / "contacts.csv"
    csv.write_text("email,name\n" + "".join(f"{e},N{i}\n" for i, e in enumerate(EMAILS)))
    imported = team.run(
        "contacts", "import", "--team", team.name, "--list", "customers", str(csv), "--json"
    )
    assert imported.returncode == 0, imported.stderr

    doc = _broadcast(team, tmp_path, "First")
    assert (doc["state"], doc["sent"]) == ("done", 5)
    assert doc["unsubscribe_note"] is None
    sent = simulator.sent_messages()
    assert len(sent) == 5
    for message in sent:
        headers = dict(message.headers)
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = headers["List-Unsubscribe"]
        assert link.startswith("<https://") and "mailto:" not in link
        url = link.strip("<>")
        # The footer sesdesk added, with SES's link filled in, in both bodies.
        assert message.text_body is not None and url in message.text_body
        assert message.html_body is not None and url in message.html_body
        assert "{{amazonSESUnsubscribeUrl}}" not in message.text_body + message.html_body

    # The person clicks the link; the next poll brings it back.
    simulator.unsubscribe("user1@example.com")
    polled = team.run("poll", "--team", team.name)
    assert polled.returncode == 0, polled.stderr
    rows = _contacts(team)
    assert rows["user1@example.com"]["status"] == "unsubscribed"
    assert rows["user1@example.com"]["source"] == "ses"
    assert rows["user1@example.com"]["unsubscribed_at"]
    assert rows["user0@example.com"] == {
        "email": "user0@example.com",
        "name": "N0",
        "status": "subscribed",
        "unsubscribed_at": None,
        "source": None,
    }

    # The next broadcast skips them.
    before = len(simulator.sent_messages())
    second = _broadcast(team, tmp_path, "Second")
    assert (second["state"], second["sent"]) == ("done", 4)
    reached = [
        parseaddr(d)[1].lower() for m in simulator.sent_messages()[before:] for d in m.destinations
    ]
    assert sorted(reached) == sorted(e for e in EMAILS if e != "user1@example.com")

    # A local unsubscribe is pushed to SES at the next poll.
    local = team.run(
        "contacts", "unsubscribe", "--team", team.name, "--list", "customers", "user3@example.com"
    )
    assert local.returncode == 0, local.stderr
    assert _contacts(team)["user3@example.com"]["source"] == "local"
    polled = team.run("poll", "--team", team.name)
    assert polled.returncode == 0, polled.stderr
    facade = ListsFacade(ClientFactory(team.region, team.keys, endpoint=simulator.endpoint))
    (ses_list,) = facade.contact_lists()
    (topic,) = [t.name for t in ses_list.topics if lists.names.is_sesdesk_topic(t.name)]
    found = facade.get_contact(ses_list.name, "user3@example.com")
    assert found is not None and topic in found.opted_out
    assert [t.display_name for t in ses_list.topics] == ["customers"]

    # Nothing is left to sync; the command says so.
    synced = team.run("contacts", "sync", "--team", team.name, "--list", "customers", "--json")
    assert synced.returncode == 0, synced.stderr
    result = json.loads(synced.stdout)
    assert (result["needed"], result["calls"], result["failed"]) == (0, 0, 0)
    assert "synced 0 of 0" in synced.stderr


def test_a_marketing_broadcast_without_easy_dkim_is_refused_with_the_reason(
    tmp_path, iam_simulator
):
    simulator = iam_simulator
    # Only an address identity: SES cannot sign with Easy DKIM for the From domain.
    team = connected_team(
        tmp_path, simulator, production=True, max_rate=50, identities=("news@acme.example",)
    )
    csv = tmp_path / "contacts.csv"
    csv.write_text("email\na@example.com\nb@example.com\n")
    assert (
        team.run("contacts", "import", "--team", team.name, "--list", "customers", str(csv))
    ).returncode == 0
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "customers",
        "--from", "news@acme.example", "--subject", "S", "--text", "x", "--json",
    )  # fmt: skip
    broadcast_id = str(json.loads(create.stdout)["id"])
    send = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert send.returncode == 3
    assert "one-click unsubscribe" in send.stderr and "Easy DKIM" in send.stderr
    assert simulator.sent_messages() == []
    status = team.run("broadcast", "status", "--team", team.name, broadcast_id, "--json")
    note = json.loads(status.stdout)["unsubscribe_note"]
    assert note is not None and "Easy DKIM" in note
    # A test email to one address still goes, with the mailto header.
    test = team.run(
        "send-test", "--team", team.name, "--from", "news@acme.example",
        "--to", "a@example.com", "--subject", "T", "--text", "x",
    )  # fmt: skip
    assert test.returncode == 0, test.stderr
    (message,) = simulator.sent_messages()
    assert dict(message.headers).get("List-Unsubscribe-Post") is None
