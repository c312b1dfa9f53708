"""The overview card: the team's mailer, its SES account and its sender identities at a glance.

Later cards (credentials, identities, account, quota, what-you-can-send, history) take over
parts of this one; until then it shows the whole stored snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sesdesk.ui.widgets.card import Card, separator
from sesdesk.ui.widgets.pill import StatusPill

if TYPE_CHECKING:
    from sesdesk.services.state import AccountView, IdentityView, MailerView, TeamSnapshot

#: Identity status → (words a person reads, tone).
IDENTITY_STATUS = {
    "SUCCESS": ("Verified", "ok"),
    "PENDING": ("Pending", "warn"),
    "FAILED": ("Failed", "bad"),
    "TEMPORARY_FAILURE": ("Temporary failure", "warn"),
    "NOT_STARTED": ("Not started", "neutral"),
}

ACCESS_STATUS = {
    "ok": ("Access OK", "ok"),
    "lost": ("Lost access", "bad"),
    "unknown": ("Not checked yet", "neutral"),
}

REVIEW_STATUS = {
    None: ("None requested", "neutral"),
    "PENDING": ("Review pending", "warn"),
    "GRANTED": ("Granted", "ok"),
    "DENIED": ("Denied", "bad"),
    "FAILED": ("Resubmit needed", "bad"),
}


def identity_status_text(identity: IdentityView) -> tuple[str, str]:
    """The words and tone for an identity's verification status."""
    text, tone = IDENTITY_STATUS.get(identity.status, (identity.status.title(), "neutral"))
    if identity.error_type and identity.status in ("FAILED", "TEMPORARY_FAILURE"):
        text = f"{text} ({identity.error_type.replace('_', ' ').lower()})"
    return text, tone


def format_count(value: float) -> str:
    """A quota figure without a pointless '.0'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def quota_text(account: AccountView) -> str:
    """'3 of 200 sent today · 197 left · up to 1 a second'."""
    return (
        f"{format_count(account.sent_24h)} of {format_count(account.max_24h)} sent in 24 h · "
        f"{format_count(account.left_24h)} left · up to {format_count(account.max_rate)} a second"
    )


def _section(title: str) -> tuple[QWidget, QVBoxLayout]:
    widget = QWidget()
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    return widget, layout


def _field_grid() -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(12)
    grid.setVerticalSpacing(6)
    grid.setColumnStretch(1, 1)
    return grid


def _name(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldName")
    return label


def _value(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldValue")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _pill_row(pill: StatusPill) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(pill)
    row.addStretch(1)
    return row


class MailerSection(QWidget):
    """Account id, region, key, access — or the way to connect one."""

    def __init__(self, connect_action: QAction | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box, layout = _section("Mailer")
        outer.addWidget(box)

        self.connected = QWidget()
        grid = _field_grid()
        self.connected.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        self.account_id = _value()
        self.region = _value()
        self.key = _value()
        self.access = StatusPill()
        self.access_reason = _value()
        self.access_reason.setObjectName("muted")
        for row, (name, widget) in enumerate(
            [("AWS account", self.account_id), ("Region", self.region), ("Access key", self.key)]
        ):
            grid.addWidget(_name(name), row, 0)
            grid.addWidget(widget, row, 1)
        grid.addWidget(_name("Access"), 3, 0)
        grid.addLayout(_pill_row(self.access), 3, 1)
        grid.addWidget(self.access_reason, 4, 0, 1, 2)
        layout.addWidget(self.connected)

        self.disconnected = QWidget()
        empty = QVBoxLayout(self.disconnected)
        empty.setContentsMargins(0, 0, 0, 0)
        self.no_mailer = _value("No AWS account connected")
        empty.addWidget(self.no_mailer)
        self.connect_button = QPushButton("Connect AWS…")
        self.connect_button.setToolTip("Give sesdesk an AWS access key so it can send through SES")
        self.connect_action = connect_action
        if connect_action is not None:
            self.connect_button.clicked.connect(connect_action.trigger)
            connect_action.changed.connect(self._follow_action)
        self._follow_action()
        empty.addWidget(self.connect_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.disconnected)
        layout.addStretch(1)

    def _follow_action(self) -> None:
        enabled = self.connect_action is not None and self.connect_action.isEnabled()
        self.connect_button.setEnabled(enabled)
        if not enabled:
            self.connect_button.setToolTip("Connecting an AWS account arrives in a later version")

    def show_mailer(self, mailer: MailerView | None) -> None:
        """Show `mailer`, or the 'connect one' state when there is none."""
        self.connected.setVisible(mailer is not None)
        self.disconnected.setVisible(mailer is None)
        if mailer is None:
            return
        self.account_id.setText(mailer.account_id)
        self.region.setText(mailer.region)
        self.key.setText(f"…{mailer.key_last4}")
        text, tone = ACCESS_STATUS.get(mailer.access, (mailer.access, "neutral"))
        self.access.set_status(text, tone)
        self.access_reason.setText(mailer.access_reason or "")
        self.access_reason.setVisible(bool(mailer.access_reason))


class AccountSection(QWidget):
    """Sandbox or production, the review, sending enabled, quota."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box, layout = _section("SES account")
        outer.addWidget(box)
        self.unknown = _value("Not read from AWS yet")
        layout.addWidget(self.unknown)
        self.known = QWidget()
        grid = _field_grid()
        grid.setContentsMargins(0, 0, 0, 0)
        self.known.setLayout(grid)
        self.mode = StatusPill()
        self.review = StatusPill()
        self.sending = StatusPill()
        self.quota = _value()
        for row, (name, pill) in enumerate(
            [("Mode", self.mode), ("Production review", self.review), ("Sending", self.sending)]
        ):
            grid.addWidget(_name(name), row, 0)
            grid.addLayout(_pill_row(pill), row, 1)
        grid.addWidget(_name("Quota"), 3, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.quota, 3, 1)
        layout.addWidget(self.known)
        layout.addStretch(1)

    def show_account(self, account: AccountView | None) -> None:
        """Show `account`, or 'not read yet'."""
        self.unknown.setVisible(account is None)
        self.known.setVisible(account is not None)
        if account is None:
            return
        if account.production:
            self.mode.set_status("Production", "ok")
        else:
            self.mode.set_status("Sandbox", "warn")
        self.review.set_status(*REVIEW_STATUS.get(account.review_status, ("Unknown", "neutral")))
        enforcement = getattr(account, "enforcement_status", None)
        if account.sending_enabled:
            self.sending.set_status("Enabled", "ok")
        else:
            paused = f"Paused ({enforcement.lower()})" if enforcement else "Paused"
            self.sending.set_status(paused, "bad")
        self.quota.setText(quota_text(account))


