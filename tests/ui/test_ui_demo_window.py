"""`sesdesk --demo`: the window against the in-process simulator, and its controls."""

from __future__ import annotations

import pytest

from sesdesk.ui.main_window import DEMO_TEXT
from tests.ui.windows import shown_view

pytestmark = pytest.mark.timeout(120)


def _demo_with_panel(open_window, qtbot):
    """The demo window, its dashboard view once shown, and its Simulator panel."""
    window = open_window(demo=True)
    return window, shown_view(window, qtbot), window.simulator_panel


def _press(qtbot, panel, button) -> None:
    """Click one of the Simulator panel's buttons and wait until its action is done."""
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        button.click()


def _identity_statuses(view) -> dict[str, str]:
    """Identity name → the status text the identities table shows."""
    model = view.identities.model
    return {
        model.index(row, 0).data(): model.index(row, 2).data() for row in range(model.rowCount())
    }


def test_demo_window_smoke(open_window, qtbot, home):
    window = open_window(demo=True)
    assert window.windowTitle() == "Demo — sesdesk"  # not "sesdesk — demo — sesdesk"
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

    # The switcher lists the demo team; the dashboard shows the demo mailer.
    switcher = window.team_switcher
    qtbot.waitUntil(lambda: switcher.combo.count() == 1, timeout=10_000)
    assert switcher.combo.currentText() == window.services.demo.team_name
    view = shown_view(window, qtbot)
    mailer = window.dashboard.snapshot.mailer
    assert mailer is not None
    assert view.credentials.connected.isVisibleTo(window)
    assert view.credentials.account_id.text() == mailer.account_id
    assert view.credentials.region.text() == window.services.demo.region
    assert view.credentials.key.text() == f"…{mailer.key_last4}"
    assert view.credentials.access.text() == "Access OK"
    assert view.account.mode.text() == "Sandbox"
    names = list(_identity_statuses(view))
    assert sorted(names) == sorted(window.services.demo.simulator.identities())
    # Demo records live in their own folder, never in the user's real database.
    assert window.services.paths.home == home / "demo"
    assert not (home / "sesdesk.db").exists()
    assert "Last checked" in window.status.last_checked_label.text()


def test_setting_an_identity_verified_reaches_the_dashboard(open_window, qtbot):
    window, view, panel = _demo_with_panel(open_window, qtbot)
    qtbot.waitUntil(lambda: panel.identity_combo.count() > 0, timeout=10_000)
    identity = panel.current_identity()
    assert window.services.demo.simulator.identities()[identity] != "SUCCESS"

    panel.status_combo.setCurrentText("SUCCESS")
    assert not panel.error_combo.isEnabled()
    _press(qtbot, panel, panel.apply_identity)
    assert window.services.demo.simulator.identities()[identity] == "SUCCESS"

    qtbot.waitUntil(lambda: _identity_statuses(view)[identity] == "Verified", timeout=10_000)
    assert identity in panel.last_action.text()


def test_failed_identity_carries_its_error_type(open_window, qtbot):
    _, view, panel = _demo_with_panel(open_window, qtbot)
    qtbot.waitUntil(lambda: panel.identity_combo.count() > 0, timeout=10_000)
    identity = panel.current_identity()
    panel.status_combo.setCurrentText("FAILED")
    assert panel.error_combo.isEnabled()
    panel.error_combo.setCurrentText("HOST_NOT_FOUND")
    _press(qtbot, panel, panel.apply_identity)

    qtbot.waitUntil(lambda: _identity_statuses(view)[identity] == "Failed", timeout=10_000)
    model = view.identities.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == identity)
    assert "found no record" in model.index(row, 3).data()  # what it means: HOST_NOT_FOUND


def test_account_controls_reach_the_dashboard(open_window, qtbot):
    _, view, panel = _demo_with_panel(open_window, qtbot)

    _press(qtbot, panel, panel.pending_button)
    qtbot.waitUntil(lambda: view.account.review.text().startswith("Review pending"), timeout=10_000)

    _press(qtbot, panel, panel.grant_button)
    qtbot.waitUntil(lambda: view.account.mode.text() == "Production", timeout=10_000)
    assert view.account.review.text() == "Granted"

    panel.enforcement_combo.setCurrentText("SHUTDOWN")
    _press(qtbot, panel, panel.pause_button)
    qtbot.waitUntil(lambda: view.account.sending.text().startswith("Paused"), timeout=10_000)

    panel.max_24h_spin.setValue(1000)
    panel.max_rate_spin.setValue(5)
    _press(qtbot, panel, panel.apply_quota_button)
    qtbot.waitUntil(lambda: "1,000" in view.quota.sent.text(), timeout=10_000)
    assert view.quota.rate.text() == "5 / s"


