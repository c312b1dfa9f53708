"""What the dashboard cards share: the data they show, words for statuses, fix buttons.

Identity states are worded once, by `services.identity_status.explain` (the read model's
`IdentityView.explanation`); the dashboard shows that wording and never words them itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QTableView,
    QWidget,
)

from sesdesk.models.states import UNSETTLED_IDENTITY, IdentityStatus, MailerAccess
from sesdesk.services.gating import Fix
from sesdesk.ui.widgets.table_model import row_table

if TYPE_CHECKING:
    from sesdesk.services.gating import Decision, Gate
    from sesdesk.services.state import DaySends, EventView, TeamSnapshot

#: How many history events the dashboard reads per refresh (the export reads them all).
HISTORY_ROWS = 500

ACCESS_STATUS: dict[str, tuple[str, str]] = {
    MailerAccess.OK: ("Access OK", "ok"),
    MailerAccess.LOST: ("Lost access", "bad"),
    MailerAccess.UNKNOWN: ("Not checked yet", "neutral"),
}

REVIEW_STATUS: dict[str | None, tuple[str, str]] = {
    None: ("Not requested", "neutral"),
    "PENDING": ("Review pending", "warn"),
    "GRANTED": ("Granted", "ok"),
    "DENIED": ("Denied", "bad"),
    "FAILED": ("Resubmit needed", "bad"),
}

#: Fix value → the button text that performs it.
FIX_LABELS: dict[str, str] = {
    Fix.CONNECT: "Connect AWS…",
    Fix.RECONNECT: "Reconnect…",
    Fix.ADD_IDENTITY: "Add identity…",
    Fix.VERIFY: "Show what to do…",
    Fix.RETRY: "Retry…",
    Fix.APPLY: "Apply for production access…",
    Fix.REFRESH: "Refresh now",
    Fix.REPUTATION: "Open reputation page",
}


@dataclass(frozen=True)
class DashboardData:
    """One read of everything a team's dashboard shows (made off the GUI thread)."""

    snapshot: TeamSnapshot
    gate: Gate
    events: tuple[EventView, ...] = ()
    sends: tuple[DaySends, ...] = ()
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def load_dashboard(store: Any, team_id: int) -> DashboardData:
    """Read a team's dashboard data from the store (blocking: run it through the bridge)."""
    from sesdesk.services.gating import decide
    from sesdesk.services.state import daily_sends, load_snapshot, recent_events

    snapshot = load_snapshot(store, team_id)
    return DashboardData(
        snapshot=snapshot,
        gate=decide(snapshot),
        events=tuple(recent_events(store, team_id, limit=HISTORY_ROWS)),
        sends=tuple(daily_sends(store, team_id, days=14)),
    )


def local_time(when: datetime | None, *, now: datetime | None = None) -> str:
    """'14:05' today, '2025-03-01 14:05' otherwise, '—' for None (local time zone)."""
    if when is None:
        return "—"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


def count(value: float) -> str:
    """A quota figure without a pointless '.0'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def fix_detail(fix: str, snapshot: TeamSnapshot, decision: Decision | None = None) -> str:
    """The detail a fix button sends: the identity concerned, or the page to open."""
    if decision is not None and decision.link:
        return decision.link
    if fix == Fix.VERIFY:
        for identity in snapshot.identities:
            if identity.status in UNSETTLED_IDENTITY:
                return identity.name
    if fix == Fix.RETRY:
        for identity in snapshot.identities:
            if identity.status == IdentityStatus.FAILED:
                return identity.name
    return ""


def field_grid(*fields: tuple[str, QWidget | QLayout]) -> QGridLayout:
    """A two-column name/value grid, its first rows the (name, value) `fields`."""
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(12)
    grid.setVerticalSpacing(6)
    grid.setColumnStretch(1, 1)
    for row, (name, value) in enumerate(fields):
        grid.addWidget(name_label(name), row, 0)
        if isinstance(value, QLayout):
            grid.addLayout(value, row, 1)
        else:
            grid.addWidget(value, row, 1)
    return grid


def name_label(text: str) -> QLabel:
    """The left column of a field grid."""
    label = QLabel(text)
    label.setObjectName("fieldName")
    return label


def value_label(text: str = "", *, muted: bool = False) -> QLabel:
    """A selectable, wrapping value."""
    label = QLabel(text)
    label.setObjectName("muted" if muted else "fieldValue")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def card_table(model: QAbstractItemModel, *, single: bool = False) -> QTableView:
    """A card's read-only table: whole rows, no grid, alternating colours, one line a row."""
    table = row_table(model, single=single)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    return table


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """Buttons packed to the left."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(8)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def left(widget: QWidget) -> QHBoxLayout:
    """`widget` at its natural size on the left of a row."""
    return button_row(widget)  # type: ignore[arg-type]
