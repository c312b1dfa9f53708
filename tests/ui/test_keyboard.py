"""Enter advances and never closes a wizard page that cannot go on; Escape asks before it
throws away a typed message, typed keys or a new contact."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWizard

from sesdesk.services import contacts
from sesdesk.services.teams import create_team
from sesdesk.ui.sending import ComposeWindow, ContactsWindow
from sesdesk.ui.wizards.access import PAGE_COMPOSE, PAGE_INTRO, AccessWizard
from sesdesk.ui.wizards.connect import ConnectWizard
from tests.conftest import FAKE_KEYS, connected_team


@pytest.fixture
def team_id(store, simulator, monkeypatch) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team = connected_team(
        store, simulator, "Bakery", keys=FAKE_KEYS, identity="bakery.example", verify=True
    )
    return team.team_id


def _click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_enter_on_the_first_access_page_advances_and_never_closes(qtbot, bridge, store, team_id):
    wizard = AccessWizard(bridge, store, team_id)
    qtbot.addWidget(wizard)
    wizard.show()
    # Before the draft is loaded Next is disabled: Enter must do nothing, not close.
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.isVisible() and wizard.currentId() == PAGE_INTRO
    qtbot.waitUntil(
        lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=10_000
    )
    for _ in range(3):
        wizard.button(QWizard.WizardButton.CancelButton).setFocus()
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
        assert wizard.isVisible()
        assert wizard.currentId() == PAGE_COMPOSE
        wizard.back()


def test_escape_asks_before_dropping_a_typed_message(qtbot, bridge, store, team_id):
    window = ComposeWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not window.isVisible()

    window.show()
    qtbot.keyClicks(window.subject_edit, "Fresh bread on Friday")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible()
    box = window.discard_guard.box
    assert box is not None and box.text() == "Discard this message?"
    _click(box, "Keep editing")
    assert window.isVisible() and window.subject_edit.text() == "Fresh bread on Friday"

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    _click(window.discard_guard.box, "Discard")
    assert not window.isVisible()


def test_escape_asks_before_dropping_typed_keys(qtbot, bridge, store, team_id):
    other = create_team(store, "Other")
    wizard = ConnectWizard(bridge, store, other.id)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.keys_page.key_id_edit, "AKIAIOSFODNN7EXAMPLE")
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    assert wizard.discard_guard.box.text() == "Discard the keys you typed?"
    _click(wizard.discard_guard.box, "Keep editing")
    assert wizard.keys_page.key_id_edit.text() == "AKIAIOSFODNN7EXAMPLE"
    wizard.button(QWizard.WizardButton.CancelButton).click()
    _click(wizard.discard_guard.box, "Discard")
    assert not wizard.isVisible()


def add_dialog_on_a_new_list(qtbot, bridge, store, team_id):
    """The Contacts window on a new list "Regulars", its Add dialog open: (window, dialog)."""
    contacts.create_list(store, team_id, "Regulars")
    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.current_list == "Regulars", timeout=10_000)
    window.add_button.click()
    return window, window.add_dialog


def test_a_new_contact_asks_on_escape_and_enter_adds_it(qtbot, bridge, store, team_id):
    window, dialog = add_dialog_on_a_new_list(qtbot, bridge, store, team_id)
    qtbot.keyClicks(dialog.email_edit, "ann@example.com")
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    _click(dialog.discard_guard.box, "Keep editing")
    qtbot.keyClicks(dialog.name_edit, "Ann")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    # Closes once the contact is stored (a refused address keeps it open).
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.model.index(0, 0).data() == "ann@example.com"
    assert window.model.index(0, 1).data() == "Ann"
