"""Compose by keyboard: Enter in a one-line field never sends (a broadcast would mail a whole
list), the send confirmation defaults to "Not now", Tab leaves the body and reaches the send
button, Ctrl+W closes; the status line and the preview say what is true for the kind shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from sesdesk.services import broadcast_list, contacts
from sesdesk.services.refresh import refresh_team
from sesdesk.ui.sending import ComposeWindow
from tests.conftest import FAKE_KEYS, connected_team


@pytest.fixture
def team_id(store, simulator, monkeypatch) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team = connected_team(
        store, simulator, "shop", keys=FAKE_KEYS, identity="shop.example", verify=True
    )
    simulator.set_production(True)
    refresh_team(store, team.team_id)
    contacts.create_list(store, team.team_id, "customers")
    for i in range(3):
        contacts.add_contact(store, team.team_id, "customers", f"c{i}@example.com", f"C {i}")
    return team.team_id


def _compose(qtbot, bridge, store, team_id, kind: str) -> ComposeWindow:
    window = ComposeWindow(bridge, store, team_id, kind=kind)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.from_combo.count() > 0, timeout=10_000)
    qtbot.waitUntil(window.send_button.isEnabled, timeout=10_000)
    return window


def test_enter_in_a_field_never_sends_and_the_confirmation_defaults_to_not_now(
    qtbot, bridge, store, team_id, simulator
):
    window = _compose(qtbot, bridge, store, team_id, "broadcast")
    qtbot.waitUntil(lambda: window.list_combo.count() > 0, timeout=10_000)
    window.subject_edit.setText("Spring sale")
    window.text_edit.setPlainText("Hi {{name}}")
    assert not window.send_button.isDefault()
    window.subject_edit.setFocus()
    qtbot.keyClick(window.subject_edit, Qt.Key.Key_Return)
    qtbot.wait(300)
    assert window.desk.confirm_box is None
    assert broadcast_list.count_broadcasts(store, team_id) == 0

    window.send_button.click()  # a click does create it, and asks before sending
    qtbot.waitUntil(lambda: window.desk.confirm_box is not None, timeout=10_000)
    box = window.desk.confirm_box
    assert box.defaultButton().text() == "Not now"
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter answers "Not now": nothing is mailed
    qtbot.waitUntil(lambda: window.desk.confirm_box is None, timeout=5_000)
    qtbot.wait(300)
    assert simulator.sent_messages() == []
    (draft,) = broadcast_list.broadcast_page(store, team_id, offset=0, limit=5)
    assert draft.state == "draft"


def test_enter_in_to_does_not_send_a_test_email(qtbot, bridge, store, team_id, simulator):
    window = _compose(qtbot, bridge, store, team_id, "test_email")
    window.to_edit.setText("success@simulator.amazonses.com")
    window.subject_edit.setText("Test")
    window.text_edit.setPlainText("Hello")
    window.to_edit.setFocus()
    qtbot.keyClick(window.to_edit, Qt.Key.Key_Return)
    qtbot.wait(300)
    assert window.status_label.text() == ""
    assert simulator.sent_messages() == []
    # Enter on the focused button does press it.
    window.send_button.setFocus()
    qtbot.keyClick(window.send_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Sent the test email" in window.status_label.text(), timeout=20_000)
    assert len(simulator.sent_messages()) == 1


def _tab_stops(qtbot, start: QWidget, count: int) -> list[QWidget]:
    stops = []
    start.setFocus()
    for _ in range(count):
        focused = QApplication.focusWidget()
        assert focused is not None
        stops.append(focused)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)  # with its "\t" text, as a keyboard sends it
    return stops


def test_tab_leaves_the_body_and_reaches_send_in_form_order(qtbot, bridge, store, team_id):
    window = _compose(qtbot, bridge, store, team_id, "test_email")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.text_edit.setPlainText("Hi")
    stops = _tab_stops(qtbot, window.kind_combo, 12)
    assert window.text_edit.toPlainText() == "Hi"  # no tab character typed into the body
    order = [
        window.kind_combo,
        window.from_combo,
        window.to_edit,
        window.reply_to_edit,
        window.unsubscribe_edit,
        window.subject_edit,
        window.text_edit,
        window.send_button,
    ]
    positions = [stops.index(widget) for widget in order]  # each is reached
    assert positions == sorted(positions)


def test_ctrl_w_closes_compose_through_the_discard_question(qtbot, bridge, store, team_id):
    window = _compose(qtbot, bridge, store, team_id, "test_email")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.subject_edit.setText("Typed")
    qtbot.keyClick(window.subject_edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    box = window.discard_guard.box
    assert box is not None and window.isVisible()
    (discard,) = [b for b in box.buttons() if b.text() == "Discard"]
    discard.click()
    assert not window.isVisible()

    empty = _compose(qtbot, bridge, store, team_id, "test_email")
    empty.activateWindow()
    qtbot.waitUntil(empty.isActiveWindow, timeout=5_000)
    qtbot.keyClick(empty.subject_edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not empty.isVisible()


def test_the_sent_line_goes_with_the_kind_and_the_preview_notes_an_empty_name(
    qtbot, bridge, store, team_id, simulator
):
    window = _compose(qtbot, bridge, store, team_id, "test_email")
    window.to_edit.setText("success@simulator.amazonses.com")
    window.subject_edit.setText("Test")
    window.text_edit.setPlainText("Hi {{name}}, this is a test")
    assert "has no name" in window.preview.toPlainText()
    assert "Hi , this is a test" in window.preview.toPlainText()  # the rule itself stays
    window.text_edit.setPlainText("Hi {{name|there}}, this is a test")
    assert "has no name" not in window.preview.toPlainText()

    window.send()
    qtbot.waitUntil(lambda: "Sent the test email" in window.status_label.text(), timeout=20_000)
    window.kind_combo.setCurrentIndex(window.kind_combo.findData("broadcast"))
    assert window.status_label.text() == ""

    # A list contact with a name: no note.
    window.text_edit.setPlainText("Hi {{name}}")
    qtbot.waitUntil(lambda: "C 0" in window.preview.toPlainText(), timeout=10_000)
    assert "has no name" not in window.preview.toPlainText()
