"""The sending engine against the simulator: gating, rate, every recipient's fate, pause,
resume, cancel, quota, lost access, network failures and crash recovery."""

from __future__ import annotations

import threading
import time
from collections import Counter
from email.utils import parseaddr

import pytest
from sqlalchemy import select, update

from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.errors import AuthError, Rejected
from sesdesk.aws.sending import NotSent, OutgoingEmail, SendingFacade
from sesdesk.aws.ses import SesFacade
from sesdesk.errors import BadInput, NotAllowed
from sesdesk.models.sending import Recipient, SendDay
from sesdesk.services import contacts, sending
from sesdesk.services.feedback import suppression
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.state import daily_sends
from sesdesk.services.teams import create_team

FAKE_KEYS = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
DOMAIN = "shop.example"
FROM = f"news@{DOMAIN}"


def connect(store, simulator, *, keys=FAKE_KEYS, production=True, rate=100.0, max_24h=1e6):
    """A team with a verified domain; returns its id."""
    simulator.set_production(production)
    simulator.set_quota(max_rate=rate, max_24h=max_24h)
    facade = SesFacade(ClientFactory("us-east-1", keys, endpoint=simulator.endpoint))
    team = create_team(store, "shop")
    save_mailer(store, team.id, region="us-east-1", keys=keys, caller=facade.caller_identity())
    facade.create_identity(DOMAIN)
    simulator.set_identity_status(DOMAIN, "SUCCESS")
    refresh_team(store, team.id, facade)
    return team.id


@pytest.fixture
def endpoint_env(simulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    return simulator


def make_list(store, team_id, count, *, name="all", domain="example.com"):
    contacts.create_list(store, team_id, name)
    for i in range(count):
        contacts.add_contact(store, team_id, name, f"user{i}@{domain}", f"User {i}")


def compose(**overrides):
    values = {"from_address": FROM, "subject": "Hi {{name}}", "text_body": "Hello {{name}}"}
    values.update(overrides)
    return sending.Composition(**values)


def accepted(simulator) -> Counter[str]:
    return Counter(
        parseaddr(d)[1].lower() for m in simulator.sent_messages() for d in m.destinations
    )


def run_in_thread(runner):
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = runner.run()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --------------------------------------------------------------------------- composition


def test_personalisation_escapes_html_and_uses_fallbacks():
    message = sending.build_email(
        compose(
            subject="For {{ name | friend }}",
            text_body="{{name}} <{{email}}>",
            html_body="<p>{{name}}</p>",
            unsubscribe_mailto="mailto:out@shop.example?subject=unsubscribe",
        ),
        "a@example.com",
        "<Ann & Co>",
    )
    assert message.subject == "For <Ann & Co>"
    assert message.text_body == "<Ann & Co> <a@example.com>"
    assert message.html_body == "<p>&lt;Ann &amp; Co&gt;</p>"
    assert message.headers == (
        ("List-Unsubscribe", "<mailto:out@shop.example?subject=unsubscribe>"),
    )
    nameless = sending.build_email(compose(subject="For {{name|friend}}"), "b@example.com", None)
    assert nameless.subject == "For friend" and nameless.to_address == "b@example.com"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"subject": "two\nlines"}, "subject"),
        ({"text_body": " ", "html_body": None}, "body"),
        ({"text_body": "Hi {{first_name}}"}, "text"),
        ({"from_address": "nobody"}, "from"),
        ({"reply_to": "not-an-address"}, "reply-to"),
        ({"unsubscribe_mailto": "mailto:nope"}, "unsubscribe"),
        ({"html_body": "x" * (8 * 1024 * 1024)}, "body"),
    ],
)
def test_bad_compositions_are_refused_naming_the_field(overrides, field):
    with pytest.raises(BadInput) as refused:
        sending.validate_composition(compose(**overrides))
    assert refused.value.field == field


def test_the_unsubscribe_header_defaults_to_the_sender():
    cleaned = sending.validate_composition(compose(from_address=f"Shop <{FROM}>"))
    assert cleaned.unsubscribe_mailto == f"mailto:{FROM}?subject=unsubscribe"
    assert cleaned.from_address == f"Shop <{FROM}>"


# --------------------------------------------------------------------------- gating


