"""Turns the store watcher's callbacks (from its own thread) into `Bridge.store_changed` on
the GUI thread, so windows refresh when another desktop or process changed the records, and
shows in the status bar whether a shared database answers ("Shared records: connected" /
"Shared records: offline, retrying…", the reason in the tooltip)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from sesdesk.ui.bridge import Bridge

ALL_TEAMS = 0
CONNECTING = "Shared records: connecting…"
CONNECTED = "Shared records: connected"
OFFLINE = "Shared records: offline, retrying…"


class SharedRecordsLabel(QLabel):
    """The status bar's word on the shared database: connecting, connected or offline."""

    def __init__(self, where: str, parent: QWidget | None = None) -> None:
        super().__init__(CONNECTING, parent)
        self.where = where
        self.setObjectName("muted")
        self.setToolTip(f"The team's records are on {where}.")

    def show_state(self, online: bool, reason: str) -> None:
        """Connected, or offline with `reason` in the tooltip (nothing is lost meanwhile)."""
        if online:
            self.setObjectName("muted")
            self.setText(CONNECTED)
            self.setToolTip(f"The team's records are on {self.where}.")
        else:
            self.setObjectName("statusError")
            self.setText(OFFLINE)
            self.setToolTip(
                f"{self.where} does not answer: {reason}\n"
                "sesdesk keeps trying; what is on screen is the last state it read."
            )
        if self.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            # The object name picks the style sheet's colour: apply it again.
            self.style().unpolish(self)
            self.style().polish(self)


class StoreWatchBridge(QObject):
    """Owns a `StoreWatcher`; its signals cross from the watcher's thread (queued)."""

    changed = Signal()
    state_changed = Signal(bool, str)

    def __init__(self, bridge: Bridge, store: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from sesdesk.services.store_watch import StoreWatcher

        self.bridge = bridge
        self.store = store
        self.label: SharedRecordsLabel | None = None
        self.changed.connect(lambda: bridge.store_changed.emit(ALL_TEAMS))
        self.watcher = StoreWatcher(store, self.changed.emit, on_state=self.state_changed.emit)
        # A window closed without detaching (tests, a crash at start) must not leave it running.
        watcher = self.watcher
        self.destroyed.connect(lambda *_: watcher.stop(wait=False))

    def show_state_in(self, status_bar: QStatusBar) -> StoreWatchBridge:
        """Show the shared database's state in `status_bar` (nothing for this desktop's file)."""
        if self.store.is_shared and self.label is None:
            self.label = SharedRecordsLabel(self.store.where)
            status_bar.addPermanentWidget(self.label)
            self.state_changed.connect(self.label.show_state)
        return self

    def start(self) -> StoreWatchBridge:
        """Start watching."""
        self.watcher.start()
        return self

    def stop(self) -> None:
        """Stop watching (before the store closes)."""
        self.watcher.stop()
