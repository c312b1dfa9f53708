"""What the dashboard cards share: the data they show, words for statuses, fix buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

if TYPE_CHECKING:
    from sesdesk.services.gating import Decision, Gate
    from sesdesk.services.state import DaySends, EventView, TeamSnapshot

#: How many history events the dashboard reads per refresh (the export reads them all).
HISTORY_ROWS = 500

IDENTITY_STATUS = {
    "SUCCESS": ("Verified", "ok"),
    "PENDING": ("Pending", "warn"),
    "FAILED": ("Failed", "bad"),
    "TEMPORARY_FAILURE": ("Temporary failure", "warn"),
    "NOT_STARTED": ("Not started", "neutral"),
}

ERROR_TYPES = {
    "INVALID_VALUE": "AWS found a value that is not valid",
    "TYPE_NOT_FOUND": "the DNS record was not found",
    "HOST_NOT_FOUND": "the DNS records were not found",
    "SERVICE_ERROR": "AWS had a problem checking",
    "DNS_SERVER_ERROR": "the domain's DNS server did not answer",
}

ACCESS_STATUS = {
    "ok": ("Access OK", "ok"),
    "lost": ("Lost access", "bad"),
    "unknown": ("Not checked yet", "neutral"),
}

REVIEW_STATUS: dict[str | None, tuple[str, str]] = {
    None: ("Not requested", "neutral"),
    "PENDING": ("Review pending", "warn"),
    "GRANTED": ("Granted", "ok"),
    "DENIED": ("Denied", "bad"),
    "FAILED": ("Resubmit needed", "bad"),
}

#: Fix value → the button text that performs it.
FIX_LABELS = {
    "connect": "Connect AWS…",
    "reconnect": "Reconnect…",
    "add_identity": "Add identity…",
    "verify": "Show what to do…",
    "retry": "Retry…",
    "apply": "Apply for production access…",
    "refresh": "Refresh now",
    "reputation": "Open reputation page",
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


def identity_explanation(status: str, kind: str, error_type: str | None) -> str:
    """What an identity's status means for the person, and what to do."""
    if status == "SUCCESS":
        return "Verified: you can send from it."
    if status == "PENDING":
        if kind == "email":
            return "Waiting: open the link AWS emailed to this address (valid 24 hours)."
        return "Waiting: publish its DNS records; AWS checks them for up to 72 hours."
    if status == "FAILED":
        why = ERROR_TYPES.get(error_type or "", error_type or "")
        return f"Failed{': ' + why if why else ''}. Retry, or replace it with another."
    if status == "TEMPORARY_FAILURE":
        return "AWS could not check it for now and will try again."
    if status == "NOT_STARTED":
        return "Verification has not started yet."
    return status


def fix_detail(fix: str, snapshot: TeamSnapshot, decision: Decision | None = None) -> str:
    """The detail a fix button sends: the identity concerned, or the page to open."""
    if decision is not None and decision.link:
        return decision.link
    if fix == "verify":
        for identity in snapshot.identities:
            if identity.status in ("PENDING", "TEMPORARY_FAILURE", "NOT_STARTED"):
                return identity.name
    if fix == "retry":
        for identity in snapshot.identities:
            if identity.status == "FAILED":
                return identity.name
    return ""


def field_grid() -> QGridLayout:
    """A two-column name/value grid."""
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(12)
    grid.setVerticalSpacing(6)
    grid.setColumnStretch(1, 1)
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
