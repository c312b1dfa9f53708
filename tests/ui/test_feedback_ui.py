"""The "Bounces and complaints" card and the demo's feedback controls: the whole loop in the
window — a send's bounce reaches the card, a deleted queue shows broken, Repair rebuilds it."""

from __future__ import annotations

import pytest

from sesdesk.services import contacts, sending
from tests.ui.windows import shown_view

pytestmark = pytest.mark.timeout(120)


def test_demo_shows_the_whole_feedback_loop(open_window, qtbot):
    window = open_window(demo=True)
    view = shown_view(window, qtbot)
    card = view.feedback
    qtbot.waitUntil(lambda: card.data is not None, timeout=10_000)
    assert card.state.text() == "Working"  # the demo wires feedback at start
    assert card.repair_button.isHidden()

    demo = window.services.demo
    controls = window.simulator_panel.feedback
    controls.address.setText("owner@demo-shop.example")
    controls.outcome.setCurrentIndex(0)  # hard bounce
    with qtbot.waitSignal(controls.action_done, timeout=30_000):
        controls.apply_button.click()
    # A test email to the bouncing (verified) address: SES's events come back to the card.
    demo.simulator.set_identity_status("owner@demo-shop.example", "SUCCESS")
    from sesdesk.services.mailers import open_mailer
    from sesdesk.services.refresh import refresh_team

    refresh_team(demo.store, demo.team_id, open_mailer(demo.store, demo.team_id))
    contacts.create_list(demo.store, demo.team_id, "me")
    contacts.add_contact(demo.store, demo.team_id, "me", "owner@demo-shop.example", "Owner")
    created = sending.create_broadcast(
        demo.store,
        demo.team_id,
        list_name="me",
        composition=sending.Composition(
            from_address="owner@demo-shop.example", subject="Hi", text_body="Hello"
        ),
        kind=sending.KIND_TEST_CAMPAIGN,
    )
    result = sending.send_broadcast(demo.store, demo.team_id, created.id)
    assert result.status.state == "done"
    with qtbot.waitSignal(controls.action_done, timeout=30_000):
        controls.redeliver_button.click()  # duplicates too: counted once
    # Taken in by the control's own drain or the window's poller, whichever comes first.
    window.bridge.store_changed.emit(demo.team_id)
    qtbot.waitUntil(
        lambda: card.data is not None and card.data.status.duplicates >= 2, timeout=20_000
    )
    assert card.data.status.processed == 2  # Send and Bounce, each once
    status = sending.broadcast_status(demo.store, demo.team_id, created.id)
    assert (status.bounced, status.delivered) == (1, 0)
    assert "duplicates ignored" in card.counts.text()

    with qtbot.waitSignal(controls.action_done, timeout=30_000):
        controls.delete_button.click()
    qtbot.waitUntil(lambda: card.state.text() == "Broken", timeout=20_000)
    assert "queue was deleted" in card.problems.text()
    assert card.repair_button.isVisible() and card.repair_button.text() == "Repair"

    card.repair_button.click()
    qtbot.waitUntil(lambda: card.state.text() == "Working", timeout=30_000)