def test_sandbox_refuses_broadcasts_and_unverified_test_recipients_before_calling_aws(
    store, endpoint_env
):
    simulator = endpoint_env
    team_id = connect(store, simulator, production=False)
    make_list(store, team_id, 3)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    with pytest.raises(NotAllowed, match="sandbox"):
        sending.send_broadcast(store, team_id, draft.id)
    simulator.set_unreachable(True)  # proves no AWS call is made for the refusal below
    try:
        with pytest.raises(NotAllowed, match=r"someone@example\.com"):
            sending.send_test_email(store, team_id, to="someone@example.com", composition=compose())
    finally:
        simulator.set_unreachable(False)
    assert simulator.sent_messages() == []
    assert sending.broadcast_status(store, team_id, draft.id).pending == 3


def test_a_test_campaign_must_fit_in_todays_quota(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, production=False, max_24h=2)
    make_list(store, team_id, 3, domain=DOMAIN)
    draft = sending.create_broadcast(
        store, team_id, list_name="all", composition=compose(), kind="test_campaign"
    )
    with pytest.raises(NotAllowed, match="fit in today's quota"):
        sending.send_broadcast(store, team_id, draft.id)
    assert simulator.sent_messages() == []


def test_unknown_and_unverified_from_addresses(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator)
    make_list(store, team_id, 1)
    with pytest.raises(BadInput) as unknown:
        sending.create_broadcast(
            store, team_id, list_name="all", composition=compose(from_address="a@elsewhere.example")
        )
    assert unknown.value.field == "from"
    SesFacade(ClientFactory("us-east-1", FAKE_KEYS)).create_identity("other.example")
    refresh_team(store, team_id)
    with pytest.raises(NotAllowed, match="not verified"):
        sending.create_broadcast(
            store, team_id, list_name="all", composition=compose(from_address="a@other.example")
        )


def test_a_subdomain_of_a_verified_domain_may_send(store, endpoint_env):
    # SES lets a verified domain send from any address of any of its subdomains; broadcasts
    # and test emails follow the same rule.
    simulator = endpoint_env
    team_id = connect(store, simulator)
    make_list(store, team_id, 1)
    sub = compose(from_address=f"Shop <news@mail.{DOMAIN}>")
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=sub)
    assert draft.from_address == f"Shop <news@mail.{DOMAIN}>"
    test = sending.create_test_email(store, team_id, to=f"me@{DOMAIN}", composition=sub)
    assert test.total == 1


# --------------------------------------------------------------------------- the engine


def test_a_broadcast_reaches_everyone_once_skips_suppressed_and_unsubscribed(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=200)
    make_list(store, team_id, 30)
    contacts.set_subscribed(store, team_id, "all", "user1@example.com", subscribed=False)
    suppression.suppress(store, team_id, "USER2@example.com", "bounce")
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    assert draft.total == 29  # the unsubscribed contact is not a recipient at all
    seen: list[sending.Progress] = []
    result = sending.send_broadcast(store, team_id, draft.id, on_progress=seen.append)
    status = result.status
    assert (status.state, status.sent, status.suppressed, status.pending) == ("done", 28, 1, 0)
    assert result.stop_error is None and result.exit_code == 0
    got = accepted(simulator)
    assert len(got) == 28 and max(got.values()) == 1
    assert "user1@example.com" not in got and "user2@example.com" not in got
    assert seen and seen[-1].status.sent == 28
    rows = sending.recipients(store, team_id, draft.id, state="sent", limit=100)
    assert {r.message_id for r in rows} == {m.message_id for m in simulator.sent_messages()}
    (today,) = [d for d in daily_sends(store, team_id) if d.sent]
    with store.session() as session:
        failed = session.scalar(select(SendDay.failed).where(SendDay.day == today.day))
    assert (today.sent, failed) == (28, 0)


def test_sending_keeps_to_the_rate_read_live(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=20)
    make_list(store, team_id, 30)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    result = sending.send_broadcast(store, team_id, draft.id)
    assert result.status.sent == 30 and result.throttled == 0
    times = sorted(m.at for m in simulator.sent_messages())
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 20
    assert times[-1] - times[0] >= 29 / 20 * 0.95


def test_throttling_is_retried_and_nobody_is_sent_twice(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=50)
    make_list(store, team_id, 20)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    runner = sending.BroadcastRunner(store, team_id, draft.id)
    thread, outcome = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) >= 2)
    simulator.set_quota(max_rate=4)  # AWS lowers the rate under our feet
    thread.join(60)
    result = outcome["result"]
    assert result.status.state == "done" and result.status.sent == 20
    assert result.throttled > 0
    assert max(accepted(simulator).values()) == 1


