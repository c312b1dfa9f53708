"""SES's event publishing, simulated: configuration-set event destinations, the events a send
produces (the mailbox simulator addresses behave as in SES), and SNS → SQS delivery that
honours the queue policy as AWS does (no statement letting the topic send: nothing arrives,
and nothing says so). With raw message delivery off the SQS body is the SNS envelope.

moto 5.2.5 has no SESv2 event destinations and delivers SNS → SQS without looking at the
queue policy; the SESv2 configuration-set calls answer with SES v1's error codes. This module
adds the first, replaces the second for SES's own events, and fixes the third (patch 11 in
patches.py's list). Controls: make any address bounce or complain, redeliver everything that
was published (true duplicates: same SNS MessageId), delete a queue.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from sesdesk.simulator.sqs_scale import enqueue
from sesdesk.simulator.state import SimulatorState, attached

MAILBOX_DOMAIN = "simulator.amazonses.com"
OUTCOMES = ("deliver", "bounce", "transient", "complaint", "suppressed")
_TYPE_NAMES = {
    "SEND": "Send",
    "REJECT": "Reject",
    "BOUNCE": "Bounce",
    "COMPLAINT": "Complaint",
    "DELIVERY": "Delivery",
    "DELIVERY_DELAY": "DeliveryDelay",
    "RENDERING_FAILURE": "RenderingFailure",
    "SUBSCRIPTION": "Subscription",
    "OPEN": "Open",
    "CLICK": "Click",
}
PUBLISHED_KEPT = 250_000  # for "redeliver everything"


class FeedbackSim:
    """The simulator's feedback state: event destinations, per-address outcomes, the log."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (account, region, configuration set) → {destination name: definition}
        self.destinations: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
        self.outcomes: dict[str, str] = {}  # address (lower) → one of OUTCOMES
        # (account, region, topic arn, SNS message id, message) as published
        self.published: deque[tuple[str, str, str, str, str]] = deque(maxlen=PUBLISHED_KEPT)

    def reset(self) -> None:
        """Forget everything."""
        with self.lock:
            self.destinations.clear()
            self.outcomes.clear()
            self.published.clear()


def feedback_of(state: SimulatorState) -> FeedbackSim:
    """The feedback state that belongs to a simulator's state."""
    return attached(state, "_sesdesk_feedback", FeedbackSim)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------- what SES reports


def mailbox_outcome(address: str, chosen: dict[str, str], on_account_list: bool) -> str:
    """What becomes of a message to `address` (bare, lower case), as SES would report it."""
    if address in chosen:
        return chosen[address]
    if on_account_list:
        return "suppressed"
    local, _, domain = address.partition("@")
    if domain == MAILBOX_DOMAIN:
        box = local.split("+", 1)[0]
        return {
            "bounce": "bounce",
            "complaint": "complaint",
            "suppressionlist": "suppressed",
        }.get(box, "deliver")  # success@, ooto@ (delivered; the auto-reply is mail, no event)
    return "deliver"


def build_events(
    outcome: str,
    recipient: str,
    mail: dict[str, Any],
    wanted: set[str],
) -> list[dict[str, Any]]:
    """The events SES publishes for one recipient of one send (configuration-set format)."""
    now = _now()
    events: list[dict[str, Any]] = []

    def add(kind: str, key: str, body: dict[str, Any]) -> None:
        if kind in wanted:
            events.append({"eventType": _TYPE_NAMES[kind], "mail": mail, key: body})

    add("SEND", "send", {})
    if outcome in ("deliver", "complaint"):
        add(
            "DELIVERY",
            "delivery",
            {
                "timestamp": now,
                "processingTimeMillis": 412,
                "recipients": [recipient],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "a8-70.smtp-out.amazonses.com",
            },
        )
    if outcome == "complaint":
        add(
            "COMPLAINT",
            "complaint",
            {
                "feedbackId": f"{uuid.uuid4()}-000000",
                "complainedRecipients": [{"emailAddress": recipient}],
                "timestamp": now,
                "complaintFeedbackType": "abuse",
                "userAgent": "Amazon SES Mailbox Simulator",
                "arrivalDate": now,
            },
        )
    if outcome in ("bounce", "transient", "suppressed", "unsubscribed"):
        bounce_type, subtype, status, diagnostic = {
            # SES "will issue a bounce event for a message that is sent to an unsubscribed
            # contact" of the list named in ListManagementOptions; it publishes no Delivery.
            "unsubscribed": (
                "Permanent",
                "General",
                "5.0.0",
                "Amazon SES did not send the message to this address because the contact "
                "unsubscribed from the list or topic.",
            ),
            "bounce": ("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"),
            "transient": ("Transient", "MailboxFull", "4.2.2", "smtp; 452 4.2.2 mailbox full"),
            "suppressed": (
                "Permanent",
                "OnAccountSuppressionList",
                "5.1.1",
                "Amazon SES did not send the message to this address because it is on the "
                "suppression list for your account.",
            ),
        }[outcome]
        add(
            "BOUNCE",
            "bounce",
            {
                "feedbackId": f"{uuid.uuid4()}-000000",
                "bounceType": bounce_type,
                "bounceSubType": subtype,
                "bouncedRecipients": [
                    {
                        "emailAddress": recipient,
                        "action": "failed",
                        "status": status,
                        "diagnosticCode": diagnostic,
                    }
                ],
                "timestamp": now,
                "reportingMTA": "dns; amazonses.com",
            },
        )
    return events