class IdentitiesSection(QWidget):
    """Each sender identity with its verification status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        box, layout = _section("Sender identities")
        outer.addWidget(box)
        self.empty = _value("No sender identities yet")
        layout.addWidget(self.empty)
        self.rows = QWidget()
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(24)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(2, 1)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.rows.setLayout(self.grid)
        layout.addWidget(self.rows)
        layout.addStretch(1)
        #: (name label, status pill) per identity, for tests and accessibility.
        self.entries: list[tuple[QLabel, StatusPill]] = []

    def show_identities(self, identities: tuple[IdentityView, ...]) -> None:
        """Replace the list with `identities`."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.entries = []
        self.empty.setVisible(not identities)
        self.rows.setVisible(bool(identities))
        for row, identity in enumerate(identities):
            name = _value(identity.name)
            name.setWordWrap(False)
            kind = _name("domain" if identity.kind == "domain" else "email address")
            pill = StatusPill(*identity_status_text(identity))
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(kind, row, 1)
            self.grid.addLayout(_pill_row(pill), row, 2)
            self.entries.append((name, pill))


class OverviewCard(Card):
    """The team at a glance: mailer, SES account and sender identities side by side."""

    #: The "Connect AWS…" button was pressed (also triggers the connect action, if given).
    connect_requested = Signal()

    def __init__(self, connect_action: QAction | None = None, parent: QWidget | None = None):
        super().__init__("Overview", parent)
        columns = QHBoxLayout()
        columns.setSpacing(32)
        self.mailer = MailerSection(connect_action)
        self.account = AccountSection()
        self.identities = IdentitiesSection()
        self.mailer.connect_button.clicked.connect(self.connect_requested)
        columns.addWidget(self.mailer, 1)
        columns.addWidget(self.account, 1)
        self.body.addLayout(columns)
        self.body.addWidget(separator())
        self.body.addWidget(self.identities)

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Show the team's stored state."""
        self.title_label.setText(f"{snapshot.team_name} — overview")
        self.mailer.show_mailer(snapshot.mailer)
        self.account.show_account(snapshot.account)
        self.identities.show_identities(snapshot.identities)
