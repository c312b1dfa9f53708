"""The Broadcasts view: every broadcast of the team, findable, resumable and reported.

A table model that loads a page at a time off the GUI thread (Qt's canFetchMore / fetchMore)
and follows running broadcasts live; per row a Resume, Cancel and Report button; above it a
strip naming broadcasts left unfinished (a crash, a quit, a lost network) with Resume.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.models.states import BroadcastState
from sesdesk.services import broadcast_list, sending
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.progress import state_words
from sesdesk.ui.sending.runs import BroadcastRuns
from sesdesk.ui.widgets.banner import Banner
from sesdesk.ui.widgets.table_model import ColumnsModel, Index, row_table

if TYPE_CHECKING:
    from sesdesk.ui.main_window import MainWindow

PAGE = 50
COLUMNS = ("Broadcast", "State", "Progress", "Outcome", "Created", "")
ACTIONS_COLUMN = len(COLUMNS) - 1


def progress_text(status: sending.BroadcastStatus, *, percent: bool = True) -> str:
    """'97 of 300 (32 %)' — recipients handled so far."""
    handled = status.total - status.pending - status.in_flight
    if not percent:
        return f"{handled} of {status.total}"
    share = round(100 * handled / status.total) if status.total else 100
    return f"{handled} of {status.total} ({share} %)"


def outcome_text(status: sending.BroadcastStatus) -> str:
    """'97 sent · 2 failed · 1 uncertain' (failed and uncertain only when there are some)."""
    parts = [f"{status.sent} sent"]
    parts += [
        f"{n} {word}"
        for n, word in ((status.failed, "failed"), (status.uncertain, "uncertain"))
        if n
    ]
    return " · ".join(parts)


def title_text(status: sending.BroadcastStatus) -> str:
    """'#4 Spring sale → customers'."""
    where = f" → {status.list_name}" if status.list_name else ""
    test = " (test campaign)" if status.kind == "test_campaign" else ""
    return f"#{status.id} {status.subject}{where}{test}"


class BroadcastTableModel(ColumnsModel):
    """The team's broadcasts, newest first, fetched a page at a time through the Bridge."""

    columns = COLUMNS
    #: A page arrived (tests and the view wait on it).
    loaded = Signal()

    def __init__(
        self,
        bridge: Bridge,
        store: Store,
        parent: Any = None,
        *,
        running: Callable[[int], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store = bridge, store
        # Started here but still checking the account: the store says "draft" or "paused"
        # until the first send, while the progress window already says "Sending…".
        self.running = running or (lambda _broadcast_id: False)
        self.team_id: int | None = None
        self._rows: list[sending.BroadcastStatus] = []
        self._total = 0
        self._loading = False
        self._generation = 0  # drops pages that arrive for an older team or reload

    # --- loading ------------------------------------------------------------------------

    def set_team(self, team_id: int | None) -> None:
        """Show `team_id`'s broadcasts (from the first page)."""
        self.team_id = team_id
        self.reload()

    def reload(self) -> None:
        """Forget the rows and load the first page again."""
        self._generation += 1
        self.beginResetModel()
        self._rows, self._total, self._loading = [], 0, False
        self.endResetModel()
        if self.team_id is not None:
            self._load(0)

    def _load(self, offset: int) -> None:
        team_id, generation = self.team_id, self._generation
        if team_id is None:
            return
        self._loading = True

        def read() -> tuple[int, list[sending.BroadcastStatus]]:
            total = broadcast_list.count_broadcasts(self.store, team_id)
            return total, broadcast_list.broadcast_page(
                self.store, team_id, offset=offset, limit=PAGE
            )

        def arrived(result: tuple[int, list[sending.BroadcastStatus]]) -> None:
            if generation != self._generation:
                return
            self._loading = False
            total, page = result
            self._total = total
            known = {row.id for row in self._rows}
            fresh = [row for row in page if row.id not in known]
            if fresh:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
                self._rows.extend(fresh)
                self.endInsertRows()
            self.loaded.emit()

        def failed(error: SesdeskError) -> None:
            self._loading = False
            self.bridge.report(error)

        self.bridge.run(read, label="Reading broadcasts", on_success=arrived, on_failure=failed)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """More rows in the store than loaded (and no page on its way)."""
        return not parent.isValid() and not self._loading and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Load the next page off the GUI thread."""
        if self.canFetchMore(parent):
            self._load(len(self._rows))

    def update_status(self, status: sending.BroadcastStatus) -> None:
        """Replace one row's status (live progress); a new broadcast reloads the list."""
        for number, row in enumerate(self._rows):
            if row.id == status.id:
                self._rows[number] = status
                self.dataChanged.emit(self.index(number, 0), self.index(number, ACTIONS_COLUMN))
                return
        if self._rows and status.id > self._rows[0].id:
            self.reload()

    def shown_state(self, status: sending.BroadcastStatus) -> str:
        """The state to show: "sending" for a broadcast this window is sending."""
        if (
            self.running(status.id)
            and status.state not in broadcast_list.FINISHED_STATES
            and status.state != BroadcastState.QUEUED
        ):
            return BroadcastState.SENDING
        return status.state

    def refresh_rows(self) -> None:
        """Show every loaded row again (which broadcasts run has changed)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, ACTIONS_COLUMN))

    # --- Qt model -----------------------------------------------------------------------

    def status_at(self, row: int) -> sending.BroadcastStatus:
        """The broadcast shown on `row`."""
        return self._rows[row]

    def row_of(self, broadcast_id: int) -> int | None:
        """The row showing `broadcast_id`, if loaded."""
        for number, row in enumerate(self._rows):
            if row.id == broadcast_id:
                return number
        return None

    def row_total(self) -> int:
        """Rows loaded so far."""
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The text of one cell (and the stop reason as the state's tooltip)."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        status = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            created = (
                status.created_at.astimezone().strftime("%d %b %H:%M") if status.created_at else ""
            )
            values = (
                title_text(status),
                state_words(self.shown_state(status)),
                progress_text(status, percent=False),
                outcome_text(status),
                created,
                "",
            )
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and status.stop_reason:
            return status.stop_reason
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return (
                f"{status.sent} sent, {status.failed} failed, {status.suppressed} suppressed, "
                f"{status.uncertain} uncertain, {status.pending} not sent yet"
            )
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{status.subject} — from {status.from_address}"
        if role == Qt.ItemDataRole.UserRole:
            return status.id
        return None


class BroadcastsView(QWidget):
    """The Broadcasts page of the main window."""

    #: Open the progress window of a broadcast: (team id, broadcast id, start it now).
    open_progress = Signal(int, int, bool)
    #: Open a broadcast's report: (team id, broadcast id).
    open_report = Signal(int, int)
    #: Cancel a broadcast (the window asks first): (team id, broadcast id).
    cancel_requested = Signal(int, int)
    #: How many unfinished broadcasts nothing here sends (after each check).
    interrupted_found = Signal(int)

    def __init__(
        self, bridge: Bridge, store: Store, runs: BroadcastRuns, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.runs = bridge, store, runs
        self.team_id: int | None = None
        self.interrupted: list[sending.BroadcastStatus] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        header = QHBoxLayout()
        title = QLabel("Broadcasts")
        title.setObjectName("pageTitle")
        header.addWidget(title)
        header.addStretch(1)
        self.new_button = QPushButton("New broadcast…")
        self.refresh_button = QPushButton("Refresh")
        header.addWidget(self.new_button)
        header.addWidget(self.refresh_button)
        layout.addLayout(header)

        self.interrupted_banner = Banner(tone="warning")
        self.resume_interrupted_button = self.interrupted_banner.add_button(
            "Resume", "Send the rest of this broadcast (uncertain recipients are not re-sent)"
        )
        self.interrupted_banner.hide()
        layout.addWidget(self.interrupted_banner)

        self.model = BroadcastTableModel(bridge, store, self, running=runs.is_running)
        self.table = row_table(self.model, single=True)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, ACTIONS_COLUMN):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(ACTIONS_COLUMN, QHeaderView.ResizeMode.Fixed)
        self.table.doubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(
            "No broadcasts yet. Import a contact list, then write one with New broadcast…"
        )
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)

        self.model.rowsInserted.connect(self._add_row_buttons)
        self.model.dataChanged.connect(self._data_changed)
        self.model.modelReset.connect(self._sync_empty)
        self.model.loaded.connect(self._sync_empty)
        self.refresh_button.clicked.connect(self.reload)
        self.resume_interrupted_button.clicked.connect(self._resume_first_interrupted)
        runs.progressed.connect(self._progressed)
        runs.running_changed.connect(self._running_changed)
        bridge.store_changed.connect(self._store_changed)
        self._buttons: dict[int, dict[str, QPushButton]] = {}

    # --- data ---------------------------------------------------------------------------

    def set_team(self, team_id: int | None) -> None:
        """Show `team_id`'s broadcasts."""
        self.team_id = team_id
        self._buttons.clear()
        self.model.set_team(team_id)
        self.check_interrupted()

    def reload(self) -> None:
        """Re-read the list and the unfinished broadcasts."""
        self._buttons.clear()
        self.model.reload()
        self.check_interrupted()

    def check_interrupted(self) -> None:
        """Look for started broadcasts with recipients left that nothing here is sending."""
        team_id = self.team_id
        if team_id is None:
            self.interrupted_banner.hide()
            return
        running = self.runs.running_ids()
        self.bridge.run(
            lambda: broadcast_list.interrupted_broadcasts(self.store, team_id, running=running),
            label="Looking for unfinished broadcasts",
            on_success=lambda found: self._show_interrupted(team_id, found),
        )

    def _show_interrupted(self, team_id: int, found: list[sending.BroadcastStatus]) -> None:
        if team_id != self.team_id:
            return
        found = [status for status in found if not self.runs.is_running(status.id)]
        self.interrupted = found
        self.interrupted_found.emit(len(found))
        if not found:
            self.interrupted_banner.hide()
            return
        first = found[0]
        more = f" (and {len(found) - 1} more, listed below)" if len(found) > 1 else ""
        # Rows still `sending` with no sender running were cut off mid-call: uncertain too.
        unsettled = first.uncertain + first.in_flight
        uncertain = (
            f"; {unsettled} may or may not have received it and are not re-sent"
            if unsettled
            else ""
        )
        self.interrupted_banner.set_message(
            f"Broadcast “{first.subject}” stopped at {progress_text(first)}{uncertain}{more}.",
            f"{state_words(first.state)}"
            + (f": {_without_state(first.stop_reason)}" if first.stop_reason else "")
            + ". Resume sends the rest.",
        )
        self.interrupted_banner.show()

    def _resume_first_interrupted(self) -> None:
        if self.interrupted and self.team_id is not None:
            self.open_progress.emit(self.team_id, self.interrupted[0].id, True)

    def _store_changed(self, team_id: int) -> None:
        if team_id in (0, self.team_id) and self.isVisible():
            self.reload()

    def _progressed(self, broadcast_id: int, progress: sending.Progress) -> None:
        if progress.status.id == broadcast_id and self.team_id is not None:
            self.model.update_status(progress.status)

    def _running_changed(self) -> None:
        self.model.refresh_rows()  # its buttons follow through dataChanged
        for row in range(self.model.rowCount()):
            self._sync_buttons(row)
        self.check_interrupted()

    # --- per-row buttons ----------------------------------------------------------------

    def _add_row_buttons(self, _parent: Any, first: int, last: int) -> None:
        for row in range(first, last + 1):
            status = self.model.status_at(row)
            cell = QWidget()
            line = QHBoxLayout(cell)
            line.setContentsMargins(2, 0, 2, 0)
            line.setSpacing(4)
            buttons = {
                "resume": QPushButton("Resume"),
                "cancel": QPushButton("Cancel"),
                "report": QPushButton("Report"),
            }
            metrics = cell.fontMetrics()
            for button in buttons.values():
                button.setAutoDefault(False)
                # Compact: the subject column needs the room more than the buttons do.
                button.setFixedWidth(metrics.horizontalAdvance(button.text()) + 20)
                line.addWidget(button)
            broadcast_id = status.id
            buttons["resume"].clicked.connect(lambda _c=False, b=broadcast_id: self._resume(b))
            buttons["cancel"].clicked.connect(
                lambda _c=False, b=broadcast_id: self._emit(self.cancel_requested, b)
            )
            buttons["report"].clicked.connect(
                lambda _c=False, b=broadcast_id: self._emit(self.open_report, b)
            )
            self._buttons[broadcast_id] = buttons
            self.table.setIndexWidget(self.model.index(row, ACTIONS_COLUMN), cell)
            # Index widgets do not count for ResizeToContents: size the column and rows to them.
            hint = cell.sizeHint()
            self.table.setColumnWidth(ACTIONS_COLUMN, hint.width())
            self.table.verticalHeader().setDefaultSectionSize(hint.height() + 2)
            self._sync_buttons(row)
        self._fit_columns()
        self._sync_empty()

    def _fit_columns(self) -> None:
        # Every reload sizes the header on an empty table, and rows arriving later do not size
        # it again: State, Progress, Outcome and Created were cut to their titles' width.
        for column in range(1, ACTIONS_COLUMN):
            self.table.resizeColumnToContents(column)

    def _emit(self, signal: Any, broadcast_id: int) -> None:
        if self.team_id is not None:
            signal.emit(self.team_id, broadcast_id)

    def _resume(self, broadcast_id: int) -> None:
        if self.team_id is not None:
            start = not self.runs.is_running(broadcast_id)
            self.open_progress.emit(self.team_id, broadcast_id, start)

    def _data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: Any) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            self._sync_buttons(row)
        self._fit_columns()  # "Sending…" becomes "Waiting for the daily quota"

    def _sync_buttons(self, row: int) -> None:
        status = self.model.status_at(row)
        buttons = self._buttons.get(status.id)
        if buttons is None:
            return
        running = self.runs.is_running(status.id)
        finished = status.state in broadcast_list.FINISHED_STATES
        buttons["resume"].setText(
            "Show" if running else ("Send" if status.state == BroadcastState.DRAFT else "Resume")
        )
        buttons["resume"].setEnabled(running or (not finished and status.pending > 0))
        buttons["cancel"].setEnabled(not finished)

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.team_id is not None:
            self.open_progress.emit(self.team_id, self.model.status_at(index.row()).id, False)

    def _sync_empty(self) -> None:
        self.empty_label.setVisible(self.model.rowCount() == 0 and not self.model.canFetchMore())

    def button(self, broadcast_id: int, which: str) -> QPushButton:
        """The Resume / Cancel / Report button of a loaded broadcast (tests, accessibility)."""
        return self._buttons[broadcast_id][which]


class PageSwitch(QObject):
    """Dashboard ⇄ Broadcasts: two exclusive actions for the toolbar and the View menu."""

    def __init__(
        self, parent: QWidget, stack: QStackedWidget, dashboard: QWidget, broadcasts: BroadcastsView
    ) -> None:
        super().__init__(parent)
        self.stack, self.dashboard, self.broadcasts = stack, dashboard, broadcasts
        group = QActionGroup(self)
        self.dashboard_action = QAction("&Dashboard", parent)
        self.dashboard_action.setShortcut(QKeySequence("Ctrl+1"))
        self.broadcasts_action = QAction("&Broadcasts", parent)
        self.broadcasts_action.setShortcut(QKeySequence("Ctrl+2"))
        self.broadcasts_action.setStatusTip("Every broadcast: progress, Resume, Cancel, Report")
        self.actions = (self.dashboard_action, self.broadcasts_action)
        for action in self.actions:
            action.setCheckable(True)
            group.addAction(action)
        self.dashboard_action.setChecked(True)
        self.dashboard_action.triggered.connect(self.show_dashboard)
        self.broadcasts_action.triggered.connect(self.show_broadcasts)
        self._startup_checked = False

    def show_dashboard(self) -> None:
        """The team's dashboard."""
        self.dashboard_action.setChecked(True)
        self.stack.setCurrentWidget(self.dashboard)

    def show_broadcasts(self) -> None:
        """The Broadcasts page, re-read."""
        self.broadcasts_action.setChecked(True)
        self.stack.setCurrentWidget(self.broadcasts)
        self.broadcasts.reload()

    def show_interrupted(self, count: int) -> None:
        """At start, unfinished broadcasts bring the Broadcasts page forward (once)."""
        if self._startup_checked:
            return
        self._startup_checked = True
        if count:
            self.broadcasts_action.setChecked(True)
            self.stack.setCurrentWidget(self.broadcasts)


def attach_broadcasts(window: MainWindow, store: Store) -> None:
    """Give `window` its Broadcasts page, sending desk and page switch (toolbar, View menu)."""
    from sesdesk.ui.sending.desk import SendingDesk

    desk = window.sending_desk = SendingDesk(window.bridge, store, window)
    view = window.broadcasts_view = BroadcastsView(window.bridge, store, desk.runs)
    window.stack.addWidget(view)
    window.status.addPermanentWidget(desk.indicator)
    assert window.dashboard is not None
    pages = window.pages = PageSwitch(window, window.stack, window.dashboard, view)
    window.toolbar.addSeparator()
    for action in pages.actions:
        window.toolbar.addAction(action)
        window.view_menu.addAction(action)
    view.open_progress.connect(lambda t, b, start: desk.open_progress(t, b, start=start))
    view.cancel_requested.connect(desk.cancel)
    view.open_report.connect(desk.open_report)
    view.new_button.clicked.connect(lambda: window.open_fix("compose", "broadcast"))
    view.interrupted_found.connect(pages.show_interrupted)


def _without_state(reason: str) -> str:
    """A stop reason shown after its state's word: "paused: x" would read "Paused: paused: x"."""
    head, sep, rest = reason.partition(": ")
    return rest if sep and head.lower() in ("paused", "stopped") else reason
