"""Table columns sized as shares of the table's width, so the last column (usually the message a
row is about) keeps its share on a small screen instead of what fixed widths leave of it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHeaderView, QTableView


class ColumnShares(QObject):
    """Keeps `table`'s columns at `shares` of its width: a float is that share of the viewport,
    None fits the column to its contents; the last column takes the rest. Applied whenever the
    table is resized; the user may still drag a column until the next resize."""

    def __init__(self, table: QTableView, shares: Sequence[float | None]) -> None:
        super().__init__(table)
        self.table = table
        self.shares = tuple(shares)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, share in enumerate(self.shares):
            mode = (
                QHeaderView.ResizeMode.ResizeToContents
                if share is None
                else QHeaderView.ResizeMode.Interactive
            )
            header.setSectionResizeMode(column, mode)
        table.viewport().installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        """Size the shared columns for the table's current width."""
        width = self.table.viewport().width()
        header = self.table.horizontalHeader()
        for column, share in enumerate(self.shares):
            if share is not None:
                header.resizeSection(column, max(header.minimumSectionSize(), int(width * share)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-share the columns when the viewport changes width."""
        if event.type() == QEvent.Type.Resize:
            self.apply()
        return False
