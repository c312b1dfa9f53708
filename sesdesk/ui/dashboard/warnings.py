"""The warnings strip at the top of a team's dashboard.

Lost access first, in red, with Reconnect and Delete mailer; "offline since …" while AWS
cannot be reached (the cards below keep the last known state — no dialogs); then the gating
warnings, each with its fixing button. Under them: when AWS was last checked, Refresh now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sesdesk.models.states import MailerAccess
from sesdesk.ui.dashboard.common import FIX_LABELS, fix_detail, local_time
from sesdesk.ui.widgets.banner import Banner

if TYPE_CHECKING:
    from sesdesk.services.gating import Gate, GateWarning
    from sesdesk.services.state import TeamSnapshot

#: Amber for warnings that are not errors (the shared stylesheet knows demo / error / info).
WARN_STYLE = (
    'QFrame#banner[tone="warn"] { background: #fdf6b2; border: none;'
    " border-bottom: 1px solid #e3c85a; }"
    'QFrame#banner[tone="warn"] QLabel { color: #5c3d00; }'
)
#: How many gating warnings get a banner of their own; the rest are summed up.
MAX_BANNERS = 4


class WarningsPanel(QWidget):
    """Banners for what needs attention, plus 'last checked' and Refresh now."""

    #: (fix, detail), as the cards emit them; "delete_mailer" too.
    fix_requested = Signal(str, str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(WARN_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banners_box = QVBoxLayout()
        self.banners_box.setSpacing(0)
        outer.addLayout(self.banners_box)
        strip = QHBoxLayout()
        strip.setContentsMargins(20, 8, 20, 0)
        self.team_label = QLabel()
        self.team_label.setObjectName("cardTitle")
        self.checked_label = QLabel()
        self.checked_label.setObjectName("muted")
        self.refresh_button = QPushButton("Refresh now")
        self.refresh_button.setToolTip("Ask AWS now instead of waiting for the next check")
        self.refresh_button.clicked.connect(self.refresh_requested)
        # Several warnings collapse into the first one and this count; it expands them.
        self.more_button = QPushButton()
        self.more_button.setObjectName("moreWarnings")
        self.more_button.setFlat(True)
        self.more_button.hide()
        self.more_button.clicked.connect(self.toggle_more)
        self._expanded = False
        strip.addWidget(self.team_label)
        strip.addWidget(self.more_button)
        strip.addStretch(1)
        strip.addWidget(self.checked_label)
        strip.addWidget(self.refresh_button)
        outer.addLayout(strip)
        self.banners: list[Banner] = []
        self._spare: dict[object, Banner] = {}
        self._shown: tuple = ()

    def _clear(self) -> None:
        # Kept aside for reuse: creating and styling banners is the costly part.
        self._spare = {banner.property("key"): banner for banner in self.banners}
        self.banners = []

    def _finish(self) -> None:
        for banner in self._spare.values():
            self.banners_box.removeWidget(banner)
            banner.deleteLater()
        self._spare = {}
        for position, banner in enumerate(self.banners):
            if self.banners_box.indexOf(banner) != position:
                self.banners_box.removeWidget(banner)
                self.banners_box.insertWidget(position, banner)
        self._show_collapsed()

    def _show_collapsed(self) -> None:
        hidden = len(self.banners) - 1
        for position, banner in enumerate(self.banners):
            banner.setVisible(position == 0 or self._expanded)
        if hidden <= 0:
            self.more_button.hide()
            return
        noun = "warning" if hidden == 1 else "warnings"
        self.more_button.setText(
            f"Hide {hidden} more {noun} ▴" if self._expanded else f"+{hidden} more {noun} ▾"
        )
        self.more_button.show()

    def toggle_more(self) -> None:
        """Show every warning, or only the first and a count."""
        self._expanded = not self._expanded
        self._show_collapsed()

    def _add(
        self, code: str, text: str, tone: str, buttons: list[tuple[str, str, str]], hint: str = ""
    ) -> Banner:
        key = repr((code, tone, buttons))
        reused = self._spare.pop(key, None)
        if reused is not None:
            reused.set_message(text, hint, bold=tone == "error")
            self.banners.append(reused)
            return reused
        banner = Banner(tone=tone)
        banner.setProperty("key", key)
        banner.setObjectName("banner")
        banner.setProperty("code", code)
        banner.set_message(text, hint, bold=tone == "error")
        for label, fix, detail in reversed(buttons):
            button = banner.add_button(label)
            button.clicked.connect(lambda _=False, f=fix, d=detail: self.fix_requested.emit(f, d))
        self.banners_box.addWidget(banner)
        self.banners.append(banner)
        return banner

    def codes(self) -> list[str]:
        """The codes of the banners shown, top first (for tests)."""
        return [str(banner.property("code")) for banner in self.banners]

    def show_state(self, snapshot: TeamSnapshot, gate: Gate, *, checking: bool = False) -> None:
        """Show the warnings of `gate` and the mailer's connection state."""
        mailer = snapshot.mailer
        self.team_label.setText(snapshot.team_name)
        if mailer is None:
            self.checked_label.setText("No AWS account connected")
        else:
            text = f"Last checked {local_time(mailer.last_checked)}"
            if checking:
                text += " · checking…"
            self.checked_label.setText(text)
        self.refresh_button.setEnabled(mailer is not None)

        # Rebuild only when something visible changed: banners are widgets, not free.
        key = (
            mailer.access if mailer else None,
            mailer.access_reason if mailer else None,
            mailer.offline_since if mailer else None,
            tuple((w.code, w.message) for w in gate.warnings),
        )
        if key == self._shown:
            return
        self._shown = key
        self._clear()
        if mailer is not None and mailer.access == MailerAccess.LOST:
            why = f": {mailer.access_reason.rstrip('. ')}" if mailer.access_reason else ""
            self._add(
                "lost_access",
                f"This mailer has lost access to AWS{why}. Sending has stopped.",
                "error",
                [("Reconnect…", "reconnect", ""), ("Delete mailer…", "delete_mailer", "")],
                "Reconnect with new keys for the same AWS account: nothing is deleted.",
            )
        if (
            mailer is not None
            and mailer.offline_since is not None
            and mailer.access != MailerAccess.LOST
        ):
            self._add(
                "offline",
                f"Offline since {local_time(mailer.offline_since)}: AWS cannot be reached.",
                "warn",
                [],
                "Showing the last known state; sesdesk keeps trying and backs off meanwhile.",
            )
        others = _grouped([w for w in gate.warnings if w.code != "lost_access"], snapshot)
        for warning in others[:MAX_BANNERS]:
            tone = "error" if warning.code in ("sending_paused", "identity_failed") else "warn"
            if warning.code in ("sandbox", "review_pending"):
                tone = "info"
            buttons: list[tuple[str, str, str]] = []
            fix = warning.fix.value if warning.fix else ""
            if fix in FIX_LABELS and fix != "refresh":
                detail = warning.link or fix_detail(fix, snapshot)
                if warning.code == "identity_pending" or warning.code == "identity_failed":
                    detail = _identity_in(warning.message, snapshot) or detail
                buttons.append((FIX_LABELS[fix], fix, detail))
                if warning.code == "identity_failed":
                    buttons.append(("Replace…", "replace", detail))
            self._add(warning.code, warning.message, tone, buttons)
        if len(others) > MAX_BANNERS:
            rest = len(others) - MAX_BANNERS
            self._add(
                "more",
                f"{rest} more warning{'s' if rest > 1 else ''}: see the sender identities below.",
                "info",
                [],
            )
        self._finish()


