"""The "Will this reach Gmail, Yahoo and Outlook inboxes?" card: the bulk-sender readiness
check for the team's likely sender, one row per rule (✓ / ✗ / ?) with the button that fixes it.

The check asks DNS and AWS (up to a few seconds), so it runs through the bridge, never in a
slot: when the card is made, on Check again, after a fix, and when the store changes once the
last answer is five minutes old. "Set up MAIL FROM" runs the set-up, then shows the records.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sesdesk.services.gating import Fix
from sesdesk.services.readiness.checks import (
    COMPLAINT_RATE,
    DKIM,
    DMARC,
    FREE_MAIL,
    MAIL_FROM,
    ONE_CLICK,
    FixCode,
)
from sesdesk.ui.dashboard.common import value_label
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.pill import StatusPill

if TYPE_CHECKING:
    from sesdesk.services.dns_check import ResolverConfig
    from sesdesk.services.readiness import Check, Readiness
    from sesdesk.services.state import TeamSnapshot
    from sesdesk.ui.bridge import Bridge

TITLE = "Will this reach Gmail, Yahoo and Outlook inboxes?"
#: A store change re-checks only when the last answer is older than this (seconds).
STALE_AFTER = 300.0

NAMES = {
    DKIM: "DKIM",
    MAIL_FROM: "SPF (MAIL FROM)",
    DMARC: "DMARC",
    ONE_CLICK: "One-click unsubscribe",
    COMPLAINT_RATE: "Complaint rate",
    FREE_MAIL: "Own domain",
}
MARKS = {True: ("✓ Passes", "ok"), False: ("✗ Fails", "bad"), None: ("? Not checked", "neutral")}
BUTTONS = {
    FixCode.ADD_IDENTITY: "Add identity…",
    FixCode.VERIFY: "Show DNS records…",
    FixCode.RECORDS: "Show DNS records…",
    FixCode.MAIL_FROM: "Set up MAIL FROM",
    FixCode.CONTACTS: "Open contacts…",
    FixCode.CONNECT: "Connect AWS…",
    FixCode.RECONNECT: "Reconnect…",
    FixCode.CHECK_AGAIN: "Check again",
}


def mark(ok: bool | None) -> str:
    """✓, ✗ or ? for a check's outcome."""
    return MARKS[ok][0].split(" ", 1)[0]


def _basis(snapshot: TeamSnapshot) -> tuple[Any, ...]:
    """What a readiness answer rests on, as the store knows it."""
    mailer = snapshot.mailer
    account = snapshot.account
    return (
        None if mailer is None else (mailer.access, mailer.region),
        None if account is None else account.production,
        tuple(
            sorted(
                (i.name, i.status, i.dkim_status, i.removed_at is None) for i in snapshot.identities
            )
        ),
    )


def _check_readiness(store: Any, team_id: int, **options: Any) -> Readiness:
    """`check_readiness`, imported in the worker: its DNS and SES code stays off the GUI
    thread while the window starts."""
    from sesdesk.services.readiness import check_readiness

    return check_readiness(store, team_id, **options)


