"""Simulator controls: drive every SES transition by hand in demo mode.

Each control calls the in-process simulator off the GUI thread through the bridge, then reads
the simulated account back into the store (standing in for the poller, which comes later) and
emits `store_changed` so the dashboard follows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models.states import IdentityStatus
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.demo_feedback import FeedbackControls, compact, control_button

IDENTITY_STATUSES = (
    IdentityStatus.PENDING,
    IdentityStatus.SUCCESS,
    IdentityStatus.FAILED,
    IdentityStatus.TEMPORARY_FAILURE,
)
ERROR_TYPES = (
    "INVALID_VALUE",
    "TYPE_NOT_FOUND",
    "HOST_NOT_FOUND",
    "SERVICE_ERROR",
    "DNS_SERVER_ERROR",
)
ENFORCEMENT = ("SHUTDOWN", "PROBATION")


def identity_statuses(simulator: Any) -> dict[str, str]:
    """Identity name → the status the simulator reports now, sorted by name."""
    statuses = simulator.identities()
    return {name: statuses[name] for name in sorted(statuses, key=str.lower)}


def current_quota(simulator: Any) -> tuple[float, float]:
    """(Max24HourSend, MaxSendRate) the simulator reports now."""
    quota = simulator.account_status()["SendQuota"]
    return float(quota["Max24HourSend"]), float(quota["MaxSendRate"])


def refresh_demo_team(demo: Any) -> str:
    """Read the simulated account into the demo store; return a note when AWS said no."""
    from sesdesk.services.refresh import refresh_team  # services load SQLAlchemy: not at import

    try:
        refresh_team(demo.store, demo.team_id)
    except SesdeskError as exc:
        # Expected after e.g. revoking the key: the store now records the lost access.
        return exc.message
    return ""


Layout = TypeVar("Layout", bound=QLayout)


def _group(title: str, layout: type[Layout]) -> tuple[QGroupBox, Layout]:
    """A titled group of the Simulator controls with its compact layout."""
    group = QGroupBox(title)
    inner = layout(group)
    compact(inner)
    return group, inner


class SimulatorPanel(QWidget):
    """Buttons and fields that change the simulated SES account."""

    #: A control action finished: (what was done).
    action_done = Signal(str)

    def __init__(self, bridge: Bridge, demo: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.demo = demo
        self.simulator = demo.simulator
        self.team_id: int = demo.team_id
        self.last_issued: str = ""
        self.issued_keys: Any = None
        self.identity_statuses: dict[str, str] = {}

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(8, 4, 8, 8)
        column.setSpacing(6)
        intro = QLabel(
            "Change the simulated SES account; sesdesk reads it back as it would from AWS."
        )
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        column.addWidget(intro)
        column.addWidget(self._identity_group())
        column.addWidget(self._access_group())
        column.addWidget(self._sending_group())
        column.addWidget(self._quota_group())
        column.addWidget(self._network_group())
        column.addWidget(self._keys_group())
        self.feedback = FeedbackControls(bridge, demo)
        self.feedback.action_done.connect(self.action_done)
        column.addWidget(self.feedback)
        from sesdesk.ui.demo_unsubscribe import UnsubscribeControls

        self.unsubscribe = UnsubscribeControls(bridge, demo)
        self.unsubscribe.action_done.connect(self.action_done)
        column.addWidget(self.unsubscribe)
        self.last_action = QLabel("No simulator changes yet.")
        self.last_action.setObjectName("simulatorLastAction")
        self.last_action.setWordWrap(True)
        self.last_action.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.last_action)
        column.addStretch(1)
        scroll.setWidget(inner)
        # Wide enough for the widest group beside the vertical scroll bar: no sideways scrolling.
        scroll.setMinimumWidth(
            inner.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._set_tab_order()
        self.reload_identities()

    # --- building ---------------------------------------------------------------------

    def _identity_group(self) -> QGroupBox:
        group, form = _group("Sender identity", QFormLayout)
        self.identity_combo = QComboBox()
        self.identity_combo.setToolTip("The identity (email address or domain) to change")
        # A long identity name must not widen the dock: the combo elides it instead.
        self.identity_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.identity_combo.setMinimumContentsLength(14)
        self.status_combo = QComboBox()
        self.status_combo.addItems(IDENTITY_STATUSES)
        self.status_combo.setCurrentText(IdentityStatus.SUCCESS)
        self.status_combo.setToolTip(
            "The verification status SES reports next: PENDING (waiting for the link or DNS), "
            "SUCCESS (verified), FAILED (must be recreated), TEMPORARY_FAILURE (AWS retries)"
        )
        self.error_combo = QComboBox()
        self.error_combo.addItems(ERROR_TYPES)
        self.error_combo.setToolTip("Why verification failed, as SES reports it (ErrorType)")
        self.status_combo.currentTextChanged.connect(self._status_chosen)
        self._status_chosen(self.status_combo.currentText())
        self.apply_identity = control_button(
            "&Apply to identity",
            "Make SES report the chosen status for this identity",
            self.set_identity_status,
        )
        self.identity_now = QLabel("—")
        self.identity_now.setObjectName("muted")
        self.identity_now.setWordWrap(True)  # "SES reports TEMPORARY_FAILURE" is long
        self.identity_combo.currentIndexChanged.connect(self._show_identity_now)
        form.addRow("&Identity", self.identity_combo)
        form.addRow("Now", self.identity_now)
        form.addRow("New &status", self.status_combo)
        form.addRow("Error t&ype", self.error_combo)
        form.addRow(self.apply_identity)
        return group

    def _access_group(self) -> QGroupBox:
        group, grid = _group("Production access", QGridLayout)
        self.grant_button = control_button(
            "&Grant",
            "AWS approves the production-access request: the account leaves the sandbox",
            lambda: self.set_review("GRANTED"),
        )
        self.deny_button = control_button(
            "&Deny",
            "AWS denies the production-access request: the account stays in the sandbox",
            lambda: self.set_review("DENIED"),
        )
        self.pending_button = control_button(
            "Mark &pending",
            "A production-access request is under review (usually 24–48 hours in AWS)",
            lambda: self.set_review("PENDING"),
        )
        self.clear_review_button = control_button(
            "&Clear review",
            "No production-access request has been made",
            lambda: self.set_review(None),
        )
        self.sandbox_button = control_button(
            "Sand&box",
            "Put the account in the sandbox: verified recipients only, 200 a day, 1 a second",
            lambda: self.set_production(False),
        )
        self.production_button = control_button(
            "Pr&oduction",
            "Take the account out of the sandbox without a review",
            lambda: self.set_production(True),
        )
        grid.addWidget(self.grant_button, 0, 0)
        grid.addWidget(self.deny_button, 0, 1)
        grid.addWidget(self.pending_button, 1, 0)
        grid.addWidget(self.clear_review_button, 1, 1)
        grid.addWidget(self.sandbox_button, 2, 0)
        grid.addWidget(self.production_button, 2, 1)
        return group

    def _sending_group(self) -> QGroupBox:
        group, grid = _group("Sending", QGridLayout)
        self.enforcement_combo = QComboBox()
        self.enforcement_combo.addItems(ENFORCEMENT)
        self.enforcement_combo.setToolTip(
            "The enforcement status SES reports with the pause (SHUTDOWN: AWS stopped sending; "
            "PROBATION: under review for bounces or complaints)"
        )
        self.enforcement_combo.setAccessibleName("Pause reason")
        self.pause_button = control_button(
            "Pa&use",
            "AWS pauses sending for the whole account (as after too many bounces)",
            self.pause_sending,
        )
        self.resume_button = control_button(
            "Resu&me", "AWS lets the account send again", self.resume_sending
        )
        # Two columns, as in the other groups: three in a row made the dock scroll sideways.
        grid.addWidget(self.enforcement_combo, 0, 0, 1, 2)
        grid.addWidget(self.pause_button, 1, 0)
        grid.addWidget(self.resume_button, 1, 1)
        return group

    def _quota_group(self) -> QGroupBox:
        group, form = _group("Quota", QFormLayout)
        self.max_24h_spin = QSpinBox()
        self.max_24h_spin.setRange(0, 10_000_000)
        self.max_24h_spin.setSingleStep(100)
        self.max_24h_spin.setValue(200)
        self.max_24h_spin.setToolTip("Max24HourSend: recipients the account may send to per 24 h")
        self.max_rate_spin = QDoubleSpinBox()
        self.max_rate_spin.setRange(0.1, 1000.0)
        self.max_rate_spin.setDecimals(1)
        self.max_rate_spin.setValue(1.0)
        self.max_rate_spin.setToolTip("MaxSendRate: recipients per second")
        self.apply_quota_button = control_button(
            "Apply &quota", "Give the account these sending limits", self.apply_quota
        )
        form.addRow("Per &24 hours", self.max_24h_spin)
        form.addRow("Ma&x per second", self.max_rate_spin)
        form.addRow(self.apply_quota_button)
        return group

    def _network_group(self) -> QGroupBox:
        group, row = _group("Network", QHBoxLayout)
        self.latency_spin = QSpinBox()
        self.latency_spin.setRange(0, 30_000)
        self.latency_spin.setSingleStep(50)
        self.latency_spin.setSuffix(" ms")
        self.latency_spin.setToolTip(
            "Delay added to every simulated AWS call (real SES answers in about 130 ms). "
            "Press Enter or Apply."
        )
        self.latency_spin.editingFinished.connect(self._latency_edited)
        self.apply_latency_button = control_button(
            "Apply", "Use this delay for every simulated AWS call", self.apply_latency
        )
        self.apply_latency_button.setAccessibleName("Apply latency")
        row.addWidget(self._label("&Latency", self.latency_spin))
        row.addWidget(self.latency_spin, 1)
        row.addWidget(self.apply_latency_button)
        self._applied_latency_ms = 0
        return group

    def _keys_group(self) -> QGroupBox:
        group, row = _group("Access keys", QHBoxLayout)
        self.revoke_button = control_button(
            "&Revoke key",
            "Delete the access key the demo mailer uses now, in the simulated IAM: the next "
            "AWS call fails, as when a key is rotated or quarantined",
            self.revoke_key,
        )
        self.issue_button = control_button(
            "Issue ne&w key",
            "Create another access key for the demo IAM user (for trying Reconnect)",
            self.issue_key,
        )
        row.addWidget(self.revoke_button)
        row.addWidget(self.issue_button)
        return group

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _set_tab_order(self) -> None:
        chain = [
            self.identity_combo,
            self.status_combo,
            self.error_combo,
            self.apply_identity,
            self.grant_button,
            self.deny_button,
            self.pending_button,
            self.clear_review_button,
            self.sandbox_button,
            self.production_button,
            self.enforcement_combo,
            self.pause_button,
            self.resume_button,
            self.max_24h_spin,
            self.max_rate_spin,
            self.apply_quota_button,
            self.latency_spin,
            self.apply_latency_button,
            self.revoke_button,
            self.issue_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _status_chosen(self, status: str) -> None:
        self.error_combo.setEnabled(
            status in (IdentityStatus.FAILED, IdentityStatus.TEMPORARY_FAILURE)
        )

    # --- running actions ----------------------------------------------------------------

    def _act(self, description: str, change: Callable[[], Any]) -> None:
        """Run `change` off the GUI thread, read the account back, tell everyone."""
        demo = self.demo

        def work() -> str:
            change()
            return refresh_demo_team(demo)

        def done(note: str) -> None:
            text = description if not note else f"{description} — sesdesk now sees: {note}"
            self.last_action.setText(text)
            self.reload_identities()
            self.action_done.emit(description)

        self.bridge.run(
            work, label=f"Simulator: {description}", changes=self.team_id, on_success=done
        )

    def reload_identities(self) -> None:
        """Re-read identities and quota from the simulator (off the GUI thread)."""
        keep = self.current_identity()

        def read() -> tuple[dict[str, str], tuple[float, float]]:
            return identity_statuses(self.simulator), current_quota(self.simulator)

        def show(state: tuple[dict[str, str], tuple[float, float]]) -> None:
            statuses, (max_24h, max_rate) = state
            self.identity_statuses = statuses
            self.identity_combo.clear()
            for name in statuses:
                self.identity_combo.addItem(name, name)
            index = self.identity_combo.findData(keep)
            if index >= 0:
                self.identity_combo.setCurrentIndex(index)
            self.apply_identity.setEnabled(bool(statuses))
            self.max_24h_spin.setValue(round(max_24h))
            self.max_rate_spin.setValue(max_rate)

        self.bridge.run(read, on_success=show)

    def _show_identity_now(self) -> None:
        status = self.identity_statuses.get(self.current_identity())
        self.identity_now.setText(f"SES reports {status}" if status else "—")

    def current_identity(self) -> str:
        """The identity chosen in the combo ("" when there is none)."""
        data = self.identity_combo.currentData()
        return str(data) if data else ""

    def set_identity_status(self) -> None:
        """Set the chosen identity's verification status."""
        identity = self.current_identity()
        if not identity:
            return
        status = self.status_combo.currentText()
        error = self.error_combo.currentText() if self.error_combo.isEnabled() else None
        shown = f"{status} ({error})" if error else status
        self._act(
            f"{identity} → {shown}",
            lambda: self.simulator.set_identity_status(identity, status, error_type=error),
        )

    def set_review(self, status: str | None) -> None:
        """Set the production-access review (GRANTED also leaves the sandbox)."""

        # The simulator turns production on when a review is GRANTED, as AWS does.
        self._act(
            f"Production review → {status or 'none'}", lambda: self.simulator.set_review(status)
        )

    def set_production(self, production: bool) -> None:
        """Move the account between sandbox and production."""
        self._act(
            "Account → production" if production else "Account → sandbox",
            lambda: self.simulator.set_production(production),
        )

    def pause_sending(self) -> None:
        """AWS pauses the account's sending."""
        enforcement = self.enforcement_combo.currentText()
        self._act(
            f"Sending paused ({enforcement})",
            lambda: self.simulator.set_sending_enabled(False, enforcement=enforcement),
        )

    def resume_sending(self) -> None:
        """AWS lets the account send again."""
        self._act(
            "Sending resumed",
            lambda: self.simulator.set_sending_enabled(True, enforcement="HEALTHY"),
        )

    def apply_quota(self) -> None:
        """Give the account the quota in the spin boxes."""
        max_24h = float(self.max_24h_spin.value())
        max_rate = float(self.max_rate_spin.value())
        self._act(
            f"Quota → {max_24h:g} a day, {max_rate:g} a second",
            lambda: self.simulator.set_quota(max_24h=max_24h, max_rate=max_rate),
        )

    def _latency_edited(self) -> None:
        if self.latency_spin.value() != self._applied_latency_ms:
            self.apply_latency()

    def apply_latency(self) -> None:
        """Delay every simulated AWS call by the chosen milliseconds."""
        milliseconds = self.latency_spin.value()
        self._applied_latency_ms = milliseconds
        self._act(
            f"Latency → {milliseconds} ms",
            lambda: self.simulator.set_latency(milliseconds / 1000.0),
        )

    def revoke_key(self) -> None:
        """Delete the key the demo mailer uses now."""
        demo = self.demo

        def change() -> None:
            from sesdesk.services.demo import current_key_id  # services load SQLAlchemy

            self.simulator.revoke_key(current_key_id(demo.store, demo.team_id))

        self._act("Current access key revoked", change)

    def issue_key(self) -> None:
        """Create a new key for the demo IAM user (shown by its last four characters)."""
        demo = self.demo

        def work() -> Any:
            return self.simulator.issue_key(demo.user_name)

        def done(keys: Any) -> None:
            # Kept in memory only, for the Reconnect wizard to offer later; shown by last four.
            self.issued_keys = keys
            last4 = str(getattr(keys, "access_key_id", ""))[-4:]
            self.last_issued = last4
            self.last_action.setText(f"New access key …{last4} issued for {demo.user_name}")
            self.action_done.emit("New access key issued")

        self.bridge.run(work, label="Simulator: issuing a key", on_success=done)
