"""A demo restart re-creates what the simulated SES account itself remembers of the kept
records: the production-access review in its support case with the details sent, the day's
sends (SentLast24Hours and the quota), the suppression entries read from or written to SES, and
the custom MAIL FROM domain sesdesk set. The new demo key is said in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sesdesk.models import StatusEvent
from sesdesk.services import access
from sesdesk.services.feedback.reputation import feedback_cycle
from sesdesk.services.feedback.suppression import suppression_entries
from sesdesk.services.mailers import open_mailer
from sesdesk.services.readiness.mail_from import set_up_mail_from
from sesdesk.services.refresh import refresh_team
from sesdesk.services.runtime import open_app
from sesdesk.services.state import load_snapshot
from tests.access_samples import filled_template
from tests.conftest import send_to_new_list

pytestmark = pytest.mark.timeout(120)

DOMAIN = "demo-shop.example"


def _first_run(home) -> tuple[int, str]:
    services = open_app(demo=True, home=home)
    try:
        demo = services.demo
        store, team_id, sim = services.store, demo.team_id, demo.simulator
        sim.set_identity_status(DOMAIN, "SUCCESS")
        refresh_team(store, team_id)
        form, answers = filled_template("otp", website_url=f"https://{DOMAIN}")
        access.submit(store, team_id, form, answers=answers)
        sim.set_review("GRANTED")
        refresh_team(store, team_id)
        set_up_mail_from(store, team_id, DOMAIN)
        send_to_new_list(store, team_id, f"news@{DOMAIN}")
        # An address another tool put on SES's list, read into the records by a poll.
        sim.suppress("gone@example.com", "COMPLAINT")
        feedback_cycle(store, team_id, open_mailer(store, team_id).factory)
        assert [e.email for e in suppression_entries(store, team_id)] == ["gone@example.com"]
        refresh_team(store, team_id)
        account = load_snapshot(store, team_id).account
        assert account.sent_24h == 3
        assert (account.production, account.review_status) == (True, "GRANTED")
        assert account.review_case_id
        return team_id, account.review_case_id
    finally:
        services.close()


def test_a_demo_restart_keeps_the_days_sends_suppressions_and_mail_from(isolated_home) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    team_id, case_id = _first_run(isolated_home)

    services = open_app(demo=True, home=isolated_home)
    try:
        store, sim = services.store, services.demo.simulator
        assert services.demo.team_id == team_id
        # SES counts the day's three recipients: the dashboard and the quota agree with the
        # history rather than starting the day afresh.
        status = sim.account_status()
        assert status["SendQuota"]["SentLast24Hours"] == 3.0
        assert status["Details"]["MailType"] == "TRANSACTIONAL"
        assert status["Details"]["WebsiteURL"] == f"https://{DOMAIN}"
        assert status["Details"]["ReviewDetails"] == {"Status": "GRANTED", "CaseId": case_id}
        account = load_snapshot(store, team_id).account
        assert account.sent_24h == 3
        assert (account.production, account.review_status) == (True, "GRANTED")
        assert account.review_case_id == case_id
        with store.session() as session:
            review = session.scalars(
                select(StatusEvent.field).where(StatusEvent.team_id == team_id)
            ).all()
            key_events = session.scalars(
                select(StatusEvent.message).where(
                    StatusEvent.subject == "mailer", StatusEvent.field == "key"
                )
            ).all()
        # No review change is invented by the restart; the new demo key is said once.
        assert review.count("review_status") == 2  # PENDING, then GRANTED
        assert len(key_events) == 1 and "Demo restarted" in key_events[0]
        # SES's list still has the entry, so the next poll keeps it instead of following its
        # "removal".
        feedback_cycle(store, team_id, open_mailer(store, team_id).factory)
        entries = suppression_entries(store, team_id)
        assert [(e.email, e.reason, e.source) for e in entries] == [
            ("gone@example.com", "COMPLAINT", "ses")
        ]
        detail = open_mailer(store, team_id).get_identity(DOMAIN)
        assert detail.mail_from_domain == f"mail.{DOMAIN}"
        assert detail.mail_from_status == "SUCCESS"  # it follows the verified domain
    finally:
        services.close()


def test_past_usage_older_than_a_day_is_left_out(sim) -> None:
    import time

    now = time.time()
    counted = sim.add_past_usage([now - 60, now - 3600, now - 90_000])
    assert counted == 2
    assert sim.account_status()["SendQuota"]["SentLast24Hours"] == 2.0
