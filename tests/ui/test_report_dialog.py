"""The window's broadcast report: every recipient's state and SES outcome, by default only who
did not get it (a bounce counts), and the probably-not-sent put back in the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from sesdesk.models import Recipient, utcnow
from sesdesk.models.sending import UNCERTAIN
from sesdesk.services import sending
from sesdesk.services.feedback import intake, wiring
from sesdesk.ui.sending.report import BroadcastReportDialog
from tests.services.test_feedback import broadcast_with, publish, ses_event
from tests.services.test_sending import connect


@pytest.fixture
def team(store, simulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team_id = connect(store, simulator)
    wiring.set_up_feedback(store, team_id)
    return team_id


def test_report_lists_who_did_not_get_it_and_resends_the_probably_not_sent(
    qtbot, bridge, store, simulator, team
):
    emails = ["ok@example.com", "bounce@example.com", "lost@example.com"]
    broadcast_id, ids = broadcast_with(store, team, emails)
    with store.session() as session:
        session.execute(
            update(Recipient)
            .where(Recipient.id == ids["lost@example.com"])
            .values(state=UNCERTAIN, updated_at=utcnow() - timedelta(minutes=20))
        )
    for email, kind in (("ok@example.com", "Delivery"), ("bounce@example.com", "Bounce")):
        publish(simulator, store, team, ses_event(kind, email, team, broadcast_id, ids[email]))
    intake.drain(store, team, wait_seconds=0)

    dialog = BroadcastReportDialog(bridge, store, team, broadcast_id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=10_000)
    shown = {dialog.table.item(r, 0).text(): dialog.table.item(r, 2).text() for r in range(2)}
    assert shown == {"bounce@example.com": "bounced", "lost@example.com": "probably not sent"}
    assert "1 delivered, 1 bounced" in dialog.summary.text()
    dialog.only_missed.setChecked(False)
    assert dialog.table.rowCount() == 3

    assert dialog.resend_button.isVisibleTo(dialog)
    assert dialog.resend_button.text() == "Re-send the 1 probably not sent"
    with qtbot.waitSignal(bridge.store_changed, timeout=10_000):
        dialog.resend_button.click()
    qtbot.waitUntil(lambda: not dialog.resend_button.isVisibleTo(dialog), timeout=10_000)
    assert "back in the queue" in dialog.note.text()
    status = sending.broadcast_status(store, team, broadcast_id)
    assert (status.pending, status.uncertain, status.sent) == (1, 0, 2)
