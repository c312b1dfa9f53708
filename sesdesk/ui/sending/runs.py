"""The window's running broadcasts: each on a thread of its own, not tied to any window.

Closing a progress window leaves its broadcast sending; the Broadcasts view, the status bar
and any progress window reopened later follow it here. A broadcast runs for minutes or hours,
so it never occupies one of the Bridge's few worker threads. Pausing stops new sends and lets
the ones in flight finish, so a paused broadcast has no `uncertain` recipients.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.services import sending
from sesdesk.ui.bridge import Bridge

log = logging.getLogger(__name__)


@dataclass
class _Run:
    team_id: int
    runner: sending.BroadcastRunner
    thread: threading.Thread
    last: sending.Progress | None = None


class BroadcastRuns(QObject):
    """Starts broadcasts on their own threads and reports their progress on the GUI thread."""

    #: (broadcast id, Progress) — emitted from the sending thread, delivered queued.
    progressed = Signal(int, object)
    #: (broadcast id, RunResult or SesdeskError or None after a bug).
    finished = Signal(int, object)
    #: The set of running broadcasts changed.
    running_changed = Signal()

    def __init__(self, bridge: Bridge, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge, self.store = bridge, store
        self._runs: dict[int, _Run] = {}
        self.progressed.connect(self._remember)
        self.finished.connect(self._forget)

    # --- questions ----------------------------------------------------------------------

    def is_running(self, broadcast_id: int) -> bool:
        """True while this window sends `broadcast_id`."""
        return broadcast_id in self._runs

    def running_ids(self) -> frozenset[int]:
        """The broadcasts this window is sending now."""
        return frozenset(self._runs)

    def last_progress(self, broadcast_id: int) -> sending.Progress | None:
        """The latest progress report of a running broadcast."""
        run = self._runs.get(broadcast_id)
        return None if run is None else run.last

    # --- actions ------------------------------------------------------------------------

    def start(self, team_id: int, broadcast_id: int) -> bool:
        """Send (or resume) `broadcast_id` on a new thread; False if it is already running."""
        if broadcast_id in self._runs:
            return False
        runner = sending.BroadcastRunner(
            self.store,
            team_id,
            broadcast_id,
            on_progress=lambda progress: self._emit_progress(broadcast_id, progress),
            progress_every=0.2,
        )
        thread = threading.Thread(
            target=self._run, args=(broadcast_id, runner), name=f"sesdesk-broadcast-{broadcast_id}"
        )
        # Not an operation of the status bar: the sending indicator beside it names the run.
        self._runs[broadcast_id] = _Run(team_id, runner, thread)
        thread.start()
        self.running_changed.emit()
        return True

    def pause(self, broadcast_id: int, reason: str | None = None) -> bool:
        """Stop starting sends (those in flight finish); False if it is not running here."""
        run = self._runs.get(broadcast_id)
        if run is None:
            return False
        if reason is None:
            run.runner.pause()
        else:
            run.runner.pause(reason)
        return True

    def cancel(self, broadcast_id: int) -> bool:
        """Stop for good; False if it is not running here."""
        run = self._runs.get(broadcast_id)
        if run is None:
            return False
        run.runner.cancel()
        return True

    def pause_all(self, reason: str) -> None:
        """Pause every running broadcast (the window is closing)."""
        for broadcast_id in list(self._runs):
            self.pause(broadcast_id, reason)

    def wait_all(self, timeout: float) -> bool:
        """Block until every sending thread has ended (tests and the final shutdown)."""
        for run in list(self._runs.values()):
            run.thread.join(timeout)
        return all(not run.thread.is_alive() for run in self._runs.values())

    def threads_alive(self) -> bool:
        """True while a sending thread has not ended (its run may be only recording how it
        ended): the store must stay open until then."""
        return any(run.thread.is_alive() for run in self._runs.values())

    # --- the sending thread -------------------------------------------------------------

    def _emit_progress(self, broadcast_id: int, progress: sending.Progress) -> None:
        # The window may be gone: the run goes on and records everything in the store.
        with contextlib.suppress(RuntimeError):
            self.progressed.emit(broadcast_id, progress)

    def _run(self, broadcast_id: int, runner: sending.BroadcastRunner) -> None:
        outcome: object
        try:
            outcome = runner.run()
        except SesdeskError as exc:
            outcome = exc
        except Exception as exc:  # a bug: logged with its traceback and shown as one
            log.error("broadcast %s stopped on an unexpected error", broadcast_id, exc_info=exc)
            outcome = None
        try:
            self.finished.emit(broadcast_id, outcome)
        except RuntimeError:
            # The window was destroyed meanwhile: the outcome is in the store, nobody to tell.
            log.info("broadcast %s ended after its window closed", broadcast_id)

    # --- on the GUI thread --------------------------------------------------------------

    def _remember(self, broadcast_id: int, progress: sending.Progress) -> None:
        run = self._runs.get(broadcast_id)
        if run is not None:
            run.last = progress

    def _forget(self, broadcast_id: int, outcome: object) -> None:
        run = self._runs.pop(broadcast_id, None)
        if run is not None:
            run.thread.join(1.0)
            self.bridge.store_changed.emit(run.team_id)
        if outcome is None:
            from sesdesk.ui.bridge import bug_message

            self.bridge.error_reported.emit(bug_message(self.bridge.log_file), "")
        self.running_changed.emit()
