"""The Contacts window: Remove and Unsubscribe act on a selected contact only, a refused new
address is explained in the Add dialog with what was typed kept, and Ctrl+W closes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from sesdesk.services import contacts
from sesdesk.ui.sending import ContactsWindow
from tests.conftest import FAKE_KEYS, connected_team
from tests.ui.test_keyboard import add_dialog_on_a_new_list


@pytest.fixture
def team_id(store, simulator, monkeypatch) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    return connected_team(store, simulator, "shop", keys=FAKE_KEYS).team_id


def test_remove_and_unsubscribe_need_a_selected_contact(qtbot, bridge, store, team_id):
    contacts.create_list(store, team_id, "Regulars")
    contacts.add_contact(store, team_id, "Regulars", "ann@example.com", "Ann")
    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    window.table.clearSelection()
    assert window.add_button.isEnabled()
    assert not window.remove_button.isEnabled()
    assert not window.unsubscribe_button.isEnabled()
    window.table.selectionModel().select(
        window.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert window.remove_button.isEnabled() and window.unsubscribe_button.isEnabled()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window.table, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_a_refused_address_keeps_the_add_dialog_open_with_the_reason(qtbot, bridge, store, team_id):
    window, dialog = add_dialog_on_a_new_list(qtbot, bridge, store, team_id)
    dialog.email_edit.setText("josé@example.com")  # QTest types ASCII only
    dialog.name_edit.setText("José")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.problem_label.isVisible, timeout=10_000)
    assert dialog.isVisible()
    assert dialog.email_edit.text() == "josé@example.com"  # nothing typed is lost
    assert dialog.name_edit.text() == "José"
    reason = dialog.problem_label.text()
    assert "josé@example.com" in reason and not reason.lower().startswith("email")
    label = dialog.problem_label
    assert label.height() >= label.heightForWidth(label.width())  # shown whole, not cut
    assert not window.banner.isVisible()  # said where the address is, not behind the dialog

    dialog.email_edit.setText("jose@example.com")
    assert not dialog.problem_label.isVisible()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.model.index(0, 0).data() == "jose@example.com"