def mail_object(
    account_id: str,
    region: str,
    params: dict[str, Any],
    message_id: str,
    recipients: list[str],
    source: str,
) -> dict[str, Any]:
    """The `mail` part of SES's events for one SESv2 send (its tags as lists of values)."""
    name = params.get("ConfigurationSetName")
    tags: dict[str, list[str]] = {
        "ses:configuration-set": [str(name)],
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [source.rpartition("@")[2]],
        "ses:caller-identity": ["sesdesk-simulator"],
    }
    for tag in params.get("EmailTags") or []:
        # SES hands message tags back as lists of values.
        tags[str(tag.get("Name"))] = [str(tag.get("Value"))]
    return {
        "timestamp": _now(),
        "source": source,
        "sourceArn": f"arn:aws:ses:{region}:{account_id}:identity/{source.rpartition('@')[2]}",
        "sendingAccountId": account_id,
        "messageId": message_id,
        "destination": recipients,
        "headersTruncated": False,
        "tags": tags,
    }


def destinations_for(
    state: SimulatorState, account_id: str, region: str, configuration_set: str
) -> list[dict[str, Any]]:
    """The configuration set's enabled SNS event destinations."""
    sim = feedback_of(state)
    with sim.lock:
        return [
            d
            for d in sim.destinations.get((account_id, region, configuration_set), {}).values()
            if d.get("Enabled") and (d.get("SnsDestination") or {}).get("TopicArn")
        ]


def after_send(
    state: SimulatorState,
    account_id: str,
    region: str,
    params: dict[str, Any],
    message_id: str,
    recipients: list[str],
    source: str,
    unsubscribed: frozenset[str] = frozenset(),
) -> None:
    """Publish the events of an accepted SESv2 send that named a configuration set;
    `unsubscribed` recipients (opted out of the send's list or topic) bounce."""
    name = params.get("ConfigurationSetName")
    if not name:
        return
    destinations = destinations_for(state, account_id, region, str(name))
    if not destinations:
        return
    sim = feedback_of(state)
    with sim.lock:
        chosen = dict(sim.outcomes)
    from email.utils import parseaddr

    mail = mail_object(account_id, region, params, message_id, recipients, source)
    for recipient in recipients:
        address = (parseaddr(recipient)[1] or recipient).lower()
        on_list = state.suppressed(account_id, region, address) is not None
        outcome = mailbox_outcome(address, chosen, on_list)
        if recipient in unsubscribed:
            outcome = "unsubscribed"
        for destination in destinations:
            wanted = set(destination.get("MatchingEventTypes") or [])
            topic = str(destination["SnsDestination"]["TopicArn"])
            for event in build_events(outcome, recipient, mail, wanted):
                publish(state, account_id, region, topic, json.dumps(event))


# --------------------------------------------------------------------------- SNS → SQS


def _statement_lets(statement: dict[str, Any], queue_arn: str, topic_arn: str) -> bool:
    principal = statement.get("Principal")
    if principal != "*":
        services = (principal or {}).get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else list(services or [])
        aws = (principal or {}).get("AWS") if isinstance(principal, dict) else None
        if "sns.amazonaws.com" not in services and aws != "*":
            return False
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else list(actions or [])
    if not any(fnmatchcase("sqs:SendMessage", a) for a in actions):
        return False
    resources = statement.get("Resource", "*")
    resources = [resources] if isinstance(resources, str) else list(resources or [])
    if not any(fnmatchcase(queue_arn, r) for r in resources):
        return False
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, expected in (pairs or {}).items():
            if key.lower() != "aws:sourcearn":
                return False  # conditions the simulator cannot judge: not satisfied
            values = [expected] if isinstance(expected, str) else list(expected)
            like = operator in ("ArnLike", "StringLike")
            if not any(fnmatchcase(topic_arn, v) if like else topic_arn == v for v in values):
                return False
    return True