def test_aws_pausing_sending_pauses_the_broadcast_and_resume_finishes_it(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=20)
    make_list(store, team_id, 30)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    thread, outcome = run_in_thread(sending.BroadcastRunner(store, team_id, draft.id))
    wait_for(lambda: len(simulator.sent_messages()) >= 3)
    simulator.set_sending_enabled(False, enforcement="SHUTDOWN")
    thread.join(30)
    paused = outcome["result"]
    assert paused.status.state == "paused" and "paused" in (paused.status.stop_reason or "")
    assert paused.exit_code == 3
    assert paused.status.sent + paused.status.pending == 30
    simulator.set_sending_enabled(True)
    resumed = sending.send_broadcast(store, team_id, draft.id)
    assert (resumed.status.state, resumed.status.sent) == ("done", 30)
    got = accepted(simulator)
    assert len(got) == 30 and max(got.values()) == 1


def test_lost_access_pauses_and_marks_the_mailer_lost(store, iam_simulator, monkeypatch):
    simulator = iam_simulator
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    keys = simulator.create_user("shop")
    team_id = connect(store, simulator, keys=keys, rate=20)
    make_list(store, team_id, 20)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    thread, outcome = run_in_thread(sending.BroadcastRunner(store, team_id, draft.id))
    wait_for(lambda: len(simulator.sent_messages()) >= 2)
    simulator.revoke_key(keys.access_key_id)
    thread.join(30)
    result = outcome["result"]
    assert result.status.state == "paused" and result.exit_code == 4
    assert result.status.sent == len(simulator.sent_messages())
    assert result.status.sent + result.status.pending == 20
    from sesdesk.services.state import load_snapshot

    assert load_snapshot(store, team_id).mailer.access == "lost"
    with pytest.raises(AuthError):  # still lost: refused before sending anything
        sending.send_broadcast(store, team_id, draft.id)
    assert result.status.sent == len(simulator.sent_messages())


def test_a_5xx_makes_recipients_uncertain_and_they_are_resent_only_when_asked(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=50)
    make_list(store, team_id, 10)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    runner = sending.BroadcastRunner(store, team_id, draft.id)
    thread, outcome = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) >= 2)
    simulator.set_unreachable(True)
    thread.join(60)
    simulator.set_unreachable(False)
    result = outcome["result"]
    assert result.status.state == "paused" and result.exit_code == 5
    uncertain = result.status.uncertain
    assert uncertain > 0
    assert result.status.sent + uncertain + result.status.pending == 10
    again = sending.send_broadcast(store, team_id, draft.id)
    assert again.status.state == "done" and again.status.uncertain == uncertain
    assert sum(accepted(simulator).values()) == again.status.sent
    final = sending.send_broadcast(store, team_id, draft.id, resend_uncertain=True)
    assert (final.status.sent, final.status.uncertain) == (10, 0)


def test_a_rejected_recipient_fails_with_the_reason_and_the_rest_go(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=100)
    make_list(store, team_id, 5)

    class RefusesUser3(SendingFacade):
        def send_email(self, email: OutgoingEmail) -> str:
            if "user3@" in email.to_address:
                raise Rejected("Address blacklisted.", code="MessageRejected")
            return super().send_email(email)

    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    sender = RefusesUser3(ClientFactory("us-east-1", FAKE_KEYS))
    result = sending.BroadcastRunner(store, team_id, draft.id, sender=sender).run()
    assert (result.status.state, result.status.sent, result.status.failed) == ("done", 4, 1)
    (failed,) = sending.recipients(store, team_id, draft.id, state="failed")
    assert failed.email == "user3@example.com" and failed.error == "Address blacklisted."


