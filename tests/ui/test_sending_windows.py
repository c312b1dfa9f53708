"""The sending windows on real services and the simulator: compose (gating, preview, test
email), contacts (CSV import with column choice and per-row errors), broadcast progress."""

from __future__ import annotations

import pytest

from sesdesk.aws.clients import AwsKeys
from sesdesk.services import contacts, sending
from sesdesk.services.refresh import refresh_team
from sesdesk.ui.sending import ComposeWindow, ContactsWindow, SendProgressWindow
from tests.conftest import connected_team

FAKE_KEYS = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


@pytest.fixture
def team_id(store, simulator, monkeypatch) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team = connected_team(
        store, simulator, "shop", keys=FAKE_KEYS, identity="shop.example", verify=True
    )
    return team.team_id


def test_compose_shows_gating_previews_and_sends_a_test_email(
    qtbot, bridge, store, team_id, simulator
):
    window = ComposeWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.from_combo.count() > 0, timeout=10_000)
    assert window.from_combo.itemText(0) == "news@shop.example"
    assert window.send_button.isEnabled()  # test email: allowed in the sandbox

    window.kind_combo.setCurrentIndex(2)  # broadcast
    assert "sandbox" in window.gate_banner.text_label.text()
    assert not window.send_button.isEnabled()
    window.kind_combo.setCurrentIndex(0)

    window.subject_edit.setText("Hello {{name|friend}}")
    window.text_edit.setPlainText("Hi {{email}}")
    window.to_edit.setText("success@simulator.amazonses.com")
    preview = window.preview.toPlainText()
    assert "Hello friend" in preview and "Hi success@simulator.amazonses.com" in preview
    assert "List-Unsubscribe" in preview

    window.send()
    qtbot.waitUntil(lambda: "Sent the test email" in window.status_label.text(), timeout=20_000)
    (message,) = simulator.sent_messages()
    assert message.subject == "Hello friend"


def test_compose_refuses_an_unverified_recipient_without_sending(
    qtbot, bridge, store, team_id, simulator
):
    window = ComposeWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.from_combo.count() > 0, timeout=10_000)
    window.subject_edit.setText("S")
    window.text_edit.setPlainText("x")
    window.to_edit.setText("stranger@example.com")
    window.send()
    qtbot.waitUntil(lambda: "sandbox" in window.status_label.text(), timeout=10_000)
    assert "stranger@example.com" in window.status_label.text()
    assert simulator.sent_messages() == []


def test_contacts_import_dialog_choosing_columns_and_showing_refused_rows(
    qtbot, bridge, store, team_id, tmp_path
):
    path = tmp_path / "people.csv"
    path.write_text(
        "id;who;address\n1;Ann;ann@example.com\n2;Bob;bob-at-example\n3;Cy;ANN@example.com\n",
        encoding="utf-8",
    )
    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    dialog = window.open_import(path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=10_000)
    assert dialog.preview.rowCount() == 3
    assert dialog.email_combo.currentText() == "id"  # nothing looks like "email": user picks
    dialog.email_combo.setCurrentIndex(2)
    dialog.name_combo.setCurrentIndex(2)  # "who" (index 0 is "no name column")
    dialog.list_edit.setText("Friends")
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as imported:
        dialog.start_import()
    result = imported.args[0]
    assert (result.imported, result.duplicates) == (1, 1)
    assert dialog.rejected_table.rowCount() == 1
    assert dialog.rejected_table.item(0, 0).text() == "3"
    assert dialog.rejected_table.item(0, 1).text() == "bob-at-example"
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.model.index(0, 0).data() == "ann@example.com"
    assert window.model.index(0, 1).data() == "Ann"
    assert "Friends" in window.list_title.text()


def test_progress_window_sends_pauses_and_resumes(qtbot, bridge, store, team_id, simulator):
    simulator.set_production(True)
    simulator.set_quota(max_rate=10)
    refresh_team(store, team_id)
    contacts.create_list(store, team_id, "all")
    for i in range(12):
        contacts.add_contact(store, team_id, "all", f"user{i}@example.com", f"User {i}")
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
    assert window.resume_button.text() == "Send"
    window.start()
    qtbot.waitUntil(lambda: len(simulator.sent_messages()) >= 2, timeout=10_000)
    with qtbot.waitSignal(window.finished_run, timeout=10_000):
        window.pause()
    assert window.state_label.text() == "Paused"
    paused_at = int(window.counts["sent"].text())
    assert 0 < paused_at < 12
    with qtbot.waitSignal(window.finished_run, timeout=20_000) as finished:
        window.start()
    assert finished.args[0].status.state == "done"
    assert window.state_label.text() == "Done"
    assert window.bar.value() == window.bar.maximum() == 12
    assert len(simulator.sent_messages()) == 12


def test_progress_window_says_why_a_broadcast_went_without_one_click_unsubscribe(
    qtbot, bridge, store, team_id
):
    from sesdesk.models import Broadcast

    contacts.create_list(store, team_id, "all")
    contacts.add_contact(store, team_id, "all", "user0@example.com")
    draft = sending.create_broadcast(
        store,
        team_id,
        list_name="all",
        composition=sending.Composition(
            from_address="news@shop.example", subject="Hi", text_body="x"
        ),
        kind="test_campaign",
    )
    note = "Sent without one-click unsubscribe (mailto only): shop.example has no verified DKIM"
    with store.session() as session:
        row = session.get(Broadcast, draft.id)
        assert row is not None
        row.list_management_note = note
    window = SendProgressWindow(bridge, store, team_id, draft.id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: note in window.subject_label.text(), timeout=10_000)
    assert window.subject_label.text() == f"Subject: Hi\n{note}"


def test_contacts_window_makes_a_list_unsubscribes_and_removes_contacts(
    qtbot, bridge, store, team_id, monkeypatch
):
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args: ("Regulars", True))
    window.new_list_button.click()
    qtbot.waitUntil(lambda: window.current_list == "Regulars", timeout=10_000)
    for address in ("ann@example.com", "bob@example.com"):
        contacts.add_contact(store, team_id, "Regulars", address)
    window.load_lists()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
    assert window.list_title.text() == "Regulars: 2 subscribed, 0 unsubscribed"

    window.table.setCurrentIndex(window.model.index(0, 0))
    window.unsubscribe_button.click()
    qtbot.waitUntil(lambda: "1 unsubscribed" in window.list_title.text(), timeout=10_000)
    assert window.list_title.text() == "Regulars: 1 subscribed, 1 unsubscribed"

    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
    window.table.setCurrentIndex(window.model.index(1, 0))
    removed = window.model.index(1, 0).data()
    window.remove_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    left = [c.email for c in contacts.list_contacts(store, team_id, "Regulars")]
    assert removed not in left and len(left) == 1
