"""Where the window's sending comes together: confirming a start, progress windows, cancelling,
reports, the status-bar indicator, resuming when quota returns, and asking before quitting.

Every start of a new broadcast is confirmed ("Send to 300 people now?" with the from address,
the list and today's quota left). Quitting while a broadcast sends asks first; "Pause and
quit" lets the sends in flight finish, so the broadcast ends `paused` with none `uncertain`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from sesdesk.models import Store
from sesdesk.models.states import BroadcastState
from sesdesk.services import broadcast_list, sending
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.progress import PAUSING_TEXT, SendProgressWindow
from sesdesk.ui.sending.readiness_note import (
    BLOCKED_QUESTION,
    CheckedPlan,
    plan_with_readiness,
    readiness_lines,
)
from sesdesk.ui.sending.report import BroadcastReportDialog
from sesdesk.ui.sending.runs import BroadcastRuns
from sesdesk.ui.widgets.ask import ask

log = logging.getLogger(__name__)

QUIT_PAUSE_REASON = "paused: sesdesk was closed"


def confirm_text(plan: broadcast_list.SendPlan) -> tuple[str, str]:
    """The question and the details of the "Send to N people now?" box."""
    status = plan.status
    people = "person" if plan.recipients_left == 1 else "people"
    question = f"Send to {plan.recipients_left} {people} now?"
    lines = [f"From: {status.from_address}"]
    if status.list_name:
        lines.append(f"List: {status.list_name}")
    lines.append(f"Subject: {status.subject}")
    if plan.unsubscribed:
        lines.append(f"Skipped: {plan.unsubscribed} unsubscribed since it was written")
    if plan.quota_left is None:
        lines.append("Today's quota left: not known yet (AWS has not been asked)")
    else:
        lines.append(f"Today's quota left: {plan.quota_left}")
    if plan.over_quota:
        lines.append(
            f"Only {plan.quota_left} can go out today; the rest waits for quota and is sent "
            "by itself when AWS frees it, while sesdesk is open."
        )
    return question, "\n".join(lines)


class SendingDesk(QObject):
    """The window's sending: one per main window (or per compose window opened on its own)."""

    #: A new broadcast began sending (tests wait on it).
    started = Signal(int)

    def __init__(self, bridge: Bridge, store: Store, window: QWidget) -> None:
        super().__init__(window)
        self.bridge, self.store, self.window = bridge, store, window
        self.runs = BroadcastRuns(bridge, store, parent=self)
        self.progress_windows: dict[int, SendProgressWindow] = {}
        self.confirm_box: QMessageBox | None = None
        self.cancel_box: QMessageBox | None = None
        self.quit_box: QMessageBox | None = None
        self.report_dialog: BroadcastReportDialog | None = None
        self._teams: dict[int, int] = {}  # broadcast id → team id, for running ones
        self._waiting_quota: dict[int, int] = {}  # broadcast id → team id
        self._after_pause: Callable[[], None] | None = None
        self.quitting = False  # "Pause and quit" was chosen
        self.indicator = QPushButton()
        self.indicator.setFlat(True)
        self.indicator.setObjectName("sendingIndicator")
        self.indicator.setToolTip("Broadcasts sending in the background: click to show")
        self.indicator.hide()
        self.indicator.clicked.connect(self._indicator_clicked)
        self.runs.progressed.connect(self._progressed)
        self.runs.finished.connect(self._finished)
        self.runs.running_changed.connect(self._running_changed)
        bridge.store_changed.connect(self._store_changed)

    # --- starting -----------------------------------------------------------------------

    def open_progress(self, team_id: int, broadcast_id: int, *, start: bool = False) -> None:
        """Show the broadcast's progress window; with `start`, send it (a draft after asking)."""
        if not start or self.runs.is_running(broadcast_id):
            self._show_window(team_id, broadcast_id)
            return
        self.bridge.run(
            plan_with_readiness,
            self.store,
            team_id,
            broadcast_id,
            label="Reading the broadcast and checking inbox readiness",
            on_success=lambda checked: self._plan_read(team_id, checked),
        )

    def _plan_read(self, team_id: int, checked: CheckedPlan) -> None:
        plan = checked.plan
        if plan.status.state != BroadcastState.DRAFT:
            self._start(team_id, plan.status.id)
            return
        question, details = confirm_text(plan)
        details += "\n\n" + "\n".join(readiness_lines(checked))

        def answered(send: bool) -> None:
            self.confirm_box = None
            if send:
                self._start(team_id, plan.status.id)
            else:  # the draft stays in Broadcasts, to send later
                self.bridge.store_changed.emit(team_id)

        self.confirm_box = ask(
            self.window,
            title="Send the broadcast?",
            text=question,
            details=details,
            yes="Send now",
            no="Not now",
            # Enter must not mail a whole list: sending takes a click (or Tab, then Enter).
            on_answer=answered,
        )
        self.confirm_box.setProperty("broadcast_id", plan.status.id)
        if checked.blocked:
            self.confirm_box.setText(BLOCKED_QUESTION)
            self.confirm_box.setIcon(QMessageBox.Icon.Warning)
            for button in self.confirm_box.buttons():
                if self.confirm_box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole:
                    button.setEnabled(False)

    def _start(self, team_id: int, broadcast_id: int, *, show: bool = True) -> None:
        self._teams[broadcast_id] = team_id
        self._waiting_quota.pop(broadcast_id, None)
        window = self.progress_windows.get(broadcast_id)
        if show or window is None:
            window = self._show_window(team_id, broadcast_id)
        window.start()
        self.started.emit(broadcast_id)

    def _show_window(self, team_id: int, broadcast_id: int) -> SendProgressWindow:
        window = self.progress_windows.get(broadcast_id)
        if window is None:
            window = SendProgressWindow(
                self.bridge, self.store, team_id, broadcast_id, self.window, runs=self.runs
            )
            window.report_opener = self.open_report
            self.progress_windows[broadcast_id] = window
        if window.isVisible():  # already open somewhere: bring it forward
            window.raise_()
            window.activateWindow()
        else:
            window.show()
        if self.runs.is_running(broadcast_id):
            last = self.runs.last_progress(broadcast_id)
            if last is not None:
                window._show_progress(last)
        return window

    # --- cancelling and reports ---------------------------------------------------------

    def cancel(self, team_id: int, broadcast_id: int) -> None:
        """Ask, then cancel the broadcast (running or not)."""

        def answered(stop: bool) -> None:
            self.cancel_box = None
            if not stop or self.runs.cancel(broadcast_id):
                return
            self.bridge.run(
                sending.cancel_broadcast,
                self.store,
                team_id,
                broadcast_id,
                label="Cancelling the broadcast",
                changes=team_id,
            )

        self.cancel_box = ask(
            self.window,
            title="Cancel the broadcast?",
            text=f"Cancel broadcast {broadcast_id} for good?",
            details="Recipients not sent yet will not get it. Those already sent are not affected.",
            yes="Cancel broadcast",
            no="Keep it",
            icon=QMessageBox.Icon.Warning,
            yes_role=QMessageBox.ButtonRole.DestructiveRole,
            on_answer=answered,
        )

    def open_report(self, team_id: int, broadcast_id: int) -> BroadcastReportDialog:
        """Show the broadcast's report."""
        dialog = BroadcastReportDialog(self.bridge, self.store, team_id, broadcast_id, self.window)
        self.report_dialog = dialog
        dialog.show()
        return dialog

    # --- following runs -----------------------------------------------------------------

    def _progressed(self, broadcast_id: int, progress: sending.Progress) -> None:
        self._update_indicator()
        self._quit_when_settled()

    def _finished(self, broadcast_id: int, outcome: object) -> None:
        team_id = self._teams.pop(broadcast_id, None)
        if (
            isinstance(outcome, sending.RunResult)
            and outcome.status.state == BroadcastState.WAITING_QUOTA
            and team_id is not None
        ):
            self._waiting_quota[broadcast_id] = team_id

    def _running_changed(self) -> None:
        self._update_indicator()
        self._quit_when_settled()

    def sends_settled(self) -> bool:
        """True when no broadcast of this window has a message on its way or can start one:
        each has ended, or has reported its stop with nothing in flight (what is left of
        its run is bookkeeping: a last read of the account, its leases given back)."""
        for broadcast_id in self.runs.running_ids():
            last = self.runs.last_progress(broadcast_id)
            # "Sending" or "queued" may be older than a send started since: not settled.
            if (
                last is None
                or last.status.state in (BroadcastState.SENDING, BroadcastState.QUEUED)
                or last.status.in_flight
            ):
                return False
        return True

    def _quit_when_settled(self) -> None:
        if self._after_pause is not None and self.sends_settled():
            then, self._after_pause = self._after_pause, None
            then()

    def _update_indicator(self) -> None:
        running = sorted(self.runs.running_ids())
        if not running:
            self.indicator.hide()
            return
        if self.quitting:
            self.indicator.setText(PAUSING_TEXT)
            self.indicator.show()
            return
        first = running[0]
        last = self.runs.last_progress(first)
        text = f"Sending broadcast {first}"
        if last is not None:
            status = last.status
            text += f": {status.total - status.pending - status.in_flight} of {status.total}"
        if len(running) > 1:
            text += f" (+{len(running) - 1} more)"
        self.indicator.setText(text)
        self.indicator.show()

    def _indicator_clicked(self) -> None:
        running = sorted(self.runs.running_ids())
        if running:
            broadcast_id = running[0]
            window = self.progress_windows.get(broadcast_id)
            team_id = window.team_id if window is not None else self._teams.get(broadcast_id)
            if team_id is not None:
                self._show_window(team_id, broadcast_id)

    def _store_changed(self, team_id: int) -> None:
        """After a poll: resume broadcasts that waited for quota, once quota is back."""
        waiting = {b: t for b, t in self._waiting_quota.items() if team_id in (0, t)}
        for broadcast_id, owner in waiting.items():
            self.bridge.run(
                broadcast_list.quota_left,
                self.store,
                owner,
                label="Checking today's quota",
                on_success=functools.partial(self._quota_read, owner, broadcast_id),
                on_failure=lambda error: log.info("quota check failed: %s", error.message),
            )

    def _quota_read(self, team_id: int, broadcast_id: int, left: int | None) -> None:
        if left and broadcast_id in self._waiting_quota and not self.runs.is_running(broadcast_id):
            log.info("quota is back (%s left): resuming broadcast %s", left, broadcast_id)
            self._start(team_id, broadcast_id, show=False)

    # --- quitting -----------------------------------------------------------------------

    def ask_before_quit(self, then: Callable[[], None]) -> bool:
        """False if nothing sends (quit now); else ask, and on "Pause and quit" pause every
        broadcast and call `then` once the sends in flight have finished."""
        running = sorted(self.runs.running_ids())
        if not running or (self.quitting and self.sends_settled()):
            return False
        if self.quit_box is not None or self._after_pause is not None:
            return True
        last = self.runs.last_progress(running[0])
        where = ""
        if last is not None:
            status = last.status
            where = f" ({status.total - status.pending - status.in_flight} of {status.total} done)"
        names = ", ".join(str(b) for b in running)

        def answered(pause: bool) -> None:
            self.quit_box = None
            if not pause:
                return
            self._after_pause = then
            self.quitting = True
            self.runs.pause_all(QUIT_PAUSE_REASON)
            for broadcast_id in self.runs.running_ids():
                window = self.progress_windows.get(broadcast_id)
                if window is not None:
                    window.show_pausing()
            self._running_changed()

        self.quit_box = ask(
            self.window,
            title="A broadcast is sending",
            text=f"Broadcast {names} is still sending{where}. Pause it and quit?",
            details="Messages already on their way finish first; the rest waits. Resume it "
            "from Broadcasts the next time you open sesdesk.",
            yes="Pause and quit",
            no="Keep sending",
            on_answer=answered,
        )
        return True
