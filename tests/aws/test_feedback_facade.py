"""The feedback facade and the simulator's SES events: wiring set up and adopted, health
checks, the queue policy honoured as AWS does, mailbox simulator addresses, the dead-letter
queue after 5 receives, and the generated (scoped) policy under IAM enforcement."""

from __future__ import annotations

import json

import pytest

from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.errors import AwsNotFound, PermissionMissing
from sesdesk.aws.feedback import (
    EVENT_TYPES,
    FEEDBACK_NAME,
    FeedbackFacade,
    policy_lets_topic_send,
    queue_policy,
)
from sesdesk.aws.permissions import least_privilege_policy
from sesdesk.simulator import SesSimulator, events, patches
from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID
from tests.conftest import make_client

REGION = "us-east-1"
KEYS = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def facade_for(simulator: SesSimulator, keys: AwsKeys = KEYS) -> FeedbackFacade:
    return FeedbackFacade(ClientFactory(REGION, keys, endpoint=simulator.endpoint))


def ready_sender(simulator: SesSimulator) -> None:
    simulator.set_production(True)
    simulator.set_quota(max_rate=100)
    ses = make_client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="shop.example")
    simulator.set_identity_status("shop.example", "SUCCESS")


def send(simulator: SesSimulator, to: str, **extra) -> str:
    ses = make_client(simulator, "sesv2")
    reply = ses.send_email(
        FromEmailAddress="news@shop.example",
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        **extra,
    )
    return str(reply["MessageId"])


def drain_events(facade: FeedbackFacade, queue_url: str) -> list[dict]:
    found: list[dict] = []
    while messages := facade.receive(queue_url, wait_seconds=0):
        for message in messages:
            envelope = json.loads(message.body)
            assert envelope["Type"] == "Notification" and envelope["MessageId"]
            found.append(json.loads(envelope["Message"]))
        facade.delete(queue_url, [m.receipt_handle for m in messages])
    return found


def test_set_up_is_idempotent_and_adopts_what_exists(simulator):
    facade = facade_for(simulator)
    sqs = make_client(simulator, "sqs")
    # Someone made the queue before, with other settings: adopted and repaired.
    sqs.create_queue(QueueName=FEEDBACK_NAME, Attributes={"MessageRetentionPeriod": "60"})
    wiring = facade.set_up()
    assert facade.set_up() == wiring
    attrs = sqs.get_queue_attributes(QueueUrl=wiring.queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attrs["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5
    assert json.loads(attrs["Policy"]) == queue_policy(wiring.queue_arn, wiring.topic_arn)
    subs = make_client(simulator, "sns").list_subscriptions_by_topic(TopicArn=wiring.topic_arn)
    assert len(subs["Subscriptions"]) == 1  # not subscribed twice
    destinations = make_client(simulator, "sesv2").get_configuration_set_event_destinations(
        ConfigurationSetName=FEEDBACK_NAME
    )["EventDestinations"]
    assert [d["Name"] for d in destinations] == ["sesdesk-sns"]
    assert set(destinations[0]["MatchingEventTypes"]) == set(EVENT_TYPES)
    assert facade.check(wiring).problems == ()


def test_mailbox_simulator_addresses_behave_as_in_ses(simulator):
    ready_sender(simulator)
    facade = facade_for(simulator)
    wiring = facade.set_up()
    boxes = {
        "success@simulator.amazonses.com": ["Send", "Delivery"],
        "ooto@simulator.amazonses.com": ["Send", "Delivery"],
        "bounce@simulator.amazonses.com": ["Send", "Bounce"],
        "bounce+x@simulator.amazonses.com": ["Send", "Bounce"],
        "complaint@simulator.amazonses.com": ["Send", "Delivery", "Complaint"],
        "suppressionlist@simulator.amazonses.com": ["Send", "Bounce"],
    }
    for to in boxes:
        send(
            simulator,
            to,
            ConfigurationSetName=FEEDBACK_NAME,
            EmailTags=[{"Name": "sesdesk-recipient", "Value": "7"}],
        )
    found = drain_events(facade, wiring.queue_url)
    by_address: dict[str, list[str]] = {}
    for event in found:
        by_address.setdefault(event["mail"]["destination"][0], []).append(event["eventType"])
        assert event["mail"]["tags"]["sesdesk-recipient"] == ["7"]  # values are lists
        assert event["mail"]["tags"]["ses:configuration-set"] == [FEEDBACK_NAME]
    assert {a: sorted(k) for a, k in by_address.items()} == {a: sorted(k) for a, k in boxes.items()}
    bounce = next(e for e in found if e["eventType"] == "Bounce")
    assert bounce["bounce"]["bounceType"] == "Permanent"
    listed = next(
        e
        for e in found
        if e["eventType"] == "Bounce" and e["mail"]["destination"][0].startswith("suppression")
    )
    assert listed["bounce"]["bounceSubType"] == "OnAccountSuppressionList"


def test_controls_make_any_address_bounce_or_complain(simulator):
    ready_sender(simulator)
    facade = facade_for(simulator)
    wiring = facade.set_up()
    events.set_outcome(simulator.state, "Ann@Example.com", "complaint")
    events.set_outcome(simulator.state, "bob@example.com", "transient")
    for to in ("ann@example.com", "bob@example.com", "cy@example.com"):
        send(simulator, to, ConfigurationSetName=FEEDBACK_NAME)
    kinds = {
        (e["mail"]["destination"][0], e["eventType"])
        for e in drain_events(facade, wiring.queue_url)
        if e["eventType"] != "Send"
    }
    assert kinds == {
        ("ann@example.com", "Delivery"),
        ("ann@example.com", "Complaint"),
        ("bob@example.com", "Bounce"),
        ("cy@example.com", "Delivery"),
    }


def test_without_the_queue_policy_nothing_arrives(simulator):
    ready_sender(simulator)
    facade = facade_for(simulator)
    wiring = facade.set_up()
    sqs = make_client(simulator, "sqs")
    sqs.set_queue_attributes(QueueUrl=wiring.queue_url, Attributes={"Policy": ""})
    send(simulator, "success@simulator.amazonses.com", ConfigurationSetName=FEEDBACK_NAME)
    assert facade.receive(wiring.queue_url, wait_seconds=0) == []
    assert "policy" in facade.check(wiring).problems[0]
    # A policy for another topic lets nothing through either.
    other = queue_policy(wiring.queue_arn, wiring.topic_arn + "-other")
    sqs.set_queue_attributes(QueueUrl=wiring.queue_url, Attributes={"Policy": json.dumps(other)})
    send(simulator, "success@simulator.amazonses.com", ConfigurationSetName=FEEDBACK_NAME)
    assert facade.receive(wiring.queue_url, wait_seconds=0) == []


def test_queue_policy_evaluation():
    queue, topic = "arn:aws:sqs:r:1:q", "arn:aws:sns:r:1:t"
    ours = json.dumps(queue_policy(queue, topic))
    assert events.queue_accepts(ours, queue, topic)
    assert policy_lets_topic_send(ours, topic)
    assert not events.queue_accepts(ours, queue, "arn:aws:sns:r:1:other")
    assert not events.queue_accepts(None, queue, topic)
    assert not events.queue_accepts("{not json", queue, topic)
    deny = json.loads(ours)
    deny["Statement"].append({**deny["Statement"][0], "Effect": "Deny"})
    assert not events.queue_accepts(json.dumps(deny), queue, topic)
    anyone = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]
    }
    assert events.queue_accepts(json.dumps(anyone), queue, topic)
    assert not policy_lets_topic_send(json.dumps(anyone), topic)  # not sesdesk's statement


