"""A broadcast's progress: bar, counts, rate and time left; Pause, Resume and Cancel.

The engine (`services.sending.BroadcastRunner`) runs in a Bridge thread; its progress
callback comes from that thread and reaches the widgets through a queued Qt signal.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.services import sending
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.widgets.banner import Banner

STATE_WORDS = {
    "draft": "Ready to send",
    "sending": "Sending…",
    "paused": "Paused",
    "waiting_quota": "Waiting for the daily quota",
    "done": "Done",
    "stopped": "Cancelled",
}


def format_seconds(seconds: float | None) -> str:
    """'about 3 min' style durations for 'time left'."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


class _Relay(QObject):
    """Carries progress from the engine's thread to the GUI thread."""

    progressed = Signal(object)


class SendProgressWindow(QDialog):
    """Progress of one broadcast, with Pause / Resume / Cancel."""

    finished_run = Signal(object)  # the RunResult (or None after a failure)

    def __init__(
        self,
        bridge: Bridge,
        store: Store,
        team_id: int,
        broadcast_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id, self.broadcast_id = (
            bridge,
            store,
            team_id,
            broadcast_id,
        )
        self.setWindowTitle(f"Broadcast {broadcast_id}")
        self.setMinimumWidth(520)
        self._runner: sending.BroadcastRunner | None = None
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._show_progress)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(12)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        layout.addWidget(self.title)
        self.subject_label = QLabel()
        self.subject_label.setObjectName("muted")
        self.subject_label.setWordWrap(True)
        layout.addWidget(self.subject_label)
        self.state_label = QLabel()
        self.state_label.setObjectName("sectionTitle")
        layout.addWidget(self.state_label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setTextVisible(True)
        layout.addWidget(self.bar)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.counts: dict[str, QLabel] = {}
        for column, key in enumerate(("sent", "failed", "suppressed", "uncertain", "pending")):
            name = QLabel(key.capitalize())
            name.setObjectName("fieldName")
            value = QLabel("0")
            value.setObjectName("fieldValue")
            grid.addWidget(name, 0, column)
            grid.addWidget(value, 1, column)
            self.counts[key] = value
        layout.addLayout(grid)
        self.rate_label = QLabel()
        self.rate_label.setObjectName("muted")
        layout.addWidget(self.rate_label)
        self.banner = Banner(tone="info")
        self.banner.hide()
        layout.addWidget(self.banner)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.resend_button = QPushButton("Re-send uncertain…")
        self.resend_button.setToolTip(
            "Recipients whose send was in flight when sending stopped may or may not have "
            "received it. Send to them again only if a duplicate is acceptable."
        )
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel broadcast")
        self.close_button = QPushButton("Close")
        for button in (
            self.resend_button,
            self.pause_button,
            self.resume_button,
            self.cancel_button,
            self.close_button,
        ):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.resend_button.clicked.connect(self._resend_uncertain)
        for button in (
            self.resend_button,
            self.pause_button,
            self.resume_button,
            self.cancel_button,
        ):
            button.hide()  # until the broadcast's state is known
        self._status: sending.BroadcastStatus | None = None
        self.refresh()

    # --- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the engine runs for this window."""
        return self._runner is not None

    def refresh(self) -> None:
        """Re-read the broadcast's status from the store (off the GUI thread)."""
        self.bridge.run(
            sending.broadcast_status,
            self.store,
            self.team_id,
            self.broadcast_id,
            label="Reading the broadcast",
            on_success=self._show_status,
            on_failure=self._show_error,
        )

    def start(self) -> None:
        """Send (or resume): runs the engine in a Bridge thread."""
        if self._runner is not None:
            return
        self.banner.hide()
        self._runner = sending.BroadcastRunner(
            self.store,
            self.team_id,
            self.broadcast_id,
            on_progress=self._relay.progressed.emit,
            progress_every=0.2,
        )
        self.state_label.setText(STATE_WORDS["sending"])
        self._update_buttons("sending")
        self.bridge.run(
            self._runner.run,
            label="Sending",
            on_success=self._run_finished,
            on_failure=self._run_failed,
        )

    def pause(self) -> None:
        """Stop starting sends; those in flight finish."""
        if self._runner is not None:
            self.pause_button.setEnabled(False)
            self.state_label.setText("Pausing…")
            self._runner.pause()

    def cancel(self) -> None:
        """Stop for good (in flight sends finish; pending recipients are not sent)."""
        if self._runner is not None:
            self.cancel_button.setEnabled(False)
            self.state_label.setText("Cancelling…")
            self._runner.cancel()
            return
        self.bridge.run(
            sending.cancel_broadcast,
            self.store,
            self.team_id,
            self.broadcast_id,
            label="Cancelling",
            on_success=self._show_status,
            on_failure=self._show_error,
        )

    def _resend_uncertain(self) -> None:
        self.bridge.run(
            sending.resend_uncertain,
            self.store,
            self.team_id,
            self.broadcast_id,
            label="Re-queueing uncertain recipients",
            on_success=lambda _count: self.refresh(),
            on_failure=self._show_error,
        )

    # --- results ----------------------------------------------------------------------

    def _run_finished(self, result: sending.RunResult) -> None:
        self._runner = None
        self._show_status(result.status)
        if result.stop_error is not None:
            self.banner.set_message(result.stop_error.message, result.stop_error.hint)
            self.banner.show()
        self.bridge.store_changed.emit(self.team_id)
        self.finished_run.emit(result)

    def _run_failed(self, error: SesdeskError) -> None:
        self._runner = None
        self._show_error(error)
        self.refresh()
        self.finished_run.emit(None)

    def _show_error(self, error: SesdeskError) -> None:
        self.banner.set_message(error.message, error.hint)
        self.banner.show()

    def _show_progress(self, progress: sending.Progress) -> None:
        self._show_counts(progress.status)
        self.rate_label.setText(
            f"{progress.rate:.1f} recipients/s (AWS allows {progress.allowed_rate:g}/s) · "
            f"time left {format_seconds(progress.seconds_left)}"
            + (f" · throttled {progress.throttled}×" if progress.throttled else "")
        )

    def _show_status(self, status: sending.BroadcastStatus) -> None:
        self._status = status
        what = {"test_email": "Test email", "test_campaign": "Test campaign"}.get(
            status.kind, "Broadcast"
        )
        self.title.setText(f"{what} {status.id}")
        self.subject_label.setText(f"Subject: {status.subject}")
        self._show_counts(status)
        if self._runner is None:
            self.state_label.setText(STATE_WORDS.get(status.state, status.state))
            self._update_buttons(status.state)
            if status.stop_reason and status.state != "done":
                self.rate_label.setText(f"Stopped: {status.stop_reason}")
            elif status.state == "done":
                self.rate_label.setText("Every recipient has been handled.")
        self.resend_button.setVisible(status.uncertain > 0 and self._runner is None)

    def _show_counts(self, status: sending.BroadcastStatus) -> None:
        handled = status.total - status.pending - status.in_flight
        self.bar.setRange(0, max(1, status.total))
        self.bar.setValue(max(0, handled))
        self.bar.setFormat(f"{handled} of {status.total} (%p%)")
        for key, label in self.counts.items():
            label.setText(str(getattr(status, key)))

    def _update_buttons(self, state: str) -> None:
        running = self._runner is not None
        self.pause_button.setVisible(running)
        self.pause_button.setEnabled(running)
        self.resume_button.setVisible(not running and state in ("draft", "paused", "waiting_quota"))
        self.resume_button.setText("Send" if state == "draft" else "Resume")
        self.cancel_button.setVisible(state not in ("done", "stopped"))
        self.cancel_button.setEnabled(True)

    def closeEvent(self, event: Any) -> None:
        """Closing the window pauses a running broadcast (it can be resumed later)."""
        if self._runner is not None:
            self._runner.pause("paused: the progress window was closed")
        super().closeEvent(event)
