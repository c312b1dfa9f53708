"""Feedback intake against the simulator: SES events through SNS → SQS into the store, bad
input and faults (non-JSON, unknown types, unknown recipients, a queue deleted or AWS gone
mid-drain, the same message ten times), outcomes, suppression, uncertain sends settled, and
the broadcast's bounce guard in the real engine."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import Unreachable
from sesdesk.aws.feedback import FeedbackFacade
from sesdesk.errors import NotAllowed
from sesdesk.models import FeedbackEvent, Recipient, Suppression, utcnow
from sesdesk.models.sending import SENT, UNCERTAIN
from sesdesk.services import contacts, sending
from sesdesk.services.feedback import guard, intake, report, uncertain, wiring
from sesdesk.services.feedback.tags import BROADCAST_TAG, RECIPIENT_TAG, TEAM_TAG
from sesdesk.simulator import events
from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID
from tests.services.test_sending import FAKE_KEYS, compose, connect, make_list

REGION = "us-east-1"


@pytest.fixture
def team(store, simulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team_id = connect(store, simulator)
    wiring.set_up_feedback(store, team_id)
    return team_id


def facade(simulator) -> FeedbackFacade:
    return FeedbackFacade(ClientFactory(REGION, FAKE_KEYS, endpoint=simulator.endpoint))


def topic(store, team_id) -> str:
    found = wiring.stored_wiring(store, team_id)
    assert found is not None
    return found.topic_arn


def broadcast_with(store, team_id, emails, *, state=SENT):
    """A broadcast whose recipients are already `state`; returns (broadcast id, {email: id})."""
    contacts.create_list(store, team_id, "l")
    for email in emails:
        contacts.add_contact(store, team_id, "l", email, None)
    created = sending.create_broadcast(store, team_id, list_name="l", composition=compose())
    with store.session() as session:
        session.execute(
            update(Recipient)
            .where(Recipient.broadcast_id == created.id)
            .values(state=state, message_id=None, updated_at=utcnow())
        )
        ids = dict(
            session.execute(
                select(Recipient.email, Recipient.id).where(Recipient.broadcast_id == created.id)
            ).all()
        )
    return created.id, ids


def ses_event(kind, email, team_id, broadcast_id, recipient_id, **section):
    """An SES configuration-set event as SES writes it (tag values are lists)."""
    mail = {
        "timestamp": "2026-11-29T10:00:00.000Z",
        "messageId": f"m-{recipient_id}",
        "source": "news@shop.example",
        "destination": [email],
        "tags": {
            TEAM_TAG: [str(team_id)],
            BROADCAST_TAG: [str(broadcast_id)],
            RECIPIENT_TAG: [str(recipient_id)],
            "ses:configuration-set": ["sesdesk-feedback"],
        },
    }
    body = {"eventType": kind, "mail": mail}
    if kind == "Bounce":
        body["bounce"] = {
            "feedbackId": section.get("feedback_id", f"fb-{recipient_id}-{kind}"),
            "bounceType": section.get("bounce_type", "Permanent"),
            "bounceSubType": section.get("subtype", "General"),
            "bouncedRecipients": [
                {
                    "emailAddress": email,
                    "status": "5.1.1",
                    "diagnosticCode": section.get("diagnostic", "smtp; 550 5.1.1"),
                }
            ],
            "timestamp": section.get("timestamp", "2026-11-29T10:00:01.000Z"),
        }
    elif kind == "Delivery":
        body["delivery"] = {"timestamp": "2026-11-29T10:00:01.000Z", "recipients": [email]}
    elif kind == "Complaint":
        body["complaint"] = {
            "feedbackId": f"fb-{recipient_id}-c",
            "complainedRecipients": [{"emailAddress": email}],
            "complaintFeedbackType": "abuse",
            "timestamp": "2026-11-29T10:00:02.000Z",
        }
    elif kind == "Send":
        body["send"] = {}
    return json.dumps(body)


def publish(simulator, store, team_id, message) -> str:
    return events.publish(
        simulator.state, DEFAULT_ACCOUNT_ID, REGION, topic(store, team_id), message
    )


def outcome_of(store, team_id, broadcast_id):
    return {
        row.email: (row.state, row.outcome)
        for row in report.broadcast_report(store, team_id, broadcast_id)
    }


# --------------------------------------------------------------------------- intake


def test_both_formats_enveloped_or_raw_map_to_their_recipient(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com", "b@example.com"])
    publish(
        simulator,
        store,
        team,
        ses_event("Delivery", "a@example.com", team, broadcast_id, ids["a@example.com"]),
    )
    # An identity notification: notificationType, no tags — found by SES's message id.
    with store.session() as session:
        session.execute(
            update(Recipient).where(Recipient.id == ids["b@example.com"]).values(message_id="ses-b")
        )
    notification = {
        "notificationType": "Bounce",
        "mail": {
            "messageId": "ses-b",
            "destination": ["b@example.com"],
            "timestamp": "2026-11-29T10:00:00Z",
        },
        "bounce": {
            "feedbackId": "fb-b",
            "bounceType": "Permanent",
            "bounceSubType": "NoEmail",
            "bouncedRecipients": [{"emailAddress": "b@example.com", "diagnosticCode": "smtp; 550"}],
            "timestamp": "2026-11-29T10:00:01Z",
        },
    }
    # Raw delivery on: the SES JSON is the whole body.
    sqs = facade(simulator)._factory.client("sqs")
    url = wiring.stored_wiring(store, team).queue_url
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(notification))

    result = intake.drain(store, team, wait_seconds=0)
    assert (result.processed, result.duplicates, result.unrecognised) == (2, 0, 0)
    assert outcome_of(store, team, broadcast_id) == {
        "a@example.com": (SENT, "delivered"),
        "b@example.com": (SENT, "bounced"),
    }
    assert facade(simulator).receive(url, wait_seconds=0) == []  # deleted after the commit


def test_an_internationalised_domain_gets_its_outcome_and_its_suppression(store, simulator, team):
    stored, sent_as = "jose@exämple.com", "jose@xn--exmple-cua.com"
    broadcast_id, ids = broadcast_with(store, team, [stored, "a@example.com"])
    # SES names the recipient as it was sent: the domain in punycode.
    publish(
        simulator,
        store,
        team,
        ses_event("Bounce", sent_as, team, broadcast_id, ids[stored]),
    )
    result = intake.drain(store, team, wait_seconds=0)
    assert (result.processed, result.unmatched) == (1, 0)
    assert outcome_of(store, team, broadcast_id)[stored] == (SENT, "bounced")
    with store.session() as session:
        # Kept as the contact is, so the next broadcast to the list skips it.
        assert session.scalars(select(Suppression.email_lower)).all() == [stored]
        assert session.scalars(select(FeedbackEvent.email_lower)).all() == [stored]


def test_bad_bodies_are_kept_counted_and_never_block(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com"])
    sqs = facade(simulator)._factory.client("sqs")
    url = wiring.stored_wiring(store, team).queue_url
    sqs.send_message(QueueUrl=url, MessageBody="this is not JSON {")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"eventType": "Teleport", "mail": {}}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps([1, 2, 3]))
    publish(
        simulator,
        store,
        team,
        ses_event("Delivery", "a@example.com", team, broadcast_id, ids["a@example.com"]),
    )

    result = intake.drain(store, team, wait_seconds=0)
    assert (result.processed, result.unrecognised) == (1, 3)
    with store.session() as session:
        kept = session.scalars(
            select(FeedbackEvent.detail).where(FeedbackEvent.recognised.is_(False))
        ).all()
        raw = session.scalars(
            select(FeedbackEvent.raw).where(FeedbackEvent.recognised.is_(False))
        ).all()
    assert sorted(kept) == sorted(
        ["the body is not JSON", "unknown event type 'Teleport'", "the body is not a JSON object"]
    )
    assert "this is not JSON {" in raw
    assert facade(simulator).receive(url, wait_seconds=0) == []
    assert wiring.feedback_status(store, team).unrecognised == 3
    # The same bad body again is a duplicate, not a second unrecognised message.
    sqs.send_message(QueueUrl=url, MessageBody="this is not JSON {")
    again = intake.drain(store, team, wait_seconds=0)
    assert (again.unrecognised, again.duplicates) == (0, 1)


def test_events_for_unknown_recipients_are_recorded_not_applied(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com"])
    publish(simulator, store, team, ses_event("Bounce", "x@example.com", 999, 999, 99999))
    # A tag naming a real row but another address: not that row's event.
    publish(
        simulator,
        store,
        team,
        ses_event("Complaint", "z@example.com", 999, broadcast_id, ids["a@example.com"]),
    )
    result = intake.drain(store, team, wait_seconds=0)
    assert (result.processed, result.unmatched) == (2, 2)
    assert outcome_of(store, team, broadcast_id) == {"a@example.com": (SENT, None)}
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Suppression)) == 0
        assert session.scalar(select(func.count()).select_from(FeedbackEvent)) == 2


def test_the_same_message_ten_times_counts_once(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com"])
    publish(
        simulator,
        store,
        team,
        ses_event("Bounce", "a@example.com", team, broadcast_id, ids["a@example.com"]),
    )
    for _ in range(9):
        events.redeliver_all(simulator.state)
    result = intake.drain(store, team, wait_seconds=0)
    assert (result.processed, result.duplicates) == (1, 9)
    status = sending.broadcast_status(store, team, broadcast_id)
    assert (status.bounced, status.delivered) == (1, 0)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(FeedbackEvent)) == 1


def test_out_of_order_the_worst_outcome_wins(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com", "b@example.com"])
    a, b = ids["a@example.com"], ids["b@example.com"]
    publish(simulator, store, team, ses_event("Bounce", "a@example.com", team, broadcast_id, a))
    publish(simulator, store, team, ses_event("Delivery", "a@example.com", team, broadcast_id, a))
    publish(simulator, store, team, ses_event("Delivery", "b@example.com", team, broadcast_id, b))
    publish(simulator, store, team, ses_event("Complaint", "b@example.com", team, broadcast_id, b))
    intake.drain(store, team, wait_seconds=0)
    assert outcome_of(store, team, broadcast_id) == {
        "a@example.com": (SENT, "bounced"),
        "b@example.com": (SENT, "complained"),
    }
    status = sending.broadcast_status(store, team, broadcast_id)
    assert (status.delivered, status.bounced, status.complained) == (2, 1, 1)


class _QueueVanishes(FeedbackFacade):
    """Deletes the queue right after the first receive (someone did it in the console)."""

    def __init__(self, simulator) -> None:
        super().__init__(ClientFactory(REGION, FAKE_KEYS, endpoint=simulator.endpoint))
        self.calls = 0

    def receive(self, queue_url, *, wait_seconds=1):
        self.calls += 1
        found = super().receive(queue_url, wait_seconds=wait_seconds)
        if self.calls == 1:
            events.delete_queue(DEFAULT_ACCOUNT_ID, REGION, "sesdesk-feedback")
        return found


def test_a_queue_deleted_mid_drain_keeps_what_was_committed(store, simulator, team):
    emails = [f"u{i}@example.com" for i in range(25)]
    broadcast_id, ids = broadcast_with(store, team, emails)
    for email in emails:
        publish(
            simulator, store, team, ses_event("Delivery", email, team, broadcast_id, ids[email])
        )
    result = intake.drain(store, team, _QueueVanishes(simulator), wait_seconds=0)
    assert isinstance(result.error, NotAllowed) and "deleted" in result.error.message
    assert result.processed == 10  # the first batch was received before the queue went
    assert sending.broadcast_status(store, team, broadcast_id).delivered == 10
    status = wiring.feedback_status(store, team)
    assert status.problems == ("the feedback queue was deleted",)
    codes = [code for code, _ in wiring.feedback_warnings(store, team, True)]
    assert codes == ["feedback_broken"]


class _DropsBeforeDelete(FeedbackFacade):
    """AWS becomes unreachable between receiving and deleting."""

    def __init__(self, simulator) -> None:
        super().__init__(
            ClientFactory(REGION, FAKE_KEYS, endpoint=simulator.endpoint, timeout_scale=0.1)
        )
        self.simulator = simulator

    def delete(self, queue_url, handles):
        self.simulator.set_unreachable(True)
        try:
            return super().delete(queue_url, handles)
        finally:
            self.simulator.set_unreachable(False)


def test_aws_unreachable_mid_drain_loses_nothing_and_counts_nothing_twice(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com", "b@example.com"])
    for email in ids:
        publish(simulator, store, team, ses_event("Bounce", email, team, broadcast_id, ids[email]))
    # Received messages become visible again at once: what SQS does after the visibility
    # timeout, when a receiver never deleted them.
    sqs = facade(simulator)._factory.client("sqs")
    url = wiring.stored_wiring(store, team).queue_url
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    first = intake.drain(store, team, _DropsBeforeDelete(simulator), wait_seconds=0)
    assert isinstance(first.error, Unreachable)
    assert first.processed == 2 and sending.broadcast_status(store, team, broadcast_id).bounced == 2
    # The undeleted messages come back: duplicates only.
    second = intake.drain(store, team, wait_seconds=0)
    assert (second.processed, second.duplicates, second.error) == (0, 2, None)
    assert sending.broadcast_status(store, team, broadcast_id).bounced == 2


def test_no_queue_policy_means_nothing_arrives(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["a@example.com"])
    sqs = facade(simulator)._factory.client("sqs")
    url = wiring.stored_wiring(store, team).queue_url
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    publish(
        simulator,
        store,
        team,
        ses_event("Delivery", "a@example.com", team, broadcast_id, ids["a@example.com"]),
    )
    assert intake.drain(store, team, wait_seconds=0).processed == 0
    checked = wiring.check_feedback(store, team)
    assert checked.problems == ("the queue's policy no longer lets the topic deliver into it",)
    wiring.set_up_feedback(store, team)  # repair
    publish(
        simulator,
        store,
        team,
        ses_event("Delivery", "a@example.com", team, broadcast_id, ids["a@example.com"]),
    )
    assert intake.drain(store, team, wait_seconds=0).processed == 1


def test_drain_without_wiring_says_how_to_set_it_up(store, simulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team_id = connect(store, simulator)
    with pytest.raises(NotAllowed, match="not set up"):
        intake.drain(store, team_id)
    assert [c for c, _ in wiring.feedback_warnings(store, team_id, True)] == ["feedback_missing"]


# --------------------------------------------------------------------------- suppression


def test_transient_bounces_suppress_after_three_within_the_window(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["soft@example.com", "once@example.com"])
    soft, once = ids["soft@example.com"], ids["once@example.com"]
    for n in range(2):
        publish(
            simulator,
            store,
            team,
            ses_event(
                "Bounce",
                "soft@example.com",
                team,
                broadcast_id,
                soft,
                bounce_type="Transient",
                subtype="MailboxFull",
                feedback_id=f"t{n}",
            ),
        )
    publish(
        simulator,
        store,
        team,
        ses_event(
            "Bounce",
            "once@example.com",
            team,
            broadcast_id,
            once,
            bounce_type="Transient",
            feedback_id="o",
        ),
    )
    intake.drain(store, team, wait_seconds=0)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Suppression)) == 0
    publish(
        simulator,
        store,
        team,
        ses_event(
            "Bounce",
            "soft@example.com",
            team,
            broadcast_id,
            soft,
            bounce_type="Transient",
            subtype="MailboxFull",
            feedback_id="t3",
        ),
    )
    intake.drain(store, team, wait_seconds=0)
    with store.session() as session:
        rows = session.scalars(select(Suppression)).all()
    assert [(r.email_lower, r.reason, r.source) for r in rows] == [
        ("soft@example.com", "bounce", "local")
    ]
    assert "3 soft bounces within 30 days" in (rows[0].detail or "")


def test_a_bounce_for_a_contact_who_left_the_list_is_no_suppression(store, simulator, team):
    broadcast_id, ids = broadcast_with(store, team, ["left@example.com", "gone@example.com"])
    for email, diagnostic in (
        (
            "left@example.com",
            "Amazon SES did not send the message to this address because the contact "
            "unsubscribed from the list or topic.",
        ),
        ("gone@example.com", "smtp; 550 5.1.1 user unknown"),
    ):
        publish(
            simulator,
            store,
            team,
            ses_event("Bounce", email, team, broadcast_id, ids[email], diagnostic=diagnostic),
        )
    intake.drain(store, team, wait_seconds=0)
    with store.session() as session:
        rows = session.scalars(select(Suppression)).all()
    # The unsubscribe is per list (the list sync records it); the person may still want others.
    assert [r.email_lower for r in rows] == ["gone@example.com"]


# --------------------------------------------------------------------------- uncertain sends


def test_an_event_settles_an_uncertain_send(store, simulator, team):
    broadcast_id, ids = broadcast_with(
        store, team, ["a@example.com", "b@example.com"], state=UNCERTAIN
    )
    publish(
        simulator,
        store,
        team,
        ses_event("Send", "a@example.com", team, broadcast_id, ids["a@example.com"]),
    )
    result = intake.drain(store, team, wait_seconds=0)
    assert result.settled == 1
    status = sending.broadcast_status(store, team, broadcast_id)
    assert (status.sent, status.uncertain) == (1, 1)
    # No event for b: with healthy feedback drained 15+ minutes after its send it is
    # "probably not sent", and Resend releases only it.
    with store.session() as session:
        session.execute(
            update(Recipient)
            .where(Recipient.id == ids["b@example.com"])
            .values(updated_at=utcnow() - timedelta(minutes=20))
        )
    rows = {r.email: r for r in report.broadcast_report(store, team, broadcast_id)}
    assert rows["b@example.com"].outcome == report.PROBABLY_NOT_SENT
    assert rows["a@example.com"].state == SENT
    assert uncertain.release_probably_not_sent(store, team, broadcast_id) == 1
    status = sending.broadcast_status(store, team, broadcast_id)
    assert (status.pending, status.uncertain, status.sent) == (1, 0, 1)


def test_uncertain_is_not_probably_not_sent_while_feedback_is_broken(store, simulator, team):
    broadcast_id, _ = broadcast_with(store, team, ["b@example.com"], state=UNCERTAIN)
    with store.session() as session:
        session.execute(update(Recipient).values(updated_at=utcnow() - timedelta(minutes=20)))
    intake.drain(store, team, wait_seconds=0)
    wiring.record_problems(store, team, ["the feedback queue was deleted"])
    assert report.probably_not_sent(store, team, broadcast_id) == []
    assert uncertain.release_probably_not_sent(store, team, broadcast_id) == 0


# --------------------------------------------------------------------------- the guard


def test_guard_rule():
    limits = guard.GuardLimits()
    assert guard.judge(guard.GuardCounts(99, 99, 0), limits) is None  # too few outcomes
    reason = guard.judge(guard.GuardCounts(120, 37, 0), limits)
    assert reason is not None
    assert reason.startswith("paused: 31 % of the first 120 recipients bounced")
    assert guard.judge(guard.GuardCounts(1000, 49, 0), limits) is None
    assert guard.judge(guard.GuardCounts(1000, 50, 0), limits) is not None
    complained = guard.judge(guard.GuardCounts(1000, 0, 1), limits)
    assert complained is not None and "0.1 % of the first 1000 recipients complained" in complained
    assert guard.judge(guard.GuardCounts(1001, 0, 1), limits) is None
    resumed = guard.judge(guard.GuardCounts(200, 20, 0), limits, since_resume=True)
    assert resumed is not None and "since resuming" in resumed


def test_a_bouncing_broadcast_pauses_itself_and_resume_judges_afresh(
    store, simulator, team, monkeypatch
):
    monkeypatch.setattr(guard, "DRAIN_EVERY", 0.2)
    # 60 % of the list bounces (bounce+N@ is SES's bouncing mailbox with a label).
    make_list(store, team, 0, name="bouncy")
    for i in range(400):
        box = "bounce" if i % 5 < 3 else "success"
        contacts.add_contact(store, team, "bouncy", f"{box}+{i}@simulator.amazonses.com", None)
    simulator.set_quota(max_rate=60)
    created = sending.create_broadcast(store, team, list_name="bouncy", composition=compose())
    result = sending.send_broadcast(store, team, created.id)
    status = result.status
    assert status.state == "paused"
    assert status.stop_reason is not None and status.stop_reason.startswith("paused: ")
    assert "bounced" in status.stop_reason and "of the first" in status.stop_reason
    assert status.pending > 0 and status.bounced >= 60
    # Resuming is a choice: the next pause needs 100 new outcomes after the resume.
    again = sending.send_broadcast(store, team, created.id).status
    assert again.state in ("paused", "done")
    if again.state == "paused":
        assert "since resuming" in (again.stop_reason or "")
