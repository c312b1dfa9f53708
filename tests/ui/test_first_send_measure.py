"""Time to first safe send, as a new user in demo mode, through the real widgets: first launch
→ New team → Connect (Use demo keys) → add an identity → verify it (Simulator controls) → test
email sent; then → production access submitted. Every click, key press and typed field is
counted; the figures are printed (run with -s to see them)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget, QWizard

pytestmark = pytest.mark.timeout(180)
TARGET = 25


@dataclass
class Tally:
    """What the user did: clicks, key presses, fields typed into and characters typed."""

    clicks: int = 0
    keys: int = 0
    fields: int = 0
    characters: int = 0

    @property
    def interactions(self) -> int:
        """Clicks + key presses + one per field typed into."""
        return self.clicks + self.keys + self.fields


def test_first_safe_send_in_demo_mode_then_production_access(open_window, qtbot, capsys):
    tally = Tally()

    def click(widget: QWidget) -> None:
        assert widget.isVisible() and widget.isEnabled(), widget
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        tally.clicks += 1

    def key(widget: QWidget, which: Qt.Key) -> None:
        qtbot.keyClick(widget, which)
        tally.keys += 1

    def type_into(widget: QWidget, text: str) -> None:
        widget.setFocus()
        qtbot.keyClicks(widget, text)
        tally.fields += 1
        tally.characters += len(text)

    def choose(combo, text: str) -> None:  # open the list, pick the entry: two clicks
        combo.setCurrentIndex(combo.findText(text))
        tally.clicks += 2

    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)

    # New team.
    click(window.team_switcher.new_button)
    dialog = window.team_switcher.dialog
    type_into(dialog.name_edit, "Bakery")
    key(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.dashboard.snapshot is not None
            and window.dashboard.snapshot.team_name == "Bakery"
        ),
        timeout=20_000,
    )
    view = window.dashboard.view

    # Connect with the demo keys.
    qtbot.waitUntil(view.credentials.connect_button.isVisible, timeout=10_000)
    click(view.credentials.connect_button)
    wizard = window.fixes.last_opened
    click(wizard.keys_page.demo_keys_button)
    qtbot.waitUntil(lambda: wizard.keys_page.key_id_edit.text() != "", timeout=10_000)
    with qtbot.waitSignal(wizard.connected, timeout=30_000):
        key(wizard, Qt.Key.Key_Return)
    key(wizard, Qt.Key.Key_Return)  # Next: done
    key(wizard, Qt.Key.Key_Return)  # Finish
    assert not wizard.isVisible()
    qtbot.waitUntil(
        lambda: (
            window.dashboard.snapshot.mailer is not None
            and window.dashboard.snapshot.mailer.access == "ok"
        ),
        timeout=30_000,
    )

    # Add a sender identity.
    view = window.dashboard.view
    qtbot.waitUntil(view.identities.add_button.isVisible, timeout=10_000)
    click(view.identities.add_button)
    adding = window.fixes.last_opened
    type_into(adding.input_page.edit, "hello@bakery.example")
    with qtbot.waitSignal(adding.added, timeout=30_000):
        key(adding, Qt.Key.Key_Return)  # Add
    key(adding, Qt.Key.Key_Return)  # Finish
    assert not adding.isVisible()

    # Verify it with the Simulator controls.
    panel = window.simulator_panel
    qtbot.waitUntil(
        lambda: panel.identity_combo.findText("hello@bakery.example") >= 0, timeout=10_000
    )
    choose(panel.identity_combo, "hello@bakery.example")
    assert panel.status_combo.currentText() == "SUCCESS"
    with qtbot.waitSignal(panel.action_done, timeout=30_000):
        click(panel.apply_identity)
    qtbot.waitUntil(
        lambda: any(
            i.name == "hello@bakery.example" and i.status == "SUCCESS"
            for i in window.dashboard.snapshot.identities
        ),
        timeout=30_000,
    )

    # The first test email.
    window.menu_actions.compose.trigger()
    tally.clicks += 2  # Send menu, then New message…
    compose = window.fixes.last_opened
    qtbot.waitUntil(lambda: compose.to_edit.text() == "hello@bakery.example", timeout=10_000)
    assert compose.from_combo.currentText() == "hello@bakery.example"
    type_into(compose.subject_edit, "Hello")
    type_into(compose.text_edit, "Our first email")
    click(compose.send_button)
    qtbot.waitUntil(lambda: "Sent the test email" in compose.status_label.text(), timeout=30_000)
    sent = window.services.demo.simulator.sent_messages()
    assert [m.subject for m in sent] == ["Hello"]
    first_send = Tally(**tally.__dict__)
    compose.close()  # the message was sent: closing asks nothing
    assert not compose.isVisible()

    # Then production access, through the menu.
    window.menu_actions.apply_production.trigger()
    tally.clicks += 2  # Team menu, then the item
    access = window.fixes.last_opened
    qtbot.waitUntil(
        lambda: access.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=10_000
    )
    key(access, Qt.Key.Key_Return)
    fields = access.compose.fields
    fields["business"].setPlainText("")
    type_into(fields["business"], "Bakery bakes bread and sells it in its shop in Ghent.")
    fields["signup"].setPlainText("")
    type_into(fields["signup"], "Customers sign up at the counter and confirm by email.")
    fields["daily_volume"].setText("")
    type_into(fields["daily_volume"], "100 emails per day")
    click(access.button(QWizard.WizardButton.NextButton))
    click(access.button(QWizard.WizardButton.NextButton))
    with qtbot.waitSignal(access.submitted, timeout=20_000):
        click(access.submit_page.submit_button)
    assert "Review pending" in access.submit_page.result_title.text()

    with capsys.disabled():
        print(
            f"\nfirst safe send: {first_send.interactions} interactions "
            f"({first_send.clicks} clicks, {first_send.keys} key presses, "
            f"{first_send.fields} fields typed, {first_send.characters} characters typed); "
            f"with production access submitted: {tally.interactions} interactions "
            f"({tally.clicks} clicks, {tally.keys} key presses, {tally.fields} fields typed, "
            f"{tally.characters} characters typed)"
        )
    assert first_send.interactions <= TARGET
