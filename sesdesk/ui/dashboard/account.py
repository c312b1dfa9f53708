"""The account card: sandbox or production, the production-access review, sending state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from sesdesk.models.states import MailerAccess
from sesdesk.ui.dashboard.common import (
    REVIEW_STATUS,
    button_row,
    field_grid,
    local_time,
    value_label,
)
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.pill import StatusPill

if TYPE_CHECKING:
    from sesdesk.services.state import AccountView, TeamSnapshot

REVIEW_ADVICE = {
    None: "Sandbox accounts send only to verified addresses, 200 a day. Apply for production "
    "access to send broadcasts to your customers.",
    "PENDING": "AWS is reviewing the request (usually 24–48 hours). Test emails and test "
    "campaigns to verified recipients keep working meanwhile.",
    "GRANTED": "Production access is granted.",
    "DENIED": "AWS denied the request. Read AWS's reply in the support case, describe how you "
    "collect addresses and handle bounces and complaints in more detail, and apply again.",
    "FAILED": "AWS could not complete the review: check the details and resubmit.",
}


def _pill_cell(pill: StatusPill) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(pill, 0, Qt.AlignmentFlag.AlignTop)
    row.addStretch(1)
    return row


class AccountCard(Card):
    """Mode, review status and what to do next; "Apply for production access"."""

    #: (fix, detail): "apply" or "reputation" (detail: the console page).
    fix_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("SES account", parent)
        self.mode = StatusPill()
        self.header.addWidget(self.mode)
        self.unknown = value_label("Not read from AWS yet.")
        self.body.addWidget(self.unknown)
        self.review = StatusPill(wrap=True)
        self.sending = StatusPill(wrap=True)
        self.case = value_label()
        grid = field_grid(
            ("Production access", _pill_cell(self.review)),
            ("Sending", _pill_cell(self.sending)),
            ("Support case", self.case),
        )
        self.known = QWidget()
        self.known.setLayout(grid)
        self.advice = value_label(muted=True)
        grid.addWidget(self.advice, 3, 0, 1, 2)
        self.body.addWidget(self.known)
        self.apply_button = QPushButton("Apply for production access…")
        self.apply_button.clicked.connect(lambda: self.fix_requested.emit("apply", ""))
        self.reputation_button = QPushButton("Open reputation page")
        self._reputation_link = ""
        self.reputation_button.clicked.connect(
            lambda: self.fix_requested.emit("reputation", self._reputation_link)
        )
        self.body.addLayout(button_row(self.apply_button, self.reputation_button))
        self.body.addStretch(1)

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Show the account as last read from AWS."""
        from sesdesk.services.gating import reputation_page

        account = snapshot.account
        self.unknown.setVisible(account is None)
        self.known.setVisible(account is not None)
        self.reputation_button.hide()
        if account is None:
            self.mode.set_status("Unknown", "neutral")
            self.apply_button.setVisible(snapshot.mailer is not None)
            return
        self.mode.set_status(*(("Production", "ok") if account.production else ("Sandbox", "warn")))
        review_text, review_tone = REVIEW_STATUS.get(
            account.review_status, (str(account.review_status), "neutral")
        )
        if account.review_status == "PENDING" and account.review_since is not None:
            review_text += f" since {local_time(account.review_since)}"
        if account.production and account.review_status is None:
            review_text, review_tone = "Enabled", "ok"
        self.review.set_status(review_text, review_tone)
        self._show_sending(account)
        self.case.setText(account.review_case_id or "—")
        advice = "" if account.production else REVIEW_ADVICE.get(account.review_status, "")
        if not account.sending_enabled or account.enforcement_status == "SHUTDOWN":
            advice = (
                "AWS paused sending for this account. Its reputation page in the SES console "
                "says why and what to fix."
            )
            self._reputation_link = reputation_page(
                snapshot.mailer.region if snapshot.mailer else "us-east-1"
            )
            self.reputation_button.show()
        self.advice.setText(advice)
        self.advice.setVisible(bool(advice))
        # Apply while not in production and no review is running (DENIED / FAILED: again).
        self.apply_button.setVisible(
            not account.production and account.review_status not in ("PENDING", "GRANTED")
        )
        self.apply_button.setEnabled(
            snapshot.mailer is not None and snapshot.mailer.access != MailerAccess.LOST
        )
        self.apply_button.setText(
            "Apply again…"
            if account.review_status in ("DENIED", "FAILED")
            else "Apply for production access…"
        )

    def _show_sending(self, account: AccountView) -> None:
        enforcement = account.enforcement_status
        if not account.sending_enabled or enforcement == "SHUTDOWN":
            text = f"Paused by AWS ({enforcement.lower()})" if enforcement else "Paused by AWS"
            self.sending.set_status(text, "bad")
        elif enforcement == "PROBATION":
            self.sending.set_status("Enabled (probation)", "warn")
        else:
            self.sending.set_status("Enabled", "ok")
