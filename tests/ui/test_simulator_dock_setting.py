"""Hiding the demo's Simulator controls is remembered in the window's settings file: the next
start keeps them hidden (and shown ones shown); the window closing does not count as hiding."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel

from sesdesk.ui.demo_dock import _remember_visibility
from sesdesk.ui.main_window import MainWindow


def _window_with_dock(qtbot, bridge, home) -> tuple[MainWindow, QDockWidget]:
    window = MainWindow(bridge=bridge, demo=True, settings_dir=home, log_folder=home / "logs")
    qtbot.addWidget(window)
    window.show()
    dock = QDockWidget("Simulator controls", window)
    dock.setObjectName("simulatorDock")
    dock.setWidget(QLabel("panel"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    _remember_visibility(window, dock)
    return window, dock


def test_hidden_simulator_controls_stay_hidden_at_the_next_start(qtbot, bridge, home):
    window, dock = _window_with_dock(qtbot, bridge, home)
    qtbot.waitUntil(dock.isVisible, timeout=5_000)  # shown the first time
    dock.toggleViewAction().trigger()  # View ▸ Simulator controls (or the banner's button)
    assert not dock.isVisible()
    window.close()

    again, dock = _window_with_dock(qtbot, bridge, home)
    # From the first frame on, before the simulator runs, the banner offers to show them.
    assert again.simulator_button.text() == "Show simulator controls"
    assert dock.isHidden()
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(dock.isVisible, timeout=5_000)
    again.close()  # the window closing hides the dock, which must not be remembered

    third, dock = _window_with_dock(qtbot, bridge, home)
    assert third.simulator_button.text() == "Hide simulator controls"
    qtbot.waitUntil(dock.isVisible, timeout=5_000)
    third.close()