def test_a_send_naming_a_missing_configuration_set_fails_as_in_ses(simulator):
    ready_sender(simulator)
    with pytest.raises(Exception, match="NotFoundException"):
        send(simulator, "success@simulator.amazonses.com", ConfigurationSetName="nope")
    ses = make_client(simulator, "sesv2")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_configuration_set(ConfigurationSetName="nope")
    ses.create_configuration_set(ConfigurationSetName="x")
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_configuration_set(ConfigurationSetName="x")


def test_a_message_moves_to_the_dead_letter_queue_after_five_receives(simulator):
    facade = facade_for(simulator)
    wiring = facade.set_up()
    sqs = make_client(simulator, "sqs")
    sqs.set_queue_attributes(QueueUrl=wiring.queue_url, Attributes={"VisibilityTimeout": "0"})
    sqs.send_message(QueueUrl=wiring.queue_url, MessageBody="poison")
    for _ in range(5):
        assert len(facade.receive(wiring.queue_url, wait_seconds=0)) == 1
    assert facade.receive(wiring.queue_url, wait_seconds=0) == []
    moved = sqs.receive_message(QueueUrl=wiring.dlq_url)["Messages"]
    assert [m["Body"] for m in moved] == ["poison"]


def test_check_names_each_missing_part(simulator):
    facade = facade_for(simulator)
    wiring = facade.set_up()
    sns = make_client(simulator, "sns")
    for sub in sns.list_subscriptions_by_topic(TopicArn=wiring.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    make_client(simulator, "sesv2").delete_configuration_set(ConfigurationSetName=FEEDBACK_NAME)
    events.delete_queue(DEFAULT_ACCOUNT_ID, REGION, FEEDBACK_NAME)
    assert set(facade.check(wiring).problems) == {
        "the feedback queue was deleted",
        "the topic no longer delivers into the queue",
        "the configuration set was deleted",
    }
    with pytest.raises(AwsNotFound):
        facade.receive(wiring.queue_url, wait_seconds=0)
    repaired = facade.set_up()
    assert facade.check(repaired).problems == ()


def test_the_scoped_policy_runs_the_whole_loop_under_iam(iam_simulator):
    iam_simulator.create_user("scoped", [])
    patches.iam_backend(DEFAULT_ACCOUNT_ID).put_user_policy(
        "scoped", "sesdesk", json.dumps(least_privilege_policy())
    )
    keys = iam_simulator.issue_key("scoped")
    facade = facade_for(iam_simulator, keys)
    wiring = facade.set_up()
    assert facade.check(wiring).problems == ()
    events.publish(iam_simulator.state, DEFAULT_ACCOUNT_ID, REGION, wiring.topic_arn, "{}")
    received = facade.receive(wiring.queue_url, wait_seconds=0)
    assert len(received) == 1 and facade.delete(wiring.queue_url, [received[0].receipt_handle]) == 0
    # The same policy gives no power over anybody else's queue.
    admin = iam_simulator.create_user("admin", ["sqs:CreateQueue"])
    other = make_client(iam_simulator, "sqs", admin).create_queue(QueueName="payroll")["QueueUrl"]
    with pytest.raises(PermissionMissing):
        facade.receive(other, wait_seconds=0)