def queue_accepts(policy_text: str | None, queue_arn: str, topic_arn: str) -> bool:
    """Whether a queue policy lets SNS deliver from `topic_arn` (an explicit Deny wins)."""
    if not policy_text:
        return False
    try:
        policy = json.loads(policy_text)
    except (TypeError, ValueError):
        return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements or []:
        if not isinstance(statement, dict):
            continue
        if _statement_lets(statement, queue_arn, topic_arn):
            if statement.get("Effect") == "Deny":
                return False
            if statement.get("Effect") == "Allow":
                allowed = True
    return allowed


def _envelope(topic_arn: str, sns_message_id: str, message: str, region: str) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": sns_message_id,
            "TopicArn": topic_arn,
            "Message": message,
            "Timestamp": _now(),
            "SignatureVersion": "1",
            "Signature": "c2VzZGVzay1zaW11bGF0b3I=",
            "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService.pem",
            "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe",
        }
    )


def deliver(account_id: str, region: str, topic_arn: str, sns_message_id: str, message: str) -> int:
    """SNS's delivery of one published message to the topic's SQS subscriptions; returns how
    many queues took it (a queue whose policy does not let the topic send takes nothing)."""
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    sns = sns_backends[account_id][region]
    delivered = 0
    for sub in list(sns.subscriptions.values()):
        if sub.topic.arn != topic_arn or sub.protocol != "sqs":
            continue
        parts = str(sub.endpoint).split(":")
        queue_region, queue_account, queue_name = parts[3], parts[4], parts[5]
        queue = sqs_backends[queue_account][queue_region].queues.get(queue_name)
        if queue is None or not queue_accepts(queue.policy, queue.queue_arn, topic_arn):
            continue
        raw = str(sub.attributes.get("RawMessageDelivery", "false")).lower() == "true"
        body = message if raw else _envelope(topic_arn, sns_message_id, message, region)
        if queue.fifo_queue:
            sqs_backends[queue_account][queue_region].send_message(queue_name, body)
        else:
            enqueue(queue, body)
        delivered += 1
    return delivered


def publish(
    state: SimulatorState,
    account_id: str,
    region: str,
    topic_arn: str,
    message: str,
    sns_message_id: str | None = None,
) -> str:
    """Publish `message` to the topic as SES does; returns the SNS MessageId."""
    sns_message_id = sns_message_id or str(uuid.uuid4())
    sim = feedback_of(state)
    with sim.lock:
        sim.published.append((account_id, region, topic_arn, sns_message_id, message))
    deliver(account_id, region, topic_arn, sns_message_id, message)
    return sns_message_id


# --------------------------------------------------------------------------- controls


def set_outcome(state: SimulatorState, address: str, outcome: str | None) -> None:
    """From now on, messages to `address` bounce / complain / … (None: as SES decides)."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    sim = feedback_of(state)
    with sim.lock:
        if outcome is None:
            sim.outcomes.pop(address.strip().lower(), None)
        else:
            sim.outcomes[address.strip().lower()] = outcome


def redeliver_all(state: SimulatorState) -> int:
    """Deliver everything published again, with the same SNS MessageIds (duplicates)."""
    sim = feedback_of(state)
    with sim.lock:
        published = list(sim.published)
    return sum(deliver(*entry) for entry in published)


def redeliver_some(state: SimulatorState, count: int, seed: int = 0) -> int:
    """Deliver `count` published messages again (chosen at random, reproducibly by `seed`)."""
    import random

    sim = feedback_of(state)
    with sim.lock:
        published = list(sim.published)
    chosen = random.Random(seed).sample(published, min(count, len(published)))
    return sum(deliver(*entry) for entry in chosen)


def delete_queue(account_id: str, region: str, name: str) -> bool:
    """Delete an SQS queue behind sesdesk's back; False when there was none."""
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[account_id][region]
    if name not in backend.queues:
        return False
    backend.delete_queue(name)
    return True


# --------------------------------------------------------------------------- SESv2 handlers


def _params(response: Any) -> dict[str, Any]:
    from sesdesk.simulator.patches import _json_params

    return _json_params(response)


def _error(code: str, message: str) -> Exception:
    from sesdesk.simulator.patches import service_error

    return service_error(code, message)


def _state() -> SimulatorState:
    from sesdesk.simulator.patches import _state as current

    return current()


def _config_sets(response: Any) -> dict[str, Any]:
    from moto.ses.models import ses_backends

    return dict(ses_backends[response.current_account][response.region].config_sets)


def _name(response: Any) -> str:
    from urllib.parse import unquote

    return unquote(str(response.uri_match.get("ConfigurationSetName") or ""))


