"""The "Bounces and complaints" card: whether SES's events come back (configuration set →
SNS → SQS), what is waiting, when it was last drained, the account's bounce and complaint
rates against AWS's thresholds, and Set up / Repair and Drain now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QPushButton, QWidget

from sesdesk.ui.dashboard.common import (
    button_row,
    field_grid,
    local_time,
    value_label,
)
from sesdesk.ui.widgets.card import Card
from sesdesk.ui.widgets.pill import StatusPill

if TYPE_CHECKING:
    from sesdesk.services.feedback.wiring import FeedbackCardData
    from sesdesk.services.state import TeamSnapshot
    from sesdesk.ui.bridge import Bridge

BOUNCE_REVIEW, BOUNCE_PAUSE = 0.05, 0.10
COMPLAINT_REVIEW, COMPLAINT_PAUSE = 0.001, 0.005


def _rate(value: float | None, review: float, pause: float) -> tuple[str, str]:
    """The rate as text and a tone against AWS's review and pause thresholds."""
    if value is None:
        return "not known yet", "neutral"
    tone = "bad" if value >= pause else "warn" if value >= review else "ok"
    return (
        f"{value * 100:.2f} % (AWS reviews at {review * 100:g} %, may pause at {pause * 100:g} %)",
        tone,
    )


class FeedbackCard(Card):
    """Health of the feedback wiring and the reputation figures, with Repair."""

    def __init__(
        self, bridge: Bridge, store: Any, team_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__("Bounces and complaints", parent)
        self.bridge, self.store, self.team_id = bridge, store, team_id
        self.state = StatusPill(wrap=True)
        self.header.addWidget(self.state)
        self.configured = value_label()
        self.waiting = value_label()
        self.drained = value_label()
        self.counts = value_label()
        self.bounce = value_label()
        self.complaint = value_label()
        self.problems = value_label()
        self.body.addLayout(
            field_grid(
                ("Wiring", self.configured),
                ("Waiting in the queue", self.waiting),
                ("Last taken in", self.drained),
                ("Events taken in", self.counts),
                ("Bounce rate", self.bounce),
                ("Complaint rate", self.complaint),
                ("Problems", self.problems),
            )
        )
        self.repair_button = QPushButton("Set up")
        self.drain_button = QPushButton("Take in now")
        self.repair_button.clicked.connect(self.repair)
        self.drain_button.clicked.connect(self.drain_now)
        self.body.addLayout(button_row(self.repair_button, self.drain_button))
        self.data: FeedbackCardData | None = None
        self.busy = False

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """The card reads its own data (the feedback tables); a snapshot only triggers it."""
        self.reload()

    def reload(self) -> None:
        """Read the feedback state off the GUI thread and show it."""
        from sesdesk.services.feedback.wiring import load_feedback_card

        self.bridge.run(load_feedback_card, self.store, self.team_id, on_success=self.show_data)

    def show_data(self, data: FeedbackCardData) -> None:
        """Show one read."""
        self.data = data
        status = data.status
        if not status.configured:
            self.state.set_status("Not set up", "warn")
            self.configured.setText("SES's events have nowhere to go yet.")
        elif status.problems:
            self.state.set_status("Broken", "bad")
            self.configured.setText(f"{status.configuration_set} → SNS → SQS")
        else:
            self.state.set_status("Working", "ok")
            self.configured.setText(f"{status.configuration_set} → SNS → SQS")
        self.repair_button.setText("Repair" if status.configured else "Set up")
        self.repair_button.setVisible(not status.configured or bool(status.problems))
        self.drain_button.setVisible(status.configured and not status.problems)
        self.waiting.setText("unknown" if status.waiting is None else f"{status.waiting:,}")
        self.drained.setText(local_time(status.last_drained) if status.last_drained else "never")
        self.counts.setText(
            f"{status.processed:,} events, {status.duplicates:,} duplicates ignored, "
            f"{status.unrecognised:,} unreadable (kept)"
        )
        source = {"ses": " — from SES", "local": " — measured by sesdesk"}.get(
            data.rate_source or "", ""
        )
        text, tone = _rate(data.bounce_rate, BOUNCE_REVIEW, BOUNCE_PAUSE)
        self.bounce.setText(text + (source if data.bounce_rate is not None else ""))
        self.bounce.setProperty("tone", tone)
        text, tone = _rate(data.complaint_rate, COMPLAINT_REVIEW, COMPLAINT_PAUSE)
        self.complaint.setText(text + (source if data.complaint_rate is not None else ""))
        self.complaint.setProperty("tone", tone)
        messages = [message for _code, message in data.warnings]
        self.problems.setText("\n".join(messages) if messages else "none")

    def _run(self, fn: Any) -> None:
        if self.busy:
            return
        self.busy = True
        self.repair_button.setEnabled(False)
        self.drain_button.setEnabled(False)

        def done(_: Any) -> None:
            self.busy = False
            self.repair_button.setEnabled(True)
            self.drain_button.setEnabled(True)
            self.bridge.store_changed.emit(self.team_id)

        def failed(error: Any) -> None:
            done(None)
            self.bridge.report(error)

        self.bridge.run(fn, self.store, self.team_id, on_success=done, on_failure=failed)

    def repair(self) -> None:
        """Set up or repair the wiring (idempotent), then take in what is waiting."""
        from sesdesk.services.feedback.wiring import repair_and_drain

        self._run(repair_and_drain)

    def drain_now(self) -> None:
        """Take in every waiting event now."""
        from sesdesk.services.feedback.intake import drain

        def drain_all(store: Any, team_id: int) -> Any:
            result = drain(store, team_id, wait_seconds=0)
            if result.error is not None:
                raise result.error
            return result

        self._run(drain_all)