def _grouped(warnings: list[GateWarning], snapshot: TeamSnapshot) -> list[GateWarning]:
    """Three or more identity warnings of a kind become one banner that names a few."""
    from sesdesk.services.gating import GateWarning

    result: list[GateWarning] = []
    for code, waiting in (("identity_pending", True), ("identity_failed", False)):
        group = [w for w in warnings if w.code == code]
        if len(group) < 3:
            continue
        names = [_identity_in(w.message, snapshot) for w in group]
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        message = (
            f"Waiting for AWS to verify {len(group)} sender identities ({shown}): publish "
            "their DNS records or open the links AWS emailed."
            if waiting
            else f"Verification of {len(group)} sender identities failed ({shown}): retry or "
            "replace them."
        )
        result.append(GateWarning(code, message, group[0].fix, group[0].link))
    grouped = {w.code for w in result}
    merged = [w for w in warnings if w.code not in grouped]
    # Keep the gate's order: the group takes the place of its first member.
    for warning in result:
        first = next(i for i, w in enumerate(warnings) if w.code == warning.code)
        merged.insert(min(first, len(merged)), warning)
    return merged


def _identity_in(message: str, snapshot: TeamSnapshot) -> str:
    """The identity a warning's message names (the longest match wins: a.com vs b.a.com)."""
    names = [i.name for i in snapshot.identities if i.name in message]
    return max(names, key=len) if names else ""
