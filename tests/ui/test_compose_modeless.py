"""Compose is not modal: the Simulator controls work while writing, Compose follows what they
change, and a second "New broadcast…" brings the open Compose forward instead of a second."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication

from sesdesk.ui.demo_dock import keep_clear_of_dock
from sesdesk.ui.sending.compose import ComposeWindow

pytestmark = pytest.mark.timeout(120)


# The offscreen platform cannot raise a window; a real one can.
@pytest.mark.qt_log_ignore(r"This plugin does not support raise\(\)", extend=True)
def test_compose_leaves_the_simulator_usable_and_opens_once(open_window, qtbot):
    window = open_window(demo=True)
    window.resize(1280, 770)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    team_name = window.dashboard.snapshot.team_name
    window.pages.show_broadcasts()
    window.broadcasts_view.new_button.click()
    compose = window.fixes.last_opened
    assert isinstance(compose, ComposeWindow) and compose.isVisible()
    assert not compose.isModal() and QApplication.activeModalWidget() is None
    # It stands beside the Simulator dock, not over it (Qt centres it on the window first).
    dock = window.simulator_dock
    docked = QRect(dock.mapToGlobal(QPoint(0, 0)), dock.size())
    assert not compose.frameGeometry().intersects(docked), (compose.frameGeometry(), docked)
    compose.move(docked.x() - compose.width() // 2, compose.y())
    keep_clear_of_dock(compose, window)
    assert not compose.frameGeometry().intersects(docked), (compose.frameGeometry(), docked)
    qtbot.waitUntil(lambda: compose.windowTitle() == f"Compose — {team_name}", timeout=10_000)
    assert compose.kind == "broadcast"
    gate = compose.gate_banner.text_label
    qtbot.waitUntil(lambda: "No verified sender" in gate.text(), timeout=10_000)
    assert not compose.send_button.isEnabled()
    compose.subject_edit.setText("Spring sale")

    # The Simulator controls answer while Compose is open, and Compose follows them.
    panel = window.simulator_panel
    qtbot.waitUntil(lambda: panel.identity_combo.findData("demo-shop.example") >= 0)
    panel.identity_combo.setCurrentIndex(panel.identity_combo.findData("demo-shop.example"))
    panel.status_combo.setCurrentText("SUCCESS")
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        panel.apply_identity.click()
    qtbot.waitUntil(lambda: "No verified sender" not in gate.text(), timeout=10_000)
    assert compose.from_combo.findText("news@demo-shop.example") >= 0
    assert compose.subject_edit.text() == "Spring sale"  # the re-read keeps what was typed

    # Opening Compose again raises the open one (turned to the kind asked for).
    compose.kind_combo.setCurrentIndex(0)
    window.broadcasts_view.new_button.click()
    assert window.fixes.last_opened is compose
    assert compose.kind == "broadcast" and compose.subject_edit.text() == "Spring sale"
    opened = [w for w in window.findChildren(ComposeWindow) if w.isVisible()]
    assert opened == [compose]

    # Not modal, so the main window can be closed meanwhile: Compose asks first, as Escape does.
    window.close()
    assert window.isVisible() and compose.isVisible()
    box = compose.discard_guard.box
    assert box is not None and box.text() == "Discard this message?"
    (discard,) = [b for b in box.buttons() if b.text() == "Discard"]
    discard.click()
    # "Discard" goes on with the close the user asked for.
    assert not compose.isVisible()
    assert not window.isVisible()
