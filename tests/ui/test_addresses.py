"""Accented addresses: an internationalised domain goes out in punycode; a mailbox name with
non-ASCII characters is refused at import and, if one is already stored, only that recipient
fails with the reason — in the window and on the command line."""

from __future__ import annotations

import json
from email.utils import parseaddr

import pytest

from sesdesk.models import Store
from sesdesk.models.sending import SUBSCRIBED, Contact, ContactList
from sesdesk.services import contacts, sending
from sesdesk.ui.sending import ComposeWindow, ContactsWindow, SendProgressWindow
from tests import conftest
from tests.e2e.conftest import connected_team


@pytest.fixture
def team_id(store, simulator, monkeypatch) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    simulator.set_production(True)
    team = conftest.connected_team(
        store, simulator, "shop", keys=conftest.FAKE_KEYS, identity="shop.example", verify=True
    )
    return team.team_id


def _store_contact_as_is(store: Store, team_id: int, list_name: str, email: str) -> None:
    """A contact stored by an older sesdesk that accepted it (import refuses it today)."""
    with store.session() as session:
        lst = session.query(ContactList).filter_by(team_id=team_id, name=list_name).one()
        session.add(
            Contact(list_id=lst.id, email=email, email_lower=email.lower(), status=SUBSCRIBED)
        )


def _destinations(simulator) -> list[str]:
    return [parseaddr(d)[1] for m in simulator.sent_messages() for d in m.destinations]


def test_sendable_address_uses_punycode_and_refuses_a_non_ascii_mailbox():
    assert contacts.sendable_address("gina@exämple.com") == "gina@xn--exmple-cua.com"
    assert contacts.sendable_address("ann@example.com") == "ann@example.com"
    with pytest.raises(contacts.UnsendableAddress, match="before the @"):
        contacts.sendable_address("gïna@example.com")
    assert contacts.email_problem("gina@exämple.com") is None
    assert "before the @" in (contacts.email_problem("gïna@example.com") or "")


def test_import_refuses_a_non_ascii_mailbox_with_its_row(qtbot, bridge, store, team_id, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("email,name\ngina@exämple.com,Gina\ngïna@example.com,Gïna\n", encoding="utf-8")
    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    dialog = window.open_import(path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=10_000)
    dialog.list_edit.setText("Friends")
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as imported:
        dialog.start_import()
    assert imported.args[0].imported == 1
    assert dialog.rejected_table.rowCount() == 1
    assert dialog.rejected_table.item(0, 0).text() == "3"
    assert "before the @" in dialog.rejected_table.item(0, 2).text()


def test_broadcast_with_accented_addresses_finishes_in_the_window(
    qtbot, bridge, store, team_id, simulator
):
    contacts.create_list(store, team_id, "all")
    contacts.add_contact(store, team_id, "all", "gina@exämple.com", "Gina Müller")
    for i in range(3):
        contacts.add_contact(store, team_id, "all", f"user{i}@example.com", f"User {i}")
    _store_contact_as_is(store, team_id, "all", "gïna@example.com")
    draft = sending.create_broadcast(
        store,
        team_id,
        list_name="all",
        composition=sending.Composition(
            from_address="news@shop.example", subject="Hi {{name}}", text_body="x"
        ),
    )
    window = SendProgressWindow(bridge, store, team_id, draft.id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.resume_button.isVisible(), timeout=10_000)
    with qtbot.waitSignal(window.finished_run, timeout=20_000) as finished:
        window.start()
    status = finished.args[0].status
    assert (status.state, status.sent, status.failed, status.uncertain) == ("done", 4, 1, 0)
    assert "gina@xn--exmple-cua.com" in _destinations(simulator)
    (failed,) = sending.recipients(store, team_id, draft.id, state="failed")
    assert failed.email == "gïna@example.com"
    assert "before the @" in (failed.error or "")
    assert window.state_label.text() == "Done"


def test_compose_preview_names_an_unsendable_test_address(qtbot, bridge, store, team_id):
    window = ComposeWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.from_combo.count() > 0, timeout=10_000)
    window.subject_edit.setText("S")
    window.text_edit.setPlainText("x")
    window.to_edit.setText("gïna@example.com")
    assert "before the @" in window.preview.toPlainText()
    window.to_edit.setText("gina@exämple.com")
    assert "gina@xn--exmple-cua.com" in window.preview.toPlainText()


def test_cli_broadcast_with_an_accented_domain_exits_0(tmp_path, iam_simulator):
    team = connected_team(tmp_path, iam_simulator, production=True, max_rate=20)
    path = tmp_path / "c.csv"
    path.write_text("email\ngina@exämple.com\nann@example.com\ngïna@example.com\n", "utf-8")
    imported = team.run(
        "contacts", "import", "--team", team.name, "--list", "c", str(path), "--json"
    )
    assert imported.returncode == 0, imported.stderr
    doc = json.loads(imported.stdout)
    assert doc["imported"] == 2
    assert doc["rejected"][0]["row"] == 4 and "before the @" in doc["rejected"][0]["reason"]
    with team.store() as store:
        _store_contact_as_is(store, team.team_id, "c", "gïna@example.com")
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "c",
        "--from", "news@acme.example", "--subject", "Hi", "--text", "x",
        "--unsubscribe", "unsubscribe@acme.example", "--json",
    )  # fmt: skip
    assert create.returncode == 0, create.stderr
    broadcast_id = str(json.loads(create.stdout)["id"])
    send = team.run("broadcast", "send", "--team", team.name, broadcast_id, "--json")
    assert send.returncode == 0, send.stderr
    status = json.loads(
        team.run("broadcast", "status", "--team", team.name, broadcast_id, "--json").stdout
    )
    assert (status["state"], status["sent"], status["failed"], status["uncertain"]) == (
        "done",
        2,
        1,
        0,
    )
    assert sorted(_destinations(iam_simulator)) == ["ann@example.com", "gina@xn--exmple-cua.com"]
