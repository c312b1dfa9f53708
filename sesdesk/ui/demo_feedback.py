"""Simulator controls for SES feedback in demo mode: make any address bounce or complain,
redeliver everything SES published (duplicates, as SNS and SQS may), delete the feedback queue
behind sesdesk's back. After each change sesdesk takes in what is waiting, as its poller would,
and the dashboard follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from sesdesk.ui.bridge import Bridge

#: What the combo offers → the simulator's outcome (None: as SES decides).
OUTCOMES = (
    ("Hard bounce", "bounce"),
    ("Soft bounce", "transient"),
    ("Complaint", "complaint"),
    ("On SES's suppression list", "suppressed"),
    ("Deliver (as SES decides)", None),
)


def take_in(demo: Any) -> str:
    """What sesdesk's poller would do now for feedback: check, drain, merge suppressions."""
    from sesdesk.services.feedback.reputation import feedback_cycle
    from sesdesk.services.feedback.wiring import feedback_status, mailer_factory

    notes = feedback_cycle(demo.store, demo.team_id, mailer_factory(demo.store, demo.team_id))
    status = feedback_status(demo.store, demo.team_id)
    found = "; ".join(notes) if notes else "nothing new"
    return f"{found}; problems: {', '.join(status.problems) or 'none'}"


def compact(layout: QLayout) -> None:
    """The Simulator controls' spacing: the dock is narrow and every control should fit
    without scrolling on 720 px."""
    layout.setContentsMargins(8, 8, 8, 8)
    layout.setSpacing(6)


def control_button(text: str, tooltip: str, slot: Callable[[], Any]) -> QPushButton:
    """A button of the Simulator controls: its words, what it does, and what it calls."""
    button = QPushButton(text)
    button.setToolTip(tooltip)
    button.clicked.connect(slot)
    return button


class SimulatorGroup(QGroupBox):
    """A group of the Simulator controls whose actions change the simulated account and then
    take in what SES published, as the poller would; the last outcome shows at the bottom."""

    #: A control action finished: (what was done).
    action_done = Signal(str)

    def __init__(self, title: str, bridge: Bridge, demo: Any, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.bridge = bridge
        self.demo = demo
        self.grid = QGridLayout(self)
        compact(self.grid)
        self.last = QLabel("")
        self.last.setObjectName("muted")
        self.last.setWordWrap(True)

    def _act(self, description: str, change: Any, *, failure: str | None = None) -> None:
        """Run `change()` then take in, off the GUI thread; with `failure`, an error shows in
        the group as "`failure`: reason" instead of the status bar."""
        demo = self.demo

        def work() -> str:
            change()
            return take_in(demo)

        def done(note: str) -> None:
            self.last.setText(f"{description} — sesdesk took in: {note}")
            self.action_done.emit(description)

        def failed(error: Any) -> None:
            self.last.setText(f"{failure}: {error}")

        self.bridge.run(
            work,
            label=f"Simulator: {description}",
            changes=demo.team_id,
            on_success=done,
            on_failure=failed if failure else None,
        )


class FeedbackControls(SimulatorGroup):
    """The "Bounces and complaints" group of the Simulator controls."""

    def __init__(self, bridge: Bridge, demo: Any, parent: QWidget | None = None) -> None:
        super().__init__("Bounces and complaints", bridge, demo, parent)
        grid = self.grid
        self.address = QLineEdit()
        self.address.setPlaceholderText("someone@example.com")
        self.address.setToolTip("Any address: messages to it get the outcome chosen beside")
        self.outcome = QComboBox()
        for text, value in OUTCOMES:
            self.outcome.addItem(text, value)
        self.outcome.setToolTip("What SES reports for messages to the address from now on")
        self.apply_button = control_button(
            "Se&t outcome",
            "From now on, SES reports this outcome for messages to the address",
            self.set_outcome,
        )
        self.redeliver_button = control_button(
            "Redeli&ver all",
            "Deliver every event SES published again, with the same SNS message ids: "
            "sesdesk must count none of them twice",
            self.redeliver,
        )
        self.delete_button = control_button(
            "Delete &feedback queue",
            "Delete sesdesk's SQS queue, as someone could in the AWS console: the dashboard "
            "shows the wiring broken, and Repair rebuilds it",
            self.delete_queue,
        )
        label = QLabel("Addr&ess")
        label.setBuddy(self.address)
        # Two columns at most: the dock must fit beside the dashboard on a 1024-px screen.
        self.outcome.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.outcome.setMinimumContentsLength(14)
        grid.addWidget(label, 0, 0)
        grid.addWidget(self.address, 0, 1)
        grid.addWidget(self.outcome, 1, 0, 1, 2)
        grid.addWidget(self.apply_button, 2, 0)
        grid.addWidget(self.redeliver_button, 2, 1)
        grid.addWidget(self.delete_button, 3, 0, 1, 2)
        grid.addWidget(self.last, 4, 0, 1, 2)

    def set_outcome(self) -> None:
        """Make the typed address bounce / complain / … from now on."""
        from sesdesk.errors import BadInput
        from sesdesk.simulator import events

        address = self.address.text().strip()
        if "@" not in address:
            self.bridge.report(BadInput("address", "type an email address first"))
            return
        outcome = self.outcome.currentData()
        text = self.outcome.currentText().lower()
        self._act(
            f"{address}: {text}",
            lambda: events.set_outcome(self.demo.simulator.state, address, outcome),
        )

    def redeliver(self) -> None:
        """Deliver everything published again (true duplicates)."""
        from sesdesk.simulator import events

        self._act(
            "Redelivered every SES event", lambda: events.redeliver_all(self.demo.simulator.state)
        )

    def delete_queue(self) -> None:
        """Delete the feedback queue behind sesdesk's back."""
        from sesdesk.aws.feedback import FEEDBACK_NAME
        from sesdesk.simulator import events
        from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID

        self._act(
            "Deleted the feedback queue",
            lambda: events.delete_queue(DEFAULT_ACCOUNT_ID, self.demo.region, FEEDBACK_NAME),
        )