def test_revoking_the_key_shows_lost_access(open_window, qtbot):
    window, view, panel = _demo_with_panel(open_window, qtbot)
    _press(qtbot, panel, panel.revoke_button)
    qtbot.waitUntil(lambda: view.credentials.access.text() == "Lost access", timeout=30_000)
    assert view.credentials.access.tone == "bad"
    assert "lost_access" in view.warnings.codes()
    # The red banner's Reconnect opens the reconnect wizard for the same account.
    window.open_fix("reconnect")
    wizard = window.fixes.last_opened
    assert wizard is not None and wizard.isVisible()
    wizard.reject()
    assert "sesdesk now sees" in panel.last_action.text()


def test_demo_starts_without_any_os_keyring(open_window, qtbot, monkeypatch):
    import keyring
    from keyring.backends import fail

    # As on a headless Linux box: the only keyring is the one that fails.
    keyring.set_keyring(fail.Keyring())
    window = open_window(demo=True)
    shown_view(window, qtbot)
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
    # Buttons with a mnemonic (&) are reachable with Alt+letter, and fields by their labels'.
    assert panel.apply_identity.text().startswith("&")
    assert "&" in panel.revoke_button.text()
    from PySide6.QtWidgets import QLabel

    labels = {label.text(): label.buddy() for label in panel.findChildren(QLabel)}
    assert labels["&Identity"] is panel.identity_combo
    assert labels["Ma&x per second"] is panel.max_rate_spin
    assert labels["&Latency"] is panel.latency_spin
    assert all(buddy is not None for text, buddy in labels.items() if "&" in text)


def test_unsubscribing_an_address_in_the_simulator_reaches_the_contacts(open_window, qtbot):
    from sesdesk.services import contacts, lists
    from sesdesk.services.feedback.wiring import mailer_factory
    from sesdesk.services.lists.account import lists_facade

    _, _, panel = _demo_with_panel(open_window, qtbot)
    demo = panel.demo
    contacts.create_list(demo.store, demo.team_id, "Customers")
    contacts.add_contact(demo.store, demo.team_id, "Customers", "ann@example.com")
    contacts.add_contact(demo.store, demo.team_id, "Customers", "bob@example.com")
    list_id = contacts.get_list(demo.store, demo.team_id, "Customers").id
    facade = lists_facade(mailer_factory(demo.store, demo.team_id))
    lists.sync_list(demo.store, demo.team_id, list_id, facade)

    controls = panel.unsubscribe
    assert controls.button.toolTip() and "&" in controls.button.text()
    controls.address.setText("nobody")
    controls.button.click()
    assert "Type the address" in controls.last.text()
    controls.address.setText("ann@example.com")
    with qtbot.waitSignal(controls.action_done, timeout=30_000):
        controls.button.click()
    assert "ann@example.com unsubscribed" in controls.last.text()
    rows = {r.email: r for r in contacts.list_contacts(demo.store, demo.team_id, "Customers")}
    assert (rows["ann@example.com"].status, rows["ann@example.com"].source) == (
        "unsubscribed",
        "ses",
    )
    assert rows["bob@example.com"].status == "subscribed"


@pytest.mark.parametrize("size", [(1280, 770), (1024, 670)])
def test_simulator_dock_never_scrolls_sideways(open_window, qtbot, size):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QScrollArea

    window, _view, panel = _demo_with_panel(open_window, qtbot)
    qtbot.waitUntil(lambda: panel.identity_combo.count() > 0, timeout=10_000)
    # A long identity name and the longest status text must not widen the panel either.
    panel.identity_combo.addItem("a-rather-long-subdomain.of-a-long-shop-name.example", "x")
    panel.identity_statuses["x"] = "TEMPORARY_FAILURE"
    panel.identity_combo.setCurrentIndex(panel.identity_combo.count() - 1)
    window.resize(*size)
    scroll = panel.findChild(QScrollArea)
    dock = window.simulator_dock
    for width in (dock.width(), dock.minimumWidth()):  # as it opens, and squeezed
        window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
        QApplication.processEvents()
        assert scroll.horizontalScrollBar().maximum() == 0, (size, width)
        assert not scroll.horizontalScrollBar().isVisible(), (size, width)
