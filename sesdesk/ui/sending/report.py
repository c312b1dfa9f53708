"""A broadcast's report: its counts, and every recipient not sent with the reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.models.states import BroadcastState, RecipientState
from sesdesk.services import broadcast_list, sending
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.progress import state_words, stop_words
from sesdesk.ui.style import fit_to_screen

#: The report lists at most this many recipients of each state (the CLI exports them all).
SHOWN_PER_STATE = 200
NOT_SENT_STATES = (
    RecipientState.FAILED,
    RecipientState.UNCERTAIN,
    RecipientState.SUPPRESSED,
    RecipientState.PENDING,
)


def read_report(
    store: Store, team_id: int, broadcast_id: int
) -> tuple[sending.BroadcastStatus, list[sending.RecipientInfo]]:
    """The broadcast's counts and its recipients that were not sent (blocking)."""
    status = broadcast_list.read_status(store, team_id, broadcast_id)
    rows: list[sending.RecipientInfo] = []
    for state in NOT_SENT_STATES:
        rows += sending.recipients(store, team_id, broadcast_id, state=state, limit=SHOWN_PER_STATE)
    return status, rows


class BroadcastReportDialog(QDialog):
    """Counts, times and the recipients who did not get the message, with why."""

    def __init__(
        self,
        bridge: Bridge,
        store: Store,
        team_id: int,
        broadcast_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Report: broadcast {broadcast_id}")
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Recipient", "Outcome", "Why"])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, 640, 420)
        bridge.run(
            read_report,
            store,
            team_id,
            broadcast_id,
            label="Reading the report",
            on_success=self._show,
            on_failure=self._failed,
        )

    def _show(self, result: tuple[sending.BroadcastStatus, list[sending.RecipientInfo]]) -> None:
        status, rows = result
        when = ""
        if status.started_at:
            when = f" Started {status.started_at.astimezone():%Y-%m-%d %H:%M}"
            if status.finished_at:
                when += f", finished {status.finished_at.astimezone():%Y-%m-%d %H:%M}"
            when += "."
        why = stop_words(status)
        self.summary.setText(
            f"<b>{status.subject}</b> from {status.from_address}"
            + (f" to the list {status.list_name}" if status.list_name else "")
            + f"<br>{state_words(status.state)}: {status.sent} sent, {status.failed} failed, "
            f"{status.suppressed} suppressed, {status.uncertain} uncertain, "
            f"{status.pending} not yet sent, of {status.total}.{when}"
            + (f"<br>{why}" if why and status.state != BroadcastState.DONE else "")
        )
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            for column, text in enumerate((row.email, row.state, row.error or "")):
                self.table.setItem(number, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _failed(self, error: SesdeskError) -> None:
        self.summary.setText(error.message)
