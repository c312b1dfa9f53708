"""Reading one SQS message body into SES events — pure, no store, no AWS.

Bodies come as the SNS envelope (raw delivery off: `Type`, `MessageId`, `Message` = the SES
JSON as a string) or raw (the SES JSON itself). SES writes two formats: configuration-set
events carry `eventType` and `mail.tags` (EmailTags, each value a list); identity
notifications carry `notificationType` and no tags. Anything else is `Unrecognised`: kept
and counted by the caller, never an exception.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# SES's event names (configuration sets) and notification names (identities).
KNOWN_TYPES = frozenset(
    {
        "Send",
        "Reject",
        "Bounce",
        "Complaint",
        "Delivery",
        "DeliveryDelay",
        "RenderingFailure",
        "Subscription",
        "Open",
        "Click",
    }
)
# Notices SES or SNS send that carry no event: understood, nothing to do.
NOTICES = frozenset({"AmazonSnsSubscriptionSucceeded"})
MAX_KEPT_BODY = 64 * 1024


@dataclass(frozen=True)
class RecipientEvent:
    """What one event says about one recipient."""

    email: str
    bounce_type: str | None = None  # Permanent | Transient | Undetermined
    bounce_subtype: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class SesEvent:
    """One SES event, reduced to what sesdesk uses."""

    key: str  # identifies the event whatever transport delivered it
    event_type: str
    sns_message_id: str | None
    ses_message_id: str | None
    occurred_at: datetime | None
    recipients: tuple[RecipientEvent, ...]
    tags: dict[str, str] = field(default_factory=dict)  # first value of each tag
    # A Subscription event's `subscription` section (contact list, new topic preferences).
    subscription: dict[str, Any] | None = None

    def recipient_key(self, email: str) -> str:
        """The de-duplication key of this event for one recipient."""
        return f"{self.key}|{email.lower()}"[:400]


@dataclass(frozen=True)
class Unrecognised:
    """A body we could not read as an SES event: kept (truncated) with why."""

    key: str
    reason: str
    body: str
    sns_message_id: str | None = None
    notice: bool = False  # a known notice with no event in it (not a problem)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "replace")).hexdigest()


def _unrecognised(reason: str, body: str, sns_id: str | None, notice: bool = False) -> Unrecognised:
    key = f"unrecognised|{sns_id or _digest(body)}"
    return Unrecognised(key, reason, body[:MAX_KEPT_BODY], sns_id, notice)


def _recipients(
    kind: str, event: dict[str, Any], mail: dict[str, Any]
) -> tuple[RecipientEvent, ...]:
    section_name = {
        "Bounce": "bounce",
        "Complaint": "complaint",
        "Delivery": "delivery",
        "DeliveryDelay": "deliveryDelay",
        "Reject": "reject",
        "RenderingFailure": "failure",
        "Open": "open",
        "Click": "click",
        "Subscription": "subscription",
    }.get(kind)
    section = event.get(section_name or "", {}) or {}
    if not isinstance(section, dict):
        section = {}
    destination = [str(a) for a in mail.get("destination") or [] if isinstance(a, str)]
    if kind == "Bounce":
        bounce_type = str(section.get("bounceType") or "Undetermined")
        subtype = str(section.get("bounceSubType") or "") or None
        return tuple(
            RecipientEvent(
                str(r.get("emailAddress")),
                bounce_type,
                subtype,
                str(r.get("diagnosticCode") or r.get("status") or "") or None,
            )
            for r in section.get("bouncedRecipients") or []
            if isinstance(r, dict) and r.get("emailAddress")
        )
    if kind == "Complaint":
        feedback = str(section.get("complaintFeedbackType") or "") or None
        return tuple(
            RecipientEvent(str(r.get("emailAddress")), detail=feedback)
            for r in section.get("complainedRecipients") or []
            if isinstance(r, dict) and r.get("emailAddress")
        )
    if kind == "Delivery":
        smtp = str(section.get("smtpResponse") or "") or None
        return tuple(
            RecipientEvent(str(r), detail=smtp) for r in section.get("recipients") or destination
        )
    if kind == "DeliveryDelay":
        delay = str(section.get("delayType") or "") or None
        return tuple(
            RecipientEvent(
                str(r.get("emailAddress")),
                detail=" ".join(x for x in (delay, str(r.get("diagnosticCode") or "")) if x),
            )
            for r in section.get("delayedRecipients") or []
            if isinstance(r, dict) and r.get("emailAddress")
        )
    if kind == "Reject":
        reason = str(section.get("reason") or "rejected by SES")
        return tuple(RecipientEvent(r, detail=reason) for r in destination)
    if kind == "RenderingFailure":
        reason = str(section.get("errorMessage") or "the template could not be rendered")
        return tuple(RecipientEvent(r, detail=f"rendering failed: {reason}") for r in destination)
    return tuple(RecipientEvent(r) for r in destination)


def _event_id(kind: str, event: dict[str, Any], mail: dict[str, Any]) -> str:
    section = event.get(kind[:1].lower() + kind[1:], {}) or {}
    if not isinstance(section, dict):
        section = {}
    feedback_id = section.get("feedbackId")
    when = section.get("timestamp") or mail.get("timestamp") or ""
    ident = feedback_id or f"{mail.get('messageId', '')}@{when}"
    return f"{kind}|{ident}"


def parse_body(body: str, sqs_message_id: str = "") -> SesEvent | Unrecognised:
    """One SQS message body → an `SesEvent` or `Unrecognised` (never raises)."""
    try:
        outer = json.loads(body)
    except (TypeError, ValueError):
        return _unrecognised("the body is not JSON", body, None)
    if not isinstance(outer, dict):
        return _unrecognised("the body is not a JSON object", body, None)
    sns_id: str | None = None
    event: Any = outer
    if outer.get("Type") in ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"):
        sns_id = str(outer.get("MessageId") or "") or None
        if outer.get("Type") != "Notification":
            return _unrecognised(f"an SNS {outer.get('Type')}", body, sns_id, notice=True)
        try:
            event = json.loads(str(outer.get("Message") or ""))
        except ValueError:
            return _unrecognised("the SNS message is not JSON", body, sns_id)
        if not isinstance(event, dict):
            return _unrecognised("the SNS message is not a JSON object", body, sns_id)
    kind = event.get("eventType") or event.get("notificationType")
    if kind in NOTICES:
        return _unrecognised(f"an SES notice ({kind})", body, sns_id, notice=True)
    if kind not in KNOWN_TYPES:
        what = f"unknown event type {kind!r}" if kind else "no eventType or notificationType"
        return _unrecognised(what, body, sns_id)
    mail = event.get("mail")
    if not isinstance(mail, dict):
        return _unrecognised(f"a {kind} event without its mail section", body, sns_id)
    tags: dict[str, str] = {}
    for name, values in (mail.get("tags") or {}).items():
        # SES hands tags back as lists; tolerate a bare string too.
        value = values[0] if isinstance(values, list) and values else values
        if isinstance(value, str | int):
            tags[str(name)] = str(value)
    section = event.get(kind[:1].lower() + kind[1:], {}) or {}
    occurred = _time(section.get("timestamp") if isinstance(section, dict) else None)
    return SesEvent(
        key=_event_id(str(kind), event, mail),
        event_type=str(kind),
        sns_message_id=sns_id,
        ses_message_id=str(mail.get("messageId") or "") or None,
        occurred_at=occurred or _time(mail.get("timestamp")),
        recipients=_recipients(str(kind), event, mail),
        tags=tags,
        subscription=section if kind == "Subscription" and isinstance(section, dict) else None,
    )
