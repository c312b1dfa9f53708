"""The identities card: every sender identity with a status chip and what it means.

A table view over a small model: 200 identities reset in a few milliseconds, and only the
visible rows are painted. The buttons act on the selected identity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QPushButton, QWidget

from sesdesk.models.states import IdentityStatus
from sesdesk.ui.dashboard.common import button_row, card_table, value_label
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.columns import ColumnShares
from sesdesk.ui.widgets.table_model import ColumnsModel, Index

if TYPE_CHECKING:
    from sesdesk.services.state import IdentityView, TeamSnapshot

#: Chip colours by tone: (background, text) — the same palette as the status pills.
TONE_COLOURS = {
    "ok": ("#def7ec", "#03543f"),
    "warn": ("#fdf6b2", "#723b13"),
    "bad": ("#fde8e8", "#9b1c1c"),
    "neutral": ("#e4e7eb", "#323f4b"),
}
COLUMNS = ("Identity", "Type", "Status", "What it means")


class IdentityTableModel(ColumnsModel):
    """Identities as rows: name, kind, status chip, explanation."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.identities: tuple[IdentityView, ...] = ()
        self._rows: list[tuple[str, str, str, str, str]] = []
        self._brushes = {
            tone: (QBrush(QColor(bg)), QBrush(QColor(fg)))
            for tone, (bg, fg) in TONE_COLOURS.items()
        }

    def set_identities(self, identities: tuple[IdentityView, ...]) -> None:
        """Replace the rows (only when they changed: a reset loses the selection)."""
        if identities == self.identities:
            return
        # Texts worked out once per change, not per paint: the delegate asks `data` for ~8
        # roles of every visible cell each time the table paints.
        rows = [_row(identity) for identity in identities]
        if identities and [i.name for i in identities] == [i.name for i in self.identities]:
            # Same rows, new statuses: repaint them instead of resetting the view's layout.
            self.identities, self._rows = identities, rows
            last = self.index(len(identities) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.identities, self._rows = identities, rows
        self.endResetModel()

    def row_total(self) -> int:
        """One row per item."""
        return len(self.identities)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, chip colours and tooltips."""
        if not index.isValid():
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][column]
        if column == 2:
            if role == Qt.ItemDataRole.BackgroundRole:
                return self._brushes[self._rows[index.row()][4]][0]
            if role == Qt.ItemDataRole.ForegroundRole:
                return self._brushes[self._rows[index.row()][4]][1]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.UserRole:
            return self.identities[index.row()]
        return None


def _row(identity: IdentityView) -> tuple[str, str, str, str, str]:
    """(name, type, status, what it means, tone): one table row's texts."""
    explanation = identity.explanation
    return (
        identity.name,
        "Email address" if identity.kind == "email" else "Domain",
        explanation.label,
        explanation.text,
        explanation.tone,
    )


class IdentitiesCard(Card):
    """Sender identities with status chips; Add / Records / Retry / Replace."""

    #: (fix, detail): "add_identity", "records", "retry" or "replace"; detail: the identity.
    fix_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sender identities", parent)
        self.summary = value_label(muted=True)
        self.body.addWidget(self.summary)
        self.model = IdentityTableModel(self)
        self.table = card_table(self.model, single=True)
        # Type and Status fit their words; "What it means" keeps the rest (full text: tooltip).
        self.columns = ColumnShares(self.table, (0.3, None, None))
        self.table.setAccessibleName("Sender identities")
        self.body.addWidget(self.table)

        self.add_button = QPushButton("Add identity…")
        self.records_button = QPushButton("DNS records…")
        self.records_button.setToolTip("The records to publish for the selected domain")
        self.retry_button = QPushButton("Retry…")
        self.retry_button.setToolTip("Delete the identity in AWS and create it again")
        self.replace_button = QPushButton("Replace…")
        self.replace_button.setToolTip("Delete it and add another address or domain instead")
        self.add_button.clicked.connect(lambda: self.fix_requested.emit("add_identity", ""))
        self.records_button.clicked.connect(lambda: self._emit_selected("records"))
        self.retry_button.clicked.connect(lambda: self._emit_selected("retry"))
        self.replace_button.clicked.connect(lambda: self._emit_selected("replace"))
        self.body.addLayout(
            button_row(self.add_button, self.records_button, self.retry_button, self.replace_button)
        )
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._has_mailer = False
        self._selected_name: str | None = None

    def selected(self) -> IdentityView | None:
        """The selected identity, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.identities[rows[0].row()]

    def select(self, name: str) -> bool:
        """Select the identity called `name`; False when there is none."""
        for row, identity in enumerate(self.model.identities):
            if identity.name.lower() == name.lower():
                self.table.selectRow(row)
                return True
        return False

    def _emit_selected(self, fix: str) -> None:
        identity = self.selected()
        if identity is not None:
            self.fix_requested.emit(fix, identity.name)

    def _selection_changed(self, *_: Any) -> None:
        identity = self.selected()
        self._selected_name = identity.name if identity else None
        self._update_buttons(identity)

    def _update_buttons(self, identity: IdentityView | None) -> None:
        self.add_button.setEnabled(self._has_mailer)
        self.records_button.setEnabled(identity is not None and identity.kind == "domain")
        failed = identity is not None and identity.status in (
            IdentityStatus.FAILED,
            IdentityStatus.TEMPORARY_FAILURE,
        )
        self.retry_button.setEnabled(self._has_mailer and failed)
        self.replace_button.setEnabled(self._has_mailer and identity is not None)

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Show the team's identities."""
        self._has_mailer = snapshot.mailer is not None
        identities = snapshot.identities
        self.model.set_identities(identities)
        counts: dict[str, int] = {
            IdentityStatus.SUCCESS: 0,
            IdentityStatus.PENDING: 0,
            IdentityStatus.FAILED: 0,
        }
        for identity in identities:
            key = (
                IdentityStatus.PENDING
                if identity.status in (IdentityStatus.TEMPORARY_FAILURE, IdentityStatus.NOT_STARTED)
                else (identity.status)
            )
            counts[key] = counts.get(key, 0) + 1
        if not identities:
            self.summary.setText(
                "No sender identities yet. Add the email address or the domain you send from."
                if self._has_mailer
                else "Connect AWS first, then add the address or domain you send from."
            )
        else:
            self.summary.setText(
                f"{len(identities)} in all: {counts['SUCCESS']} verified, "
                f"{counts['PENDING']} waiting, {counts['FAILED']} failed."
            )
        self.table.setVisible(bool(identities))
        # As tall as its rows (up to ten), so a short list leaves no empty box.
        rows = min(max(len(identities), 1), 10)
        height = self.table.horizontalHeader().sizeHint().height() + 4
        height += rows * self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(height)
        if self._selected_name and not self.table.selectionModel().selectedRows():
            self.select(self._selected_name)  # keep the selection across reloads
        self._update_buttons(self.selected())
