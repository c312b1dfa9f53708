"""A broadcast's progress: bar, counts, rate and time left; Pause, Resume and Cancel.

The engine runs on its own thread under `BroadcastRuns` (sesdesk.ui.sending.runs), not under
this window: closing the window leaves the broadcast sending; only Pause pauses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
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
from sesdesk.models.states import BroadcastState
from sesdesk.services import broadcast_list, sending
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.runs import BroadcastRuns
from sesdesk.ui.widgets.banner import Banner
from sesdesk.ui.widgets.keys import close_on_ctrl_w

STATE_WORDS: dict[str, str] = {
    BroadcastState.DRAFT: "Ready to send",
    BroadcastState.SENDING: "Sending…",
    BroadcastState.PAUSED: "Paused",
    BroadcastState.WAITING_QUOTA: "Waiting for the daily quota",
    BroadcastState.QUEUED: "Waiting for another broadcast",
    BroadcastState.DONE: "Done",
    BroadcastState.STOPPED: "Cancelled",
}
#: What the window says while a pause waits for the sends already on their way.
PAUSING_TEXT = "Pausing… (waiting for the message in flight)"
#: What the window says about a broadcast waiting for quota (the engine's words are the CLI's).
WAITING_QUOTA_TEXT = (
    "Today's sending quota is used up. The rest waits for AWS's rolling 24-hour window: "
    "sesdesk resumes this broadcast by itself when quota is free again, while it is open."
)


def state_words(state: str) -> str:
    """A broadcast state as the window says it (an unknown state by its own name)."""
    return STATE_WORDS.get(state, state.replace("_", " ").capitalize())


def stop_words(status: sending.BroadcastStatus) -> str:
    """Why a broadcast is not sending, in the window's words."""
    if status.state == BroadcastState.WAITING_QUOTA:
        return WAITING_QUOTA_TEXT
    if status.state == BroadcastState.QUEUED:
        reason = status.stop_reason or "another broadcast of this mailer is being sent"
        return f"Waiting: {reason}. It starts by itself when that one ends."
    reason = status.stop_reason or ""
    # The engine's hints are written for the command line.
    return f"Stopped: {reason.split('; run `')[0]}" if reason else ""


