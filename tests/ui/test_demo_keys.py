"""Demo mode: the Connect and Reconnect wizards offer "Use demo keys", so both flows can be
walked to the end without an AWS account (the wizard is modal; it needs nothing from the
Simulator controls)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from sesdesk.services.teams import create_team

pytestmark = pytest.mark.timeout(120)


def _wait_for_team(window, qtbot, team_id: int) -> None:
    qtbot.waitUntil(
        lambda: (
            window.dashboard.snapshot is not None and window.dashboard.snapshot.team_id == team_id
        ),
        timeout=30_000,
    )


def test_connect_with_demo_keys_in_a_new_demo_team(open_window, qtbot):
    window = open_window(demo=True)
    _wait_for_team(window, qtbot, window.services.demo.team_id)
    team = create_team(window.services.store, "Bakery")
    window.team_switcher.reload(select_id=team.id)
    _wait_for_team(window, qtbot, team.id)

    window.open_fix("connect")
    wizard = window.fixes.last_opened
    page = wizard.keys_page
    assert page.demo_keys_button.isVisible()
    qtbot.mouseClick(page.demo_keys_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.key_id_edit.text() != "", timeout=10_000)
    assert page.secret_edit.echoMode() == page.secret_edit.EchoMode.Password
    with qtbot.waitSignal(wizard.connected, timeout=30_000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.dashboard.snapshot.mailer is not None
            and window.dashboard.snapshot.mailer.access == "ok"
        ),
        timeout=30_000,
    )


def test_reconnect_with_demo_keys_after_the_key_is_revoked(open_window, qtbot):
    window = open_window(demo=True)
    _wait_for_team(window, qtbot, window.services.demo.team_id)
    panel = window.simulator_panel
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.revoke_button.click()
    qtbot.waitUntil(lambda: window.dashboard.snapshot.mailer.access == "lost", timeout=30_000)

    # The key the Simulator controls issue is the one the wizard offers.
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.issue_key()
    issued = panel.issued_keys.access_key_id
    window.open_fix("reconnect")
    wizard = window.fixes.last_opened
    page = wizard.keys_page
    qtbot.mouseClick(page.demo_keys_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.key_id_edit.text() != "", timeout=10_000)
    assert page.key_id_edit.text() == issued
    with qtbot.waitSignal(wizard.connected, timeout=30_000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.dashboard.snapshot.mailer.access == "ok", timeout=30_000)


def test_outside_demo_the_wizard_offers_no_demo_keys(open_window, qtbot):
    window = open_window()
    qtbot.waitUntil(lambda: window.team_switcher.combo.count() == 0, timeout=10_000)
    assert window.fixes.demo_keys is None
