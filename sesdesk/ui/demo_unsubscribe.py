"""The demo's "Unsubscribe an address…" control: the simulator acts as if the person used the
one-click unsubscribe link of the last message sesdesk sent them (the contact opts out in
SES's contact list and SES publishes a Subscription event); then sesdesk takes it in as its
poller would, and the contacts window shows the contact unsubscribed via SES's link."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from sesdesk.ui.bridge import Bridge
from sesdesk.ui.demo_feedback import SimulatorGroup, control_button


class UnsubscribeControls(SimulatorGroup):
    """The "Unsubscribe an address…" group of the Simulator controls."""

    def __init__(self, bridge: Bridge, demo: Any, parent: QWidget | None = None) -> None:
        super().__init__("Unsubscribe an address…", bridge, demo, parent)
        self.address = QLineEdit()
        self.address.setPlaceholderText("someone@example.com")
        self.address.setAccessibleName("Address to unsubscribe")
        self.address.setToolTip("A contact sesdesk sent a broadcast to")
        self.address.returnPressed.connect(self.unsubscribe)
        self.button = control_button(
            "U&nsubscribe",
            "As if the person clicked the one-click unsubscribe link of the last message "
            "sesdesk sent them: SES opts them out and publishes a Subscription event",
            self.unsubscribe,
        )
        label = QLabel("W&ho")
        label.setBuddy(self.address)
        self.grid.addWidget(label, 0, 0)
        self.grid.addWidget(self.address, 0, 1)
        self.grid.addWidget(self.button, 1, 0, 1, 2)
        self.grid.addWidget(self.last, 2, 0, 1, 2)

    def unsubscribe(self) -> None:
        """Unsubscribe the typed address in the simulator, then take it in."""
        address = self.address.text().strip()
        if "@" not in address:
            self.last.setText("Type the address of a contact first.")
            return
        demo = self.demo

        def click_the_link() -> None:
            from sesdesk.errors import NotAllowed

            try:
                demo.simulator.unsubscribe(address, region=demo.region)
            except ValueError as exc:  # the simulated account has nothing to opt out of
                raise NotAllowed(
                    f"{exc}: send a broadcast to a list first, so that SES has its contact list"
                ) from None

        self._act(
            f"{address} unsubscribed through SES's link",
            click_the_link,
            failure=f"Could not unsubscribe {address}",
        )
