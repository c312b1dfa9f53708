"""The credentials card: which AWS account, region and key the mailer uses, and its health."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from sesdesk.models.states import MailerAccess
from sesdesk.ui.dashboard.common import (
    ACCESS_STATUS,
    button_row,
    field_grid,
    left,
    local_time,
    value_label,
)
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.pill import StatusPill

if TYPE_CHECKING:
    from sesdesk.services.state import TeamSnapshot


class CredentialsCard(Card):
    """Account id, region, key …ABCD and access state; Reconnect / Delete mailer."""

    #: (fix, detail): "connect", "reconnect" or "delete_mailer".
    fix_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("AWS credentials", parent)
        self.access = StatusPill()
        self.header.addWidget(self.access)

        self.account_id = value_label()
        self.region = value_label()
        self.key = value_label()
        self.last_checked = value_label()
        grid = field_grid(
            ("AWS account", self.account_id),
            ("Region", self.region),
            ("Access key", self.key),
            ("Last checked", self.last_checked),
        )
        self.connected = QWidget()
        self.connected.setLayout(grid)
        self.reason = value_label(muted=True)
        grid.addWidget(self.reason, 4, 0, 1, 2)
        self.root_warning = value_label(
            "These are the account's root keys. AWS advises an IAM user with only the "
            "permissions sesdesk needs: reconnect with such a user's keys.",
            muted=True,
        )
        grid.addWidget(self.root_warning, 5, 0, 1, 2)
        self.root_warning.hide()  # only for a mailer known to use root keys
        self.reconnect_button = QPushButton("Reconnect…")
        self.reconnect_button.setToolTip("Give new keys for the same AWS account; nothing is lost")
        self.delete_button = QPushButton("Delete mailer…")
        self.delete_button.setToolTip(
            "Remove the mailer from this team (asks first; sender identities go too)"
        )
        self.reconnect_button.clicked.connect(lambda: self.fix_requested.emit("reconnect", ""))
        self.delete_button.clicked.connect(lambda: self.fix_requested.emit("delete_mailer", ""))
        self.body.addWidget(self.connected)
        self.body.addLayout(button_row(self.reconnect_button, self.delete_button))

        self.disconnected = QWidget()
        empty = QVBoxLayout(self.disconnected)
        empty.setContentsMargins(0, 0, 0, 0)
        empty.addWidget(
            value_label(
                "No AWS account is connected to this team. Connect one with an access key; "
                "the secret stays in the system keyring."
            )
        )
        self.connect_button = QPushButton("Connect AWS…")
        self.connect_button.clicked.connect(lambda: self.fix_requested.emit("connect", ""))
        empty.addLayout(left(self.connect_button))
        self.body.addWidget(self.disconnected)
        self.body.addStretch(1)

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Show the mailer, or the way to connect one."""
        mailer = snapshot.mailer
        has = mailer is not None
        self.connected.setVisible(has)
        self.reconnect_button.setVisible(has)
        self.delete_button.setVisible(has)
        self.disconnected.setVisible(not has)
        if mailer is None:
            self.access.set_status("Not connected", "neutral")
            return
        self.account_id.setText(mailer.account_id)
        self.region.setText(mailer.region)
        self.key.setText(f"…{mailer.key_last4}")
        checked = local_time(mailer.last_checked)
        if mailer.offline_since is not None:
            checked += f" (offline since {local_time(mailer.offline_since)})"
        self.last_checked.setText(checked)
        if mailer.offline_since is not None and mailer.access != MailerAccess.LOST:
            self.access.set_status("Offline", "warn")
        else:
            self.access.set_status(*ACCESS_STATUS.get(mailer.access, (mailer.access, "neutral")))
        self.reason.setText(mailer.access_reason or "")
        self.reason.setVisible(bool(mailer.access_reason) and mailer.access == MailerAccess.LOST)
        self.root_warning.setVisible(mailer.is_root)
        # Reconnecting is the way out of "lost": make it the obvious button then.
        self.reconnect_button.setDefault(mailer.access == MailerAccess.LOST)
