"""A broadcast's report: its counts, and every recipient's state and SES outcome."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.models.feedback import BOUNCED, REJECTED
from sesdesk.models.states import BroadcastState, RecipientState
from sesdesk.services import broadcast_list, sending
from sesdesk.services.feedback.report import PROBABLY_NOT_SENT, ReportRow, broadcast_report
from sesdesk.services.feedback.uncertain import release_probably_not_sent
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.progress import state_words, stop_words
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.close_box import close_box
from sesdesk.ui.widgets.keys import close_on_ctrl_w

#: Outcomes that mean the message did not reach the recipient although SES took it.
NOT_RECEIVED_OUTCOMES = frozenset({BOUNCED, REJECTED, PROBABLY_NOT_SENT})


def did_not_get_it(row: ReportRow) -> bool:
    """True for a recipient the message did not reach (or may not have): not sent, bounced,
    rejected, or probably not sent."""
    return row.state != RecipientState.SENT or row.outcome in NOT_RECEIVED_OUTCOMES


def read_report(
    store: Store, team_id: int, broadcast_id: int
) -> tuple[sending.BroadcastStatus, list[ReportRow]]:
    """The broadcast's counts and every recipient's state and outcome (blocking)."""
    status = broadcast_list.read_status(store, team_id, broadcast_id)
    return status, broadcast_report(store, team_id, broadcast_id)


#: Rows the table shows at most (the CLI's `broadcast report --json` lists them all).
SHOWN_ROWS = 2_000


class BroadcastReportDialog(QDialog):
    """Counts, times and every recipient's state and what SES said about it; by default only
    the recipients who did not get the message, with why."""

    def __init__(
        self,
        bridge: Bridge,
        store: Store,
        team_id: int,
        broadcast_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge, self._store = bridge, store
        self._team_id, self._broadcast_id = team_id, broadcast_id
        self._rows: list[ReportRow] = []
        self.setWindowTitle(f"Report: broadcast {broadcast_id}")
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.only_missed = QCheckBox("Only the recipients who did not get it")
        self.only_missed.setChecked(True)
        self.only_missed.toggled.connect(lambda _on: self._fill())
        layout.addWidget(self.only_missed)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Recipient", "State", "Outcome", "Why"])
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        self.more_note = QLabel("")  # the table's limit
        self.more_note.hide()
        layout.addWidget(self.more_note)
        self.note = QLabel("")  # what the last action did
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        buttons, self.resend_button = close_box(
            self,
            "Re-send the probably not sent",
            "Recipients left uncertain for whom SES reported nothing 15 minutes on: put them "
            "back in the queue (then Resume the broadcast).",
            self._resend,
        )
        layout.addWidget(buttons)
        close_on_ctrl_w(self)
        fit_to_screen(self, 720, 460)
        self._read()

    def _read(self) -> None:
        self._bridge.run(
            read_report,
            self._store,
            self._team_id,
            self._broadcast_id,
            label="Reading the report",
            on_success=self._show,
            on_failure=self._failed,
        )

    def _show(self, result: tuple[sending.BroadcastStatus, list[ReportRow]]) -> None:
        status, self._rows = result
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
            + f"<br>SES reported {status.delivered} delivered, {status.bounced} bounced, "
            f"{status.complained} complained."
            + (f"<br>{why}" if why and status.state != BroadcastState.DONE else "")
        )
        unsure = sum(1 for row in self._rows if row.outcome == PROBABLY_NOT_SENT)
        self.resend_button.setText(f"Re-send the {unsure} probably not sent")
        self.resend_button.setVisible(unsure > 0)
        self._fill()

    def _fill(self) -> None:
        rows = self._rows
        if self.only_missed.isChecked():
            rows = [row for row in rows if did_not_get_it(row)]
        shown = rows[:SHOWN_ROWS]
        self.table.setRowCount(len(shown))
        for number, row in enumerate(shown):
            for column, text in enumerate(
                (row.email, row.state, row.outcome or "", row.detail or "")
            ):
                self.table.setItem(number, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.more_note.setText(
            f"Showing the first {SHOWN_ROWS:,} of {len(rows):,}: "
            f"`sesdesk broadcast report --json` lists them all."
        )
        self.more_note.setVisible(len(rows) > SHOWN_ROWS)

    def _resend(self) -> None:
        self.resend_button.setEnabled(False)

        def done(count: int) -> None:
            self.resend_button.setEnabled(True)
            self.note.setText(
                f"{count} recipient(s) are back in the queue: Resume the broadcast to send them."
            )
            self.note.show()
            self._read()

        self._bridge.run(
            release_probably_not_sent,
            self._store,
            self._team_id,
            self._broadcast_id,
            label="Putting the probably-not-sent recipients back in the queue",
            changes=self._team_id,
            on_success=done,
            on_failure=self._failed,
        )

    def _failed(self, error: SesdeskError) -> None:
        self.resend_button.setEnabled(True)
        self.summary.setText(error.message)
