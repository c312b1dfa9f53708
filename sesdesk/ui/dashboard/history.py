"""The history card: every observed status change, newest first, filterable, exportable."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from sesdesk.ui.dashboard.common import card_table, local_time, value_label
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.columns import ColumnShares
from sesdesk.ui.widgets.table_model import ColumnsModel, Index

if TYPE_CHECKING:
    from sesdesk.services.state import EventView

COLUMNS = ("When", "Subject", "Change", "What happened")
CSV_HEADER = ("at_utc", "subject", "field", "old", "new", "message")
#: The table shows this many rows before it scrolls.
VISIBLE_ROWS = 10
#: The filter searches the store this long after the last key (the rows on screen at once).
SEARCH_DELAY_MS = 120
#: The filter's store search reads at most the team's newest this many events.
SEARCH_NEWEST = 50_000


def _subject(subject: str) -> str:
    kind, _, name = subject.partition(":")
    return name or kind.title()


class EventTableModel(ColumnsModel):
    """Status events as rows."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.events: tuple[EventView, ...] = ()

    def set_events(self, events: tuple[EventView, ...]) -> None:
        """Replace the rows when they changed."""
        if events == self.events:
            return
        old = self.events
        if old and events:
            # Usually a few new events on top (and the oldest falling off the end): insert
            # and remove those rows instead of resetting the whole table.
            ids = [event.id for event in events]
            if old[0].id in ids:
                new_count = ids.index(old[0].id)
                kept = len(events) - new_count
                if events[new_count:] == old[:kept]:
                    if kept < len(old):
                        self.beginRemoveRows(QModelIndex(), kept, len(old) - 1)
                        self.events = old[:kept]
                        self.endRemoveRows()
                    if new_count:
                        self.beginInsertRows(QModelIndex(), 0, new_count - 1)
                        self.events = events
                        self.endInsertRows()
                    self.events = events
                    return
        self.beginResetModel()
        self.events = events
        self.endResetModel()

    def row_total(self) -> int:
        """One row per item."""
        return len(self.events)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text (and the full message as a tooltip)."""
        if not index.isValid():
            return None
        event = self.events[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return local_time(event.at)
            if column == 1:
                return _subject(event.subject)
            if column == 2:
                return f"{event.field}: {event.old_value or '—'} → {event.new_value or '—'}"
            return event.message
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{event.at:%Y-%m-%d %H:%M:%S} UTC — {event.message}"
        if role == Qt.ItemDataRole.UserRole:
            # What the filter matches: subject and message, as the brief says.
            return f"{event.subject} {event.message}"
        return None


class HistoryCard(Card):
    """Status events, filterable by text or subject, exportable to CSV."""

    #: Export finished: (path, rows) — or failed: (message, -1).
    exported = Signal(str, int)
    #: The filter's store search is shown: the number of matching rows.
    searched = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("History", parent)
        self.model = EventTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        tools = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by identity, subject or text…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search_store)
        self._searches = 0  # bumped by each search: older answers are dropped
        self._all_events: tuple[EventView, ...] = ()
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._ask_export)
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.export_button)
        self.body.addLayout(tools)
        self.table = card_table(self.proxy)
        # When fits its time; "What happened" keeps ~45 % (the full text is the tooltip).
        self.columns = ColumnShares(self.table, (None, 0.22, 0.3))
        self.proxy.modelReset.connect(self._fit_rows)
        self.proxy.rowsInserted.connect(self._fit_rows)
        self.proxy.rowsRemoved.connect(self._fit_rows)
        self.table.setAccessibleName("History of status changes")
        self.body.addWidget(self.table)
        self.search_note = value_label(
            f"The filter searches the newest {SEARCH_NEWEST:,} events; Export CSV searches all.",
            muted=True,
        )
        self.search_note.hide()
        self.body.addWidget(self.search_note)
        self.empty = value_label("Nothing recorded yet.", muted=True)
        self.body.addWidget(self.empty)
        self.store: Any = None
        self.team_id: int | None = None
        self.bridge: Any = None

    def _fit_rows(self, *_args: Any) -> None:
        # As tall as its rows, up to VISIBLE_ROWS: the table's own hint showed about five.
        rows = min(max(self.proxy.rowCount(), 3), VISIBLE_ROWS)
        height = (
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        if self.table.horizontalScrollBar().isVisible():
            height += self.table.horizontalScrollBar().sizeHint().height()
        self.table.setFixedHeight(height)

    def show_snapshot(self, snapshot: Any) -> None:
        """History comes with `show_events`; the snapshot adds nothing here."""

    def show_events(self, events: tuple[EventView, ...]) -> None:
        """Show `events` (newest first)."""
        self._all_events = tuple(events)
        if self.filter.text().strip():
            self._filter_changed(self.filter.text())
        else:
            self.model.set_events(self._all_events)
        self.empty.setVisible(not events)
        self.table.setVisible(bool(events))

    def _filter_changed(self, text: str) -> None:
        # The rows on screen filter at once; older matches come from the store a moment later.
        self.proxy.setFilterFixedString(text)
        if not text.strip():
            self._searches += 1
            self._search_timer.stop()
            self.search_note.hide()
            self.model.set_events(self._all_events)
        elif self.bridge is not None and self.store is not None and self.team_id is not None:
            self._search_timer.start()

    def search_store(self) -> None:
        """Fill the table with the store's newest events matching the filter (off the GUI
        thread)."""
        from sesdesk.services.state import recent_events
        from sesdesk.ui.dashboard.common import HISTORY_ROWS

        self._search_timer.stop()
        text = self.filter.text()
        if not text.strip() or self.bridge is None or self.store is None or self.team_id is None:
            return
        self._searches += 1
        search = self._searches
        store, team_id = self.store, self.team_id

        def shown(events: list[EventView]) -> None:
            if search != self._searches:
                return  # the filter changed since
            self.model.set_events(tuple(events))
            self.search_note.show()
            self.searched.emit(len(events))

        self.bridge.run(
            lambda: recent_events(
                store, team_id, text=text, limit=HISTORY_ROWS, newest=SEARCH_NEWEST
            ),
            label="Searching history",
            on_success=shown,
        )

    def visible_rows(self) -> int:
        """Rows left after the filter."""
        return self.proxy.rowCount()

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export history", "sesdesk-history.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> None:
        """Write the whole history (under the current filter) to `path`, off the GUI thread."""
        if self.bridge is None or self.store is None or self.team_id is None:
            return
        text = self.filter.text()

        def done(rows: int) -> None:
            self.exported.emit(str(path), rows)

        def failed(error: Any) -> None:
            self.exported.emit(error.message, -1)

        self.bridge.run(
            write_history_csv,
            self.store,
            self.team_id,
            path,
            text,
            label="Exporting history",
            on_success=done,
            on_failure=failed,
        )


def write_history_csv(store: Any, team_id: int, path: Path, text: str = "") -> int:
    """Write the team's history (filtered by `text`) as CSV; returns the row count. Blocking."""
    from sesdesk.errors import EnvironmentProblem
    from sesdesk.services.state import recent_events

    events = recent_events(store, team_id, text=text, limit=1_000_000)
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADER)
            for event in events:
                writer.writerow(
                    (
                        event.at.isoformat(),
                        event.subject,
                        event.field,
                        event.old_value or "",
                        event.new_value or "",
                        event.message,
                    )
                )
    except OSError as exc:
        raise EnvironmentProblem(f"Could not write {path}: {exc.strerror}.") from None
    return len(events)
