""" "What you can send now": the gating decision for each kind of sending, with its fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sesdesk.ui.dashboard.common import FIX_LABELS, fix_detail, left, name_label, value_label
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.pill import StatusPill

if TYPE_CHECKING:
    from sesdesk.services.gating import Decision, Gate
    from sesdesk.services.state import TeamSnapshot

KINDS = (
    ("test_email", "Test email"),
    ("test_campaign", "Test campaign"),
    ("broadcast", "Broadcast"),
)


class _Row:
    def __init__(self, grid: QGridLayout, row: int, title: str) -> None:
        self.title = name_label(title)
        self.answer = StatusPill(wrap=True)
        self.reason = value_label()
        self.button = QPushButton()
        self.button.hide()
        self.fix = ""
        self.detail = ""
        grid.addWidget(self.title, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.answer, row, 1, Qt.AlignmentFlag.AlignTop)
        # The fix button under its reason, not beside it: in a window of 1000 px with the
        # Simulator dock a fourth column left the reason a few words wide a line.
        cell = QVBoxLayout()
        cell.setSpacing(6)
        cell.addWidget(self.reason)
        cell.addLayout(left(self.button))
        grid.addLayout(cell, row, 2)


class CanSendCard(Card):
    """Yes / no for test email, test campaign and broadcast, each "no" with its fix button."""

    #: (fix, detail): a Fix value ("connect", "verify", "apply"…) and its detail.
    fix_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What you can send now", parent)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(2, 1)
        self.rows: dict[str, _Row] = {}
        for row, (kind, title) in enumerate(KINDS):
            entry = _Row(grid, row, title)
            entry.button.clicked.connect(
                lambda _=False, e=entry: self.fix_requested.emit(e.fix, e.detail)
            )
            self.rows[kind] = entry
        self.body.addLayout(grid)
        self.footnote = QLabel()
        self.footnote.setObjectName("muted")
        self.footnote.setWordWrap(True)
        self.body.addWidget(self.footnote)

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Decide from `snapshot` and show it."""
        from sesdesk.services.gating import decide

        self.show_gate(snapshot, decide(snapshot))

    def show_gate(self, snapshot: TeamSnapshot, gate: Gate) -> None:
        """Show an already computed gating result."""
        seen: set[tuple[str, str]] = set()
        same = gate.test_email == gate.test_campaign == gate.broadcast
        for kind, title in KINDS:
            self._show(self.rows[kind], gate.for_kind(kind), snapshot, seen)
            # One answer for all three: say it once instead of three identical rows.
            self.rows[kind].title.setText("Any sending" if same and kind == "test_email" else title)
            for widget in (self.rows[kind].title, self.rows[kind].answer, self.rows[kind].reason):
                widget.setVisible(not same or kind == "test_email")
        limited = gate.test_email.allowed and gate.test_email.verified_recipients_only
        self.footnote.setText(
            "Sandbox: recipients must be verified addresses (or AWS's mailbox simulator)."
            if limited
            else ""
        )
        self.footnote.setVisible(limited)

    def _show(
        self, row: _Row, decision: Decision, snapshot: TeamSnapshot, seen: set[tuple[str, str]]
    ) -> None:
        if decision.allowed:
            only = " (verified recipients)" if decision.verified_recipients_only else ""
            row.answer.set_status(f"Yes{only}", "ok" if not only else "warn")
        else:
            row.answer.set_status("No", "bad")
        row.reason.setText(decision.reason)
        fix = decision.fix.value if decision.fix is not None else ""
        label = FIX_LABELS.get(fix, "")
        row.fix, row.detail = fix, fix_detail(fix, snapshot, decision) if fix else ""
        # One button per distinct fix: three identical "Connect AWS…" buttons are noise.
        show = bool(label) and not decision.allowed and (fix, row.detail) not in seen
        if show:
            seen.add((fix, row.detail))
        row.button.setText(label)
        row.button.setVisible(show)