def _require_set(response: Any, name: str) -> None:
    if name not in _config_sets(response):
        raise _error("NotFoundException", f"Configuration set <{name}> does not exist.")


def _destinations_of(response: Any, name: str) -> dict[str, dict[str, Any]]:
    sim = feedback_of(_state())
    key = (response.current_account, response.region, name)
    return sim.destinations.setdefault(key, {})


def _valid_destination(definition: Any) -> dict[str, Any]:
    if not isinstance(definition, dict):
        raise _error("BadRequestException", "EventDestination must be an object.")
    types = definition.get("MatchingEventTypes") or []
    unknown = [t for t in types if t not in _TYPE_NAMES]
    if not types or unknown:
        raise _error("BadRequestException", f"Invalid MatchingEventTypes: {unknown or types}")
    return {
        "Enabled": bool(definition.get("Enabled", False)),
        "MatchingEventTypes": list(types),
        **{k: v for k, v in definition.items() if k.endswith("Destination")},
    }


def _put_destination(self: Any, dest_name: str, params: dict[str, Any], *, new: bool) -> str:
    """Store an event destination: a new one (AlreadyExists if it is not) or a replacement
    (NotFound if there is none)."""
    name = _name(self)
    definition = _valid_destination(params.get("EventDestination"))
    sim = feedback_of(_state())
    with sim.lock:
        existing = _destinations_of(self, name)
        if new and dest_name in existing:
            raise _error("AlreadyExistsException", f"Event destination {dest_name} exists.")
        if not new and dest_name not in existing:
            raise _error("NotFoundException", f"Event destination {dest_name} does not exist.")
        existing[dest_name] = definition
    return json.dumps({})


def create_destination(self: Any) -> str:
    """SESv2 CreateConfigurationSetEventDestination."""
    _require_set(self, _name(self))
    params = _params(self)
    return _put_destination(self, str(params.get("EventDestinationName") or ""), params, new=True)


def update_destination(self: Any) -> str:
    """SESv2 UpdateConfigurationSetEventDestination."""
    _require_set(self, _name(self))
    dest_name = str(self.uri_match.get("EventDestinationName") or "")
    return _put_destination(self, dest_name, _params(self), new=False)


def get_destinations(self: Any) -> str:
    """SESv2 GetConfigurationSetEventDestinations."""
    name = _name(self)
    _require_set(self, name)
    sim = feedback_of(_state())
    with sim.lock:
        found = [{"Name": n, **d} for n, d in _destinations_of(self, name).items()]
    return json.dumps({"EventDestinations": found})


def delete_destination(self: Any) -> str:
    """SESv2 DeleteConfigurationSetEventDestination."""
    name = _name(self)
    _require_set(self, name)
    dest_name = str(self.uri_match.get("EventDestinationName") or "")
    sim = feedback_of(_state())
    with sim.lock:
        if _destinations_of(self, name).pop(dest_name, None) is None:
            raise _error("NotFoundException", f"Event destination {dest_name} does not exist.")
    return json.dumps({})


def check_configuration_set(response: Any, name: str | None) -> None:
    """A send naming a configuration set that does not exist fails, as in SES."""
    if name:
        _require_set(response, str(name))


def install() -> None:
    """Add the SESv2 event-destination calls and SES's configuration-set error codes."""
    from moto.sesv2.responses import SESV2Response

    # Routing needs nothing new: patch 1's catch-all serves these paths, and moto picks the
    # handler (and the URI parameters) from botocore's model.
    original_create = SESV2Response.create_configuration_set
    original_get = SESV2Response.get_configuration_set
    original_delete = SESV2Response.delete_configuration_set

    def create_configuration_set(self: Any) -> str:
        name = str(self._get_param("ConfigurationSetName") or "")
        if name in _config_sets(self):
            raise _error("AlreadyExistsException", f"Configuration set <{name}> already exists.")
        return str(original_create(self))

    def get_configuration_set(self: Any) -> str:
        _require_set(self, _name(self))
        return str(original_get(self))

    def delete_configuration_set(self: Any) -> str:
        name = _name(self)
        _require_set(self, name)
        sim = feedback_of(_state())
        with sim.lock:
            sim.destinations.pop((self.current_account, self.region, name), None)
        return str(original_delete(self))

    for attr, function in {
        "create_configuration_set": create_configuration_set,
        "get_configuration_set": get_configuration_set,
        "delete_configuration_set": delete_configuration_set,
        "create_configuration_set_event_destination": create_destination,
        "update_configuration_set_event_destination": update_destination,
        "get_configuration_set_event_destinations": get_destinations,
        "delete_configuration_set_event_destination": delete_destination,
    }.items():
        setattr(SESV2Response, attr, function)