class ReadinessCard(Card):
    """The readiness check of the team's likely sender, with a fix button per failure."""

    #: A fix the main window opens (through its FixRouter): (fix, detail).
    fix_requested = Signal(str, str)
    #: A check was shown (Readiness), or could not run (None).
    checked = Signal(object)

    def __init__(
        self, bridge: Bridge, store: Any, team_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(TITLE, parent)
        # The question is long: it wraps rather than widening the dashboard.
        self.title_label.setWordWrap(True)
        self.header.setStretch(0, 1)
        self.header.setStretch(1, 0)
        self.bridge, self.store, self.team_id = bridge, store, team_id
        self.summary = StatusPill("Checking…")
        self.again_button = QPushButton("Check again")
        self.again_button.clicked.connect(self.check_now)
        self.intro = value_label("Checking DNS and SES…", muted=True)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.intro, 1)
        top.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(top)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 4, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(10)
        self.grid.setColumnStretch(1, 1)
        self.body.addLayout(self.grid)
        self.rows: dict[str, tuple[StatusPill, QLabel, QLabel, QPushButton]] = {}
        for row, (code, name) in enumerate(NAMES.items()):
            pill = StatusPill("…")
            title = QLabel(name)
            title.setObjectName("fieldName")
            message = value_label()
            text = QVBoxLayout()
            text.setSpacing(2)
            text.addWidget(title)
            text.addWidget(message)
            button = QPushButton()
            button.hide()
            button.clicked.connect(lambda _checked=False, code=code: self._fix(code))
            self.grid.addWidget(pill, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addLayout(text, row, 1)
            self.grid.addWidget(button, row, 2, Qt.AlignmentFlag.AlignTop)
            self.rows[code] = (pill, title, message, button)
        self.result: Readiness | None = None
        #: The DNS server to ask (None: this computer's resolver).
        self.dns: ResolverConfig | None = None
        #: How long the check may wait for DNS and AWS in all (None: its default).
        self.budget: float | None = None
        self.busy = False
        self._checked_at = 0.0
        self._checked_clock = ""
        self._basis: tuple[Any, ...] = ()
        self._basis_seen = False
        self._again = False  # what the answer rests on changed while a check ran
        self.check_now()

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """A newer store read: check again when what the answer rests on changed (an
        identity's verification or DKIM, the mailer, the account), or once it is stale."""
        basis = _basis(snapshot)
        changed = basis != self._basis
        self._basis = basis
        if changed and self._basis_seen:
            self._again = True
        self._basis_seen = True
        if self.busy:
            return
        if self._again or time.monotonic() - self._checked_at > STALE_AFTER:
            self.check_now()

    # --- checking ---------------------------------------------------------------------

    def check_now(self) -> None:
        """Run the check off the GUI thread and show it."""
        if self.busy:
            self._again = True
            return
        self.busy = True
        self._again = False
        self.again_button.setEnabled(False)
        self.summary.set_status("Checking…", "neutral")
        self.bridge.run(
            _check_readiness,
            self.store,
            self.team_id,
            dns=self.dns,
            budget=self.budget,
            label="Checking inbox readiness",
            on_success=self.show_result,
            on_failure=self._failed,
        )

    def _done(self) -> None:
        self.busy = False
        self._checked_at = time.monotonic()
        self._checked_clock = datetime.now().strftime("%H:%M")
        self.again_button.setEnabled(True)
        if self._again:
            # Something changed while this check ran: its answer may be out of date already.
            QTimer.singleShot(0, self, self.check_now)

    def _failed(self, error: Any) -> None:
        # No sender yet, no mailer: said in the card, not as an error banner.
        self._done()
        self.result = None
        self.summary.set_status("Not checked", "neutral")
        self.intro.setText(getattr(error, "message", str(error)))
        for pill, _title, message, button in self.rows.values():
            pill.set_status(*MARKS[None])
            message.setText("")
            button.hide()
        self.checked.emit(None)

    def show_result(self, result: Readiness) -> None:
        """Show one answer of the check."""
        self._done()
        self.result = result
        failures = len(result.failures)
        unknown = sum(1 for check in result.checks if check.ok is None)
        if result.blocking:
            self.summary.set_status("Broadcasts blocked", "bad")
        elif failures:
            self.summary.set_status(f"{failures} to fix", "warn")
        elif unknown:
            self.summary.set_status(f"{unknown} not checked", "neutral")
        else:
            self.summary.set_status("Ready", "ok")
        self.intro.setText(
            f"For mail from {result.from_address}, checked at {self._checked_clock}. Since 2024 "
            "Gmail and Yahoo (Outlook since 2025) filter or refuse bulk mail that misses these."
        )
        for check in result.checks:
            self._show_check(check)
        self.checked.emit(result)

    def _show_check(self, check: Check) -> None:
        pill, _title, message, button = self.rows[check.code]
        pill.set_status(*MARKS[check.ok])
        text = check.message
        if check.fix and check.ok is not True:
            text += f"\n→ {check.fix}"
        message.setText(text)
        label = BUTTONS.get(check.fix_code) if check.fix_code and check.ok is not True else None
        button.setVisible(label is not None)
        if label is not None:
            button.setText(label)
            button.setProperty("fix_code", str(check.fix_code))

    # --- fixing -----------------------------------------------------------------------

    def button(self, code: str) -> QPushButton:
        """The fix button of one check's row (tests press it)."""
        return self.rows[code][3]

    def _fix(self, code: str) -> None:
        result = self.result
        if result is None:
            return
        check = result.check(code)
        fix = check.fix_code
        domain = result.domain_identity or ""
        if fix == FixCode.CHECK_AGAIN:
            self.check_now()
        elif fix == FixCode.MAIL_FROM and domain:
            self.set_up_mail_from(domain)
        elif fix in (FixCode.RECORDS, FixCode.VERIFY) and domain:
            self.fix_requested.emit(str(Fix.RECORDS), domain)
        elif fix in (FixCode.RECORDS, FixCode.VERIFY, FixCode.MAIL_FROM, FixCode.ADD_IDENTITY):
            self.fix_requested.emit(str(Fix.ADD_IDENTITY), "")
        elif fix == FixCode.CONTACTS:
            self.fix_requested.emit(str(Fix.CONTACTS), "")
        elif fix == FixCode.RECONNECT:
            self.fix_requested.emit(str(Fix.RECONNECT), "")
        elif fix == FixCode.CONNECT:
            self.fix_requested.emit(str(Fix.CONNECT), "")

    def set_up_mail_from(self, domain: str) -> None:
        """Set mail.<domain> as the domain's MAIL FROM in SES, then show the records."""
        from sesdesk.services.readiness.mail_from import set_up_mail_from

        button = self.button(MAIL_FROM)
        button.setEnabled(False)

        def done(setup: Any) -> None:
            button.setEnabled(True)
            # Said in the card before the records open over it: what changed in SES.
            self.rows[MAIL_FROM][2].setText(
                f"MAIL FROM {setup.mail_from_domain} is now set in SES for {domain}. Publish "
                "its MX and SPF records (shown now); SES checks them by itself."
            )
            self.fix_requested.emit(str(Fix.RECORDS), domain)
            self.check_now()

        def failed(error: Any) -> None:
            button.setEnabled(True)
            self.bridge.report(error)

        self.bridge.run(
            set_up_mail_from,
            self.store,
            self.team_id,
            domain,
            label="Setting up MAIL FROM",
            on_success=done,
            on_failure=failed,
        )
