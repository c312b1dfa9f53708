"""The demo window's "Simulator controls" dock: the panel that changes the simulated SES
account, docked on the right, with its toggle in the View menu."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

#: The settings key saying whether the Simulator controls were shown when last changed.
VISIBLE_KEY = "simulator_controls_visible"

if TYPE_CHECKING:
    from sesdesk.ui.demo_panel import SimulatorPanel
    from sesdesk.ui.main_window import MainWindow


def add_simulator_dock(window: MainWindow, demo: Any) -> tuple[SimulatorPanel, QDockWidget]:
    """Build the Simulator panel for `demo`, dock it in `window`; (panel, dock)."""
    from sesdesk.ui.demo_panel import SimulatorPanel
    from sesdesk.ui.demo_reset import follow_identities

    panel = SimulatorPanel(window.bridge, demo)
    window.bridge.store_changed.connect(lambda _team: follow_identities(window))
    # The panel reads back the demo team; a team made in the demo needs its own read.
    panel.action_done.connect(lambda _done: window.refresh_now())
    dock = QDockWidget("Simulator controls", window)
    dock.setObjectName("simulatorDock")
    dock.setWidget(panel)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetClosable
        | QDockWidget.DockWidgetFeature.DockWidgetMovable
    )
    dock.setMinimumWidth(300)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resizeDocks([dock], [310], Qt.Orientation.Horizontal)
    toggle = dock.toggleViewAction()
    toggle.setText("&Simulator controls")
    toggle.setStatusTip("Show or hide the panel that changes the simulated SES account")
    window.view_menu.addSeparator()
    window.view_menu.addAction(toggle)
    _remember_visibility(window, dock)
    return panel, dock


def remembered_visible(window: MainWindow) -> bool:
    """Whether the Simulator controls were shown when last changed (shown: never changed)."""
    settings = window.settings()
    return settings is None or settings.value(VISIBLE_KEY) not in ("false", False)


def _remember_visibility(window: MainWindow, dock: QDockWidget) -> None:
    """Hidden stays hidden at the next start: kept in the window's settings file."""
    if window.settings() is None:
        return
    if not remembered_visible(window):
        dock.hide()

    def toggled(visible: bool) -> None:
        settings = window.settings()
        if settings is None or not window.isVisible():
            return  # the window closing hides the dock too: that is not the user's choice
        settings.setValue(VISIBLE_KEY, visible)
        settings.sync()

    dock.toggleViewAction().toggled.connect(toggled)


def keep_clear_of_dock(dialog: QWidget, window: Any) -> None:
    """Place a shown non-modal `dialog` left of `window`'s Simulator dock (narrower when it
    must and can be), so the dock stays usable beside it; nothing without a docked panel."""
    dock = getattr(window, "simulator_dock", None)
    if not isinstance(dock, QDockWidget) or not dock.isVisible() or dock.isFloating():
        return
    dock_left = dock.mapToGlobal(QPoint(0, 0)).x()
    screen = window.screen().availableGeometry()
    frame = dialog.frameGeometry().width() - dialog.width()
    room = dock_left - screen.left() - frame
    width = max(dialog.minimumSizeHint().width(), min(dialog.width(), room))
    dialog.resize(width, dialog.height())
    dialog.move(max(screen.left(), dock_left - width - frame), dialog.pos().y())
