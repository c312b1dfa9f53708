"""The SES feedback wiring and its queue, typed, errors classified.

A configuration set with an event destination publishes SES's events to an SNS topic; the
topic delivers into an SQS queue (14-day retention, a dead-letter queue after 5 receives)
whose policy lets only that topic send. sesdesk drains the queue whenever it runs: a desktop
app cannot take SNS's HTTPS pushes.

Every step adopts what already exists, so setting up twice (or repairing) changes nothing
that is already right. Names are stable per account and region.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sesdesk.aws.clients import CallKind
from sesdesk.aws.errors import AwsError, AwsNotFound, PermissionMissing
from sesdesk.aws.facade import Facade, listed

FEEDBACK_NAME = "sesdesk-feedback"  # configuration set, topic and queue
DEAD_LETTER_NAME = "sesdesk-feedback-dlq"
DESTINATION_NAME = "sesdesk-sns"
EVENT_TYPES = (
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "DELIVERY_DELAY",
    "RENDERING_FAILURE",
    "SUBSCRIPTION",
)
RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: the app may stay closed for two weeks
MAX_RECEIVES = 5  # then SQS moves the message to the dead-letter queue
BATCH = 10  # SQS's maximum per ReceiveMessage


@dataclass(frozen=True)
class Wiring:
    """Where the feedback flows, as set up in AWS."""

    configuration_set: str
    topic_arn: str
    queue_url: str
    queue_arn: str
    dlq_url: str


@dataclass(frozen=True)
class WiringCheck:
    """What a cheap look at the wiring found: problems (empty when healthy), messages waiting."""

    problems: tuple[str, ...]
    waiting: int | None
    missing: bool = False  # nothing there at all (as opposed to broken)


@dataclass(frozen=True)
class QueueMessage:
    """One SQS message as received."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int


