"""Turns the store watcher's callbacks (from its own thread) into `Bridge.store_changed` on
the GUI thread, so windows refresh when another desktop or process changed the records, and
shows "offline" in the status bar while a shared database does not answer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from sesdesk.ui.bridge import Bridge

ALL_TEAMS = 0


class StoreWatchBridge(QObject):
    """Owns a `StoreWatcher`; its signals cross from the watcher's thread (queued)."""

    changed = Signal()
    state_changed = Signal(bool, str)

    def __init__(self, bridge: Bridge, store: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from sesdesk.services.store_watch import StoreWatcher

        self.bridge = bridge
        self.changed.connect(lambda: bridge.store_changed.emit(ALL_TEAMS))
        self.watcher = StoreWatcher(store, self.changed.emit, on_state=self.state_changed.emit)
        # A window closed without detaching (tests, a crash at start) must not leave it running.
        watcher = self.watcher
        self.destroyed.connect(lambda *_: watcher.stop(wait=False))

    def start(self) -> StoreWatchBridge:
        """Start watching."""
        self.watcher.start()
        return self

    def stop(self) -> None:
        """Stop watching (before the store closes)."""
        self.watcher.stop()