def format_seconds(seconds: float | None) -> str:
    """'about 3 min' style durations for 'time left'."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


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
        *,
        runs: BroadcastRuns | None = None,
        start: bool = False,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id, self.broadcast_id = (
            bridge,
            store,
            team_id,
            broadcast_id,
        )
        self.setWindowTitle(f"Broadcast {broadcast_id}")
        self.setMinimumWidth(480)
        # Without a shared registry (a window opened on its own) the window owns one.
        self.runs = runs if runs is not None else BroadcastRuns(bridge, store, parent=self)
        self.runs.progressed.connect(self._progressed)
        self.runs.finished.connect(self._finished)
        self._start_when_read = start
        self._pausing = False  # Pause pressed: the sends in flight are landing
        #: Opens the report (the sending desk's); None: the window opens one of its own.
        self.report_opener: Callable[[int, int], object] | None = None

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
        self.rate_label.setWordWrap(True)
        # Room for three lines from the start: a dialog already shown does not grow when a
        # wrapped label gets longer, and the counts above were clipped.
        self.rate_label.setMinimumHeight(self.rate_label.fontMetrics().lineSpacing() * 3 + 4)
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
        self.report_button = QPushButton("Open report")
        self.report_button.setToolTip("Who got it, who did not and why")
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close this window; a running broadcast keeps sending")
        # Shown once the broadcast's state says which apply; Close always is.
        state_buttons = (
            self.resend_button,
            self.pause_button,
            self.resume_button,
            self.cancel_button,
            self.report_button,
        )
        for button in (*state_buttons, self.close_button):
            # Enter must never pause or cancel a running broadcast by accident: only Close
            # answers it; Escape closes too (QDialog's reject, which leaves the run going).
            button.setAutoDefault(False)
            buttons.addWidget(button)
        self.close_button.setDefault(True)
        layout.addLayout(buttons)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.resend_button.clicked.connect(self._resend_uncertain)
        self.report_button.clicked.connect(self.open_report)
        close_on_ctrl_w(self)
        for button in state_buttons:
            button.hide()  # until the broadcast's state is known
        self._status: sending.BroadcastStatus | None = None
        self.refresh()

    # --- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while this broadcast is being sent by this window's sesdesk."""
        return self.runs.is_running(self.broadcast_id)

    def _run(self, fn: Callable[..., Any], label: str, on_success: Callable[[Any], None]) -> None:
        """`fn(store, team_id, broadcast_id)` off the GUI thread; a failure shows in the window."""
        self.bridge.run(
            fn,
            self.store,
            self.team_id,
            self.broadcast_id,
            label=label,
            on_success=on_success,
            on_failure=self._show_error,
        )

    def refresh(self) -> None:
        """Re-read the broadcast's status from the store (off the GUI thread, lock-free)."""
        self._run(broadcast_list.read_status, "Reading the broadcast", self._status_read)

    def _status_read(self, status: sending.BroadcastStatus) -> None:
        self._show_status(status)
        if self._start_when_read:
            # Started only once the first read is back: a read racing the start made new
            # broadcasts say "Ready to send" and "already being sent" at once.
            self._start_when_read = False
            self.start()

    def start(self) -> None:
        """Send (or resume) on the broadcast's own thread."""
        if self.running:
            return
        self.banner.hide()
        self._pausing = False
        self.runs.start(self.team_id, self.broadcast_id)
        self.state_label.setText(STATE_WORDS[BroadcastState.SENDING])
        # Why it stopped before is not true any more.
        self.rate_label.setText(
            "Starting: getting ready with AWS (the account, the list's contacts)…"
        )
        self._update_buttons(BroadcastState.SENDING)

    def pause(self) -> None:
        """Stop starting sends; those in flight finish."""
        if self.runs.pause(self.broadcast_id):
            self.show_pausing()

    def show_pausing(self) -> None:
        """Say that the broadcast is pausing (by the Pause button, or sesdesk quitting)."""
        if not self.running:
            return
        self._pausing = True
        self.pause_button.setEnabled(False)
        self.state_label.setText(PAUSING_TEXT)
        self.rate_label.setText("No new message starts; the ones on their way finish first.")

    def open_report(self) -> None:
        """The broadcast's report (the sending desk's, or a window of its own)."""
        if self.report_opener is not None:
            self.report_opener(self.team_id, self.broadcast_id)
            return
        from sesdesk.ui.sending.report import BroadcastReportDialog

        dialog = BroadcastReportDialog(
            self.bridge, self.store, self.team_id, self.broadcast_id, self
        )
        dialog.show()

    def cancel(self) -> None:
        """Stop for good (in flight sends finish; pending recipients are not sent)."""
        if self.runs.cancel(self.broadcast_id):
            self.cancel_button.setEnabled(False)
            self.state_label.setText("Cancelling…")
            return
        self._run(sending.cancel_broadcast, "Cancelling", self._show_status)

    def _resend_uncertain(self) -> None:
        self._run(
            sending.resend_uncertain, "Re-queueing uncertain recipients", lambda _n: self.refresh()
        )

    # --- results ----------------------------------------------------------------------

    def _progressed(self, broadcast_id: int, progress: sending.Progress) -> None:
        if broadcast_id == self.broadcast_id:
            self._show_progress(progress)

    def _finished(self, broadcast_id: int, outcome: object) -> None:
        if broadcast_id != self.broadcast_id:
            return
        self._pausing = False
        if isinstance(outcome, sending.RunResult):
            self._show_status(outcome.status)
            if (
                outcome.stop_error is not None
                and outcome.status.state != BroadcastState.WAITING_QUOTA
            ):
                self.banner.set_message(outcome.stop_error.message, outcome.stop_error.hint)
                self.banner.show()
            self.finished_run.emit(outcome)
            return
        if isinstance(outcome, SesdeskError):
            self._show_error(outcome)
        self.refresh()
        self.finished_run.emit(None)

    def _show_error(self, error: SesdeskError) -> None:
        self.banner.set_message(error.message, error.hint)
        self.banner.show()

    def _show_progress(self, progress: sending.Progress) -> None:
        status = progress.status
        self._show_counts(status)
        if self._pausing or status.state != BroadcastState.SENDING:
            if status.state == BroadcastState.QUEUED:
                self.rate_label.setText(stop_words(status))
            elif status.in_flight:
                self.rate_label.setText(
                    f"Waiting for {status.in_flight} message(s) on their way; "
                    "no new message starts."
                )
            else:
                self.rate_label.setText(
                    "Nothing is on its way any more; recording where it stopped…"
                )
            return
        allowed = f"AWS allows {progress.allowed_rate:g}/s"
        if status.pending == 0 and status.in_flight == 0:
            # Every recipient handled: the run only records its end ("about 1 s" was a guess).
            self.rate_label.setText("Every recipient has been handled; finishing…")
            return
        if progress.rate <= 0 and status.sent == 0 and status.failed == 0:
            # No answer from AWS yet: a rate of 0 and a time left would both be guesses.
            self.rate_label.setText(f"Waiting for AWS's first answer ({allowed}).")
            return
        self.rate_label.setText(
            f"{progress.rate:.1f} recipients/s ({allowed}) · "
            f"time left {format_seconds(progress.seconds_left)}"
            + (f" · throttled {progress.throttled}×" if progress.throttled else "")
        )

    def _show_status(self, status: sending.BroadcastStatus) -> None:
        self._status = status
        what = {"test_email": "Test email", "test_campaign": "Test campaign"}.get(
            status.kind, "Broadcast"
        )
        self.title.setText(f"{what} {status.id}")
        # Sent with the mailto header only: say why there is no one-click unsubscribe.
        note = f"\n{status.unsubscribe_note}" if status.unsubscribe_note else ""
        self.subject_label.setText(f"Subject: {status.subject}{note}")
        self._show_counts(status)
        if not self.running:
            self.state_label.setText(state_words(status.state))
            self._update_buttons(status.state)
            if status.state == BroadcastState.DONE:
                self.rate_label.setText("Every recipient has been handled.")
            else:
                self.rate_label.setText(stop_words(status))
        self.resend_button.setVisible(status.uncertain > 0 and not self.running)

    def _show_counts(self, status: sending.BroadcastStatus) -> None:
        handled = status.total - status.pending - status.in_flight
        self.bar.setRange(0, max(1, status.total))
        self.bar.setValue(max(0, handled))
        self.bar.setFormat(f"{handled} of {status.total} (%p%)")
        for key, label in self.counts.items():
            label.setText(str(getattr(status, key)))
        # Messages on their way are neither pending nor sent yet: counted with Pending, so
        # the counts always add up to the total.
        if status.in_flight:
            self.counts["pending"].setText(f"{status.pending + status.in_flight}")
            self.counts["pending"].setToolTip(f"{status.in_flight} on their way now")
        else:
            self.counts["pending"].setToolTip("")

    def _update_buttons(self, state: str) -> None:
        running = self.running
        self.pause_button.setVisible(running)
        self.pause_button.setEnabled(running)
        self.resume_button.setVisible(
            not running
            and state
            not in (
                BroadcastState.DONE,
                BroadcastState.STOPPED,
                BroadcastState.SENDING,
                BroadcastState.QUEUED,
            )
        )
        self.resume_button.setText("Send" if state == BroadcastState.DRAFT else "Resume")
        self.cancel_button.setVisible(state not in (BroadcastState.DONE, BroadcastState.STOPPED))
        self.cancel_button.setEnabled(True)
        self.report_button.setVisible(
            not running and state in (BroadcastState.DONE, BroadcastState.STOPPED)
        )

    def closeEvent(self, event: Any) -> None:
        """Closing the window leaves a running broadcast sending (Pause pauses it); the
        Broadcasts view and the status bar keep showing it."""
        super().closeEvent(event)