def queue_policy(queue_arn: str, topic_arn: str) -> dict[str, Any]:
    """The queue policy: only `topic_arn`, through SNS, may send into the queue."""
    from sesdesk.aws.permissions import TOPIC_DELIVERY_ACTION

    return {
        "Version": "2012-10-17",
        "Id": f"{FEEDBACK_NAME}-policy",
        "Statement": [
            {
                "Sid": "SesdeskFeedbackTopicOnly",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": TOPIC_DELIVERY_ACTION,
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }


def policy_lets_topic_send(policy_text: str | None, topic_arn: str) -> bool:
    """True when the queue policy still holds sesdesk's statement for `topic_arn`."""
    from sesdesk.aws.permissions import TOPIC_DELIVERY_ACTION

    if not policy_text:
        return False
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements or []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else list(actions or [])
        if not any(a in (TOPIC_DELIVERY_ACTION, "sqs:*", "*") for a in actions):
            continue
        condition = statement.get("Condition") or {}
        source = (condition.get("ArnEquals") or condition.get("ArnLike") or {}).get("aws:SourceArn")
        sources = [source] if isinstance(source, str) else list(source or [])
        if topic_arn in sources:
            return True
    return False


class FeedbackFacade(Facade):
    """Configuration set, SNS topic, SQS queues and the reputation metrics for one mailer."""

    # --- set-up ---------------------------------------------------------------------------

    def set_up(self) -> Wiring:
        """Create what is missing and repair what changed; returns the wiring (idempotent)."""
        configuration_set = self._ensure_configuration_set()
        topic_arn = self._call(
            "sns",
            "sns:CreateTopic",
            lambda c: str(c.create_topic(Name=FEEDBACK_NAME)["TopicArn"]),
        )
        dlq_url = self._ensure_queue(DEAD_LETTER_NAME)
        dlq_arn = self._queue_arn(dlq_url)
        queue_url = self._ensure_queue(FEEDBACK_NAME)
        queue_arn = self._queue_arn(queue_url)
        attributes = {
            "MessageRetentionPeriod": str(RETENTION_SECONDS),
            "Policy": json.dumps(queue_policy(queue_arn, topic_arn)),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
            ),
        }
        self._call(
            "sqs",
            "sqs:SetQueueAttributes",
            lambda c: c.set_queue_attributes(QueueUrl=queue_url, Attributes=attributes),
        )
        self._ensure_subscription(topic_arn, queue_arn)
        self._ensure_destination(configuration_set, topic_arn)
        return Wiring(configuration_set, topic_arn, queue_url, queue_arn, dlq_url)

    def _ensure_configuration_set(self) -> str:
        try:
            self._call(
                "sesv2",
                "ses:GetConfigurationSet",
                lambda c: c.get_configuration_set(ConfigurationSetName=FEEDBACK_NAME),
            )
        except AwsNotFound:
            try:
                self._call(
                    "sesv2",
                    "ses:CreateConfigurationSet",
                    lambda c: c.create_configuration_set(ConfigurationSetName=FEEDBACK_NAME),
                )
            except AwsError as exc:
                if exc.code != "AlreadyExistsException":  # made meanwhile: adopt it
                    raise
        return FEEDBACK_NAME

    def _ensure_queue(self, name: str) -> str:
        attributes = {"MessageRetentionPeriod": str(RETENTION_SECONDS)}
        try:
            return self._call(
                "sqs",
                "sqs:CreateQueue",
                lambda c: str(c.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]),
            )
        except AwsError as exc:
            # An existing queue with other attributes: adopt it, set_up fixes the attributes.
            if "QueueAlreadyExists" not in exc.code and "QueueNameExists" not in exc.code:
                raise
        return self._call(
            "sqs", "sqs:GetQueueUrl", lambda c: str(c.get_queue_url(QueueName=name)["QueueUrl"])
        )

    def _queue_arn(self, queue_url: str) -> str:
        reply = self._call(
            "sqs",
            "sqs:GetQueueAttributes",
            lambda c: c.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]),
        )
        return str(reply["Attributes"]["QueueArn"])

    def _subscriptions(self, topic_arn: str) -> list[dict[str, Any]]:
        def fetch(client: Any) -> list[dict[str, Any]]:
            subscriptions = client.list_subscriptions_by_topic
            return list(listed(subscriptions, "Subscriptions", TopicArn=topic_arn))

        return self._call("sns", "sns:ListSubscriptionsByTopic", fetch)

    def _ensure_subscription(self, topic_arn: str, queue_arn: str) -> None:
        for sub in self._subscriptions(topic_arn):
            if sub.get("Protocol") == "sqs" and sub.get("Endpoint") == queue_arn:
                arn = str(sub.get("SubscriptionArn") or "")
                if arn and arn != "PendingConfirmation":
                    # Raw delivery would drop the envelope's MessageId; keep the envelope.
                    self._raw_delivery_off(arn)
                    return
        self._call(
            "sns",
            "sns:Subscribe",
            lambda c: c.subscribe(
                TopicArn=topic_arn,
                Protocol="sqs",
                Endpoint=queue_arn,
                Attributes={"RawMessageDelivery": "false"},
                ReturnSubscriptionArn=True,
            ),
        )

    def _raw_delivery_off(self, subscription_arn: str) -> None:
        self._call(
            "sns",
            "sns:SetSubscriptionAttributes",
            lambda c: c.set_subscription_attributes(
                SubscriptionArn=subscription_arn,
                AttributeName="RawMessageDelivery",
                AttributeValue="false",
            ),
        )

    def _delete_batch(self, queue_url: str, entries: list[dict[str, str]]) -> int:
        # DeleteMessageBatch is authorised as sqs:DeleteMessage.
        reply = self._call(
            "sqs",
            "sqs:DeleteMessage",
            lambda c: c.delete_message_batch(QueueUrl=queue_url, Entries=entries),
            CallKind.FEEDBACK,
        )
        return len(reply.get("Failed", []) or [])

    def _destinations(self, configuration_set: str) -> list[dict[str, Any]]:
        reply = self._call(
            "sesv2",
            "ses:GetConfigurationSetEventDestinations",
            lambda c: c.get_configuration_set_event_destinations(
                ConfigurationSetName=configuration_set
            ),
        )
        return list(reply.get("EventDestinations", []) or [])

    def _ensure_destination(self, configuration_set: str, topic_arn: str) -> None:
        definition = {
            "Enabled": True,
            "MatchingEventTypes": list(EVENT_TYPES),
            "SnsDestination": {"TopicArn": topic_arn},
        }
        names = {str(d.get("Name")) for d in self._destinations(configuration_set)}
        if DESTINATION_NAME in names:
            self._call(
                "sesv2",
                "ses:UpdateConfigurationSetEventDestination",
                lambda c: c.update_configuration_set_event_destination(
                    ConfigurationSetName=configuration_set,
                    EventDestinationName=DESTINATION_NAME,
                    EventDestination=definition,
                ),
            )
        else:
            self._call(
                "sesv2",
                "ses:CreateConfigurationSetEventDestination",
                lambda c: c.create_configuration_set_event_destination(
                    ConfigurationSetName=configuration_set,
                    EventDestinationName=DESTINATION_NAME,
                    EventDestination=definition,
                ),
            )

    # --- health ---------------------------------------------------------------------------

    def check(self, wiring: Wiring) -> WiringCheck:
        """Three cheap reads: the queue (policy, waiting), the subscription, the destination."""
        problems: list[str] = []
        waiting: int | None = None
        try:
            reply = self._call(
                "sqs",
                "sqs:GetQueueAttributes",
                lambda c: c.get_queue_attributes(
                    QueueUrl=wiring.queue_url,
                    AttributeNames=["Policy", "ApproximateNumberOfMessages"],
                ),
            )
            attrs = reply.get("Attributes", {}) or {}
            waiting = int(attrs.get("ApproximateNumberOfMessages", 0) or 0)
            if not policy_lets_topic_send(attrs.get("Policy"), wiring.topic_arn):
                problems.append("the queue's policy no longer lets the topic deliver into it")
        except AwsNotFound:
            problems.append("the feedback queue was deleted")
        try:
            subs = self._subscriptions(wiring.topic_arn)
            if not any(
                s.get("Protocol") == "sqs" and s.get("Endpoint") == wiring.queue_arn for s in subs
            ):
                problems.append("the topic no longer delivers into the queue")
        except AwsNotFound:
            problems.append("the feedback topic was deleted")
        try:
            destinations = self._destinations(wiring.configuration_set)
            if not any(_destination_ok(d, wiring.topic_arn) for d in destinations):
                problems.append("the configuration set no longer publishes events to the topic")
        except AwsNotFound:
            problems.append("the configuration set was deleted")
        missing = len(problems) >= 3 and waiting is None
        return WiringCheck(tuple(problems), waiting, missing)

    # --- the queue --------------------------------------------------------------------------

    def receive(self, queue_url: str, *, wait_seconds: int = 1) -> list[QueueMessage]:
        """Up to 10 messages, long-polling up to `wait_seconds` (≤ 20) when none are waiting."""
        reply = self._call(
            "sqs",
            "sqs:ReceiveMessage",
            lambda c: c.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=BATCH,
                WaitTimeSeconds=max(0, min(20, wait_seconds)),
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            ),
            CallKind.FEEDBACK,
        )
        return [
            QueueMessage(
                message_id=str(m.get("MessageId", "")),
                receipt_handle=str(m.get("ReceiptHandle", "")),
                body=str(m.get("Body", "")),
                receive_count=int((m.get("Attributes") or {}).get("ApproximateReceiveCount", 1)),
            )
            for m in reply.get("Messages", []) or []
        ]

    def delete(self, queue_url: str, handles: Iterable[str]) -> int:
        """Delete received messages (up to 10 a call); returns how many SQS failed to delete."""
        entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles)]
        failed = 0
        for start in range(0, len(entries), BATCH):
            failed += self._delete_batch(queue_url, entries[start : start + BATCH])
        return failed

    # --- reputation -------------------------------------------------------------------------

    def reputation(self) -> tuple[float | None, float | None]:
        """SES's own bounce and complaint rates (CloudWatch `AWS/SES` Reputation.*), the latest
        value of the last day; (None, None) when there is no data or no permission."""
        now = datetime.now(UTC)
        queries = [
            {
                "Id": key,
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/SES", "MetricName": name},
                    "Period": 3600,
                    "Stat": "Average",
                },
                "ReturnData": True,
            }
            for key, name in (
                ("bounce", "Reputation.BounceRate"),
                ("complaint", "Reputation.ComplaintRate"),
            )
        ]
        try:
            reply = self._call(
                "cloudwatch",
                "cloudwatch:GetMetricData",
                lambda c: c.get_metric_data(
                    MetricDataQueries=queries,
                    StartTime=now - timedelta(days=1),
                    EndTime=now,
                    ScanBy="TimestampDescending",
                ),
            )
        except PermissionMissing:
            return None, None
        found: dict[str, float | None] = {"bounce": None, "complaint": None}
        for result in reply.get("MetricDataResults", []) or []:
            values = result.get("Values") or []
            if values and result.get("Id") in found:
                found[str(result["Id"])] = float(values[0])
        return found["bounce"], found["complaint"]


def _destination_ok(destination: dict[str, Any], topic_arn: str) -> bool:
    sns = destination.get("SnsDestination") or {}
    types = set(destination.get("MatchingEventTypes") or [])
    return bool(
        destination.get("Enabled")
        and sns.get("TopicArn") == topic_arn
        and {"BOUNCE", "COMPLAINT", "DELIVERY"} <= types
    )
