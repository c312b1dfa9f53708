"""`sesdesk --demo`: the window against the in-process simulator, and its controls."""

from __future__ import annotations

import pytest

from sesdesk.ui.main_window import DEMO_TEXT

pytestmark = pytest.mark.timeout(120)


def _wait_for_overview(window, qtbot):
    qtbot.waitUntil(lambda: window.dashboard is not None, timeout=60_000)
    overview = window.dashboard.overview
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    return overview


def test_demo_window_smoke(open_window, qtbot, home):
    window = open_window(demo=True)
    assert window.windowTitle() == "sesdesk — demo"
    # The banner says plainly that this is a simulation.
    assert window.demo_banner is not None and window.demo_banner.isVisible()
    assert "Nothing is sent to real people" in window.demo_banner.text_label.text()
    assert window.demo_banner.text_label.text() == DEMO_TEXT

    # The simulator panel exists, docked and visible; the banner button hides and shows it.
    assert window.simulator_dock is not None and window.simulator_dock.isVisible()
    window.simulator_button.click()
    assert not window.simulator_dock.isVisible()
    assert window.simulator_button.text() == "Show simulator controls"
    window.simulator_button.click()
    assert window.simulator_dock.isVisible()

    # The switcher lists the demo team; the overview shows the demo mailer.
    switcher = window.team_switcher
    qtbot.waitUntil(lambda: switcher.combo.count() == 1, timeout=10_000)
    assert switcher.combo.currentText() == window.services.demo.team_name
    overview = _wait_for_overview(window, qtbot)
    mailer = window.dashboard.snapshot.mailer
    assert mailer is not None
    assert overview.mailer.connected.isVisibleTo(window)
    assert overview.mailer.account_id.text() == mailer.account_id
    assert overview.mailer.region.text() == window.services.demo.region
    assert overview.mailer.key.text() == f"…{mailer.key_last4}"
    assert overview.mailer.access.text() == "Access OK"
    assert overview.account.mode.text() == "Sandbox"
    names = [label.text() for label, _pill in overview.identities.entries]
    assert sorted(names) == sorted(window.services.demo.simulator.identities())
    # Demo records live in their own folder, never in the user's real database.
    assert window.services.paths.home == home / "demo"
    assert not (home / "sesdesk.db").exists()
    assert "Last checked" in window.status.last_checked_label.text()


def test_setting_an_identity_verified_reaches_the_dashboard(open_window, qtbot):
    window = open_window(demo=True)
    overview = _wait_for_overview(window, qtbot)
    panel = window.simulator_panel
    qtbot.waitUntil(lambda: panel.identity_combo.count() > 0, timeout=10_000)
    identity = panel.current_identity()
    assert window.services.demo.simulator.identities()[identity] != "SUCCESS"

    panel.status_combo.setCurrentText("SUCCESS")
    assert not panel.error_combo.isEnabled()
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.apply_identity.click()
    assert window.services.demo.simulator.identities()[identity] == "SUCCESS"

    def shows_verified() -> bool:
        return any(
            label.text() == identity and pill.text() == "Verified"
            for label, pill in overview.identities.entries
        )

    qtbot.waitUntil(shows_verified, timeout=10_000)
    assert identity in panel.last_action.text()


def test_failed_identity_carries_its_error_type(open_window, qtbot):
    window = open_window(demo=True)
    overview = _wait_for_overview(window, qtbot)
    panel = window.simulator_panel
    qtbot.waitUntil(lambda: panel.identity_combo.count() > 0, timeout=10_000)
    identity = panel.current_identity()
    panel.status_combo.setCurrentText("FAILED")
    assert panel.error_combo.isEnabled()
    panel.error_combo.setCurrentText("HOST_NOT_FOUND")
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.apply_identity.click()

    def shows_failed() -> bool:
        return any(
            label.text() == identity and pill.text() == "Failed (host not found)"
            for label, pill in overview.identities.entries
        )

    qtbot.waitUntil(shows_failed, timeout=10_000)


def test_account_controls_reach_the_dashboard(open_window, qtbot):
    window = open_window(demo=True)
    overview = _wait_for_overview(window, qtbot)
    panel = window.simulator_panel

    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.pending_button.click()
    qtbot.waitUntil(lambda: overview.account.review.text() == "Review pending", timeout=10_000)

    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.grant_button.click()
    qtbot.waitUntil(lambda: overview.account.mode.text() == "Production", timeout=10_000)
    assert overview.account.review.text() == "Granted"

    panel.enforcement_combo.setCurrentText("SHUTDOWN")
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.pause_button.click()
    qtbot.waitUntil(lambda: overview.account.sending.text().startswith("Paused"), timeout=10_000)

    panel.max_24h_spin.setValue(1000)
    panel.max_rate_spin.setValue(5)
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.apply_quota_button.click()
    qtbot.waitUntil(lambda: "of 1,000 sent" in overview.account.quota.text(), timeout=10_000)
    assert "up to 5 a second" in overview.account.quota.text()


def test_revoking_the_key_shows_lost_access(open_window, qtbot):
    window = open_window(demo=True)
    overview = _wait_for_overview(window, qtbot)
    panel = window.simulator_panel
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.revoke_button.click()
    qtbot.waitUntil(lambda: overview.mailer.access.text() == "Lost access", timeout=10_000)
    assert overview.mailer.access.tone == "bad"
    assert "sesdesk now sees" in panel.last_action.text()


def test_demo_starts_without_any_os_keyring(open_window, qtbot, monkeypatch):
    import keyring
    from keyring.backends import fail

    # As on a headless Linux box: the only keyring is the one that fails.
    keyring.set_keyring(fail.Keyring())
    window = open_window(demo=True)
    _wait_for_overview(window, qtbot)
    assert window.dashboard.snapshot.mailer is not None


def test_simulator_controls_are_keyboard_reachable_and_explained(open_window, qtbot):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox

    window = open_window(demo=True)
    panel = window.simulator_panel
    controls = [
        w
        for w in panel.findChildren(QAbstractButton)
        + panel.findChildren(QComboBox)
        + panel.findChildren(QAbstractSpinBox)
    ]
    assert len(controls) >= 18
    for control in controls:
        assert control.toolTip(), f"{control!r} has no tooltip"
        assert control.focusPolicy() & control.focusPolicy().TabFocus
    # Buttons with a mnemonic (&) are reachable with Alt+letter.
    assert panel.apply_identity.text().startswith("&")
    assert "&" in panel.revoke_button.text()