def test_pause_resume_and_cancel(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=10)
    make_list(store, team_id, 30)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    runner = sending.BroadcastRunner(store, team_id, draft.id)
    thread, outcome = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) >= 2)
    runner.pause()
    thread.join(10)
    paused = outcome["result"].status
    assert paused.state == "paused" and paused.stop_reason == "paused by the user"
    assert paused.sent == len(simulator.sent_messages()) and paused.pending == 30 - paused.sent
    runner = sending.BroadcastRunner(store, team_id, draft.id)
    thread, outcome = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) >= paused.sent + 2)
    runner.cancel()
    thread.join(10)
    stopped = outcome["result"].status
    assert stopped.state == "stopped" and stopped.pending > 0
    with pytest.raises(NotAllowed, match="cancelled"):
        sending.send_broadcast(store, team_id, draft.id)
    assert max(accepted(simulator).values()) == 1


def test_the_daily_quota_stops_waiting_and_continues_when_the_window_allows(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=100, max_24h=4)
    make_list(store, team_id, 6)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    stopped = sending.send_broadcast(store, team_id, draft.id)
    assert (stopped.status.state, stopped.status.sent, stopped.status.pending) == (
        "waiting_quota",
        4,
        2,
    )
    assert stopped.exit_code == 3
    runner = sending.BroadcastRunner(
        store, team_id, draft.id, wait_for_quota=True, quota_poll_every=0.05
    )
    simulator.set_quota(max_24h=5)
    refresh_team(store, team_id)
    thread, outcome = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) == 5)
    time.sleep(0.2)
    assert sending.broadcast_status(store, team_id, draft.id).state == "waiting_quota"
    simulator.set_quota(max_24h=6)  # the window "rolls"
    thread.join(10)
    assert outcome["result"].status.state == "done" and len(simulator.sent_messages()) == 6


def test_rows_left_sending_by_a_crash_become_uncertain_and_are_not_resent(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator)
    make_list(store, team_id, 4)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    with store.session() as session:  # what a process killed mid-send leaves behind
        session.execute(
            update(Recipient)
            .where(Recipient.broadcast_id == draft.id, Recipient.email == "user0@example.com")
            .values(state="sending")
        )
        session.get(sending.Broadcast, draft.id).state = "sending"
    status = sending.broadcast_status(store, team_id, draft.id)
    assert (status.state, status.uncertain, status.pending) == ("paused", 1, 3)
    assert "stopped while sending" in (status.stop_reason or "")
    result = sending.send_broadcast(store, team_id, draft.id)
    assert (result.status.state, result.status.sent, result.status.uncertain) == ("done", 3, 1)
    assert "user0@example.com" not in accepted(simulator)
    assert sending.resend_uncertain(store, team_id, draft.id) == 1
    assert sending.send_broadcast(store, team_id, draft.id).status.sent == 4


def test_one_sender_per_broadcast(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=5)
    make_list(store, team_id, 10)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    runner = sending.BroadcastRunner(store, team_id, draft.id)
    thread, _ = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) >= 1)
    with pytest.raises(NotAllowed, match="already being sent"):
        sending.send_broadcast(store, team_id, draft.id)
    runner.cancel()
    thread.join(10)


def test_a_gate_that_says_no_sends_nothing_and_a_gate_that_says_yes_runs_once(store, endpoint_env):
    simulator = endpoint_env
    connect(store, simulator, rate=100)
    facade = SendingFacade(ClientFactory("us-east-1", FAKE_KEYS))
    email = OutgoingEmail(FROM, "user1@example.com", "Hi", text_body="Hello")
    with facade.gated(lambda: False), pytest.raises(NotSent):
        facade.send_email(email)
    assert simulator.sent_messages() == []
    calls: list[int] = []

    def gate() -> bool:
        calls.append(1)
        return True

    with facade.gated(gate):
        assert facade.send_email(email)
    assert calls == [1] and accepted(simulator) == Counter({"user1@example.com": 1})
    facade.send_email(email)  # outside the block no gate runs
    assert calls == [1]


def test_senders_halted_at_the_rate_gate_go_back_to_pending_not_uncertain(store, endpoint_env):
    simulator = endpoint_env
    team_id = connect(store, simulator, rate=1)
    make_list(store, team_id, 6)
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=compose())
    # One send a second: the rest sit in the gate, their requests built and signed, unsent.
    runner = sending.BroadcastRunner(store, team_id, draft.id)
    thread, outcome = run_in_thread(runner)
    wait_for(lambda: len(simulator.sent_messages()) >= 1)
    runner.pause()
    thread.join(10)
    status = outcome["result"].status
    assert status.state == "paused" and status.uncertain == 0
    assert status.sent == len(simulator.sent_messages()) and status.pending == 6 - status.sent
