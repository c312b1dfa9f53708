"""SESv2 SendEmail and the account-level suppression list, typed, errors classified.

Sends go through the SEND client (`max_attempts=1`): botocore never retries a send, because
a retried timeout is a silent duplicate. The caller (the sending engine) decides what each
classified error means for the recipient.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sesdesk.aws.clients import CallKind
from sesdesk.aws.facade import Facade, listed

_GATE_ID = "sesdesk-send-gate"
_gates = threading.local()


class NotSent(Exception):
    """The send was called off before its request was written: it certainly did not go out."""


def _before_send(**_: Any) -> None:
    """botocore `before-send` hook: the request is built and signed; only the write follows.

    The caller's gate (see `SendingFacade.gated`) runs here, so a rate-limiter slot taken in it
    is followed by nothing but the socket write: boto3's own CPU (building, signing) and any
    thread scheduling in it happen before the slot, not between the slot and AWS.
    """
    gate = getattr(_gates, "gate", None)
    if gate is not None and not gate():
        raise NotSent("the send was called off before it left")


# SES refuses messages over 10 MB (after MIME encoding); we check before sending.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class OutgoingEmail:
    """One message to one recipient, already personalised."""

    from_address: str
    to_address: str
    subject: str
    text_body: str | None = None
    html_body: str | None = None
    reply_to: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # SES publishes this send's events through the configuration set; the tags come back in
    # each event's mail.tags, so an event maps to its recipient row without the MessageId.
    configuration_set: str | None = None
    tags: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # (ContactListName, TopicName): SES adds its one-click List-Unsubscribe headers, fills in
    # {{amazonSESUnsubscribeUrl}} and does not deliver to a contact who opted out.
    list_management: tuple[str, str] | None = None


@dataclass(frozen=True)
class SuppressedDestination:
    """One entry of the account-level suppression list."""

    email: str
    reason: str  # "BOUNCE" | "COMPLAINT"
    updated_at: datetime | None


class SendingFacade(Facade):
    """SendEmail and the suppression-list calls for one mailer (one region, one key pair)."""

    _unclassified = (NotSent,)

    def _client(self, service: str, kind: CallKind) -> Any:
        client = super()._client(service, kind)
        if kind is CallKind.SEND:
            # unique_id: registering again on the same (cached) client is a no-op.
            client.meta.events.register(
                "before-send.sesv2.SendEmail", _before_send, unique_id=_GATE_ID
            )
        return client

    def warm_up(self) -> None:
        """Build the send client now (it takes a moment) rather than on the first send."""
        self._client("sesv2", CallKind.SEND)

    @contextmanager
    def gated(self, gate: Callable[[], bool]) -> Iterator[None]:
        """Within the block, this thread's sends call `gate()` once the request is built and
        signed, just before it is written; if it returns False the send raises `NotSent`."""
        previous = getattr(_gates, "gate", None)
        _gates.gate = gate
        try:
            yield
        finally:
            _gates.gate = previous

    def send_email(self, email: OutgoingEmail) -> str:
        """Send one message; returns SES's MessageId. Raises classified AwsErrors, or `NotSent`
        when a gate (see `gated`) called it off before the request was written."""
        simple: dict[str, Any] = {"Subject": {"Data": email.subject, "Charset": "UTF-8"}}
        body: dict[str, Any] = {}
        if email.text_body:
            body["Text"] = {"Data": email.text_body, "Charset": "UTF-8"}
        if email.html_body:
            body["Html"] = {"Data": email.html_body, "Charset": "UTF-8"}
        simple["Body"] = body
        if email.headers:
            simple["Headers"] = [{"Name": n, "Value": v} for n, v in email.headers]
        kwargs: dict[str, Any] = {
            "FromEmailAddress": email.from_address,
            "Destination": {"ToAddresses": [email.to_address]},
            "Content": {"Simple": simple},
        }
        if email.reply_to:
            kwargs["ReplyToAddresses"] = list(email.reply_to)
        if email.configuration_set:
            kwargs["ConfigurationSetName"] = email.configuration_set
        if email.tags:
            kwargs["EmailTags"] = [{"Name": n, "Value": v} for n, v in email.tags]
        if email.list_management:
            contact_list, topic = email.list_management
            kwargs["ListManagementOptions"] = {"ContactListName": contact_list, "TopicName": topic}
        reply = self._call(
            "sesv2", "ses:SendEmail", lambda c: c.send_email(**kwargs), CallKind.SEND
        )
        return str(reply.get("MessageId", ""))

    # --- account-level suppression list ------------------------------------------------
    def list_suppressed(self) -> list[SuppressedDestination]:
        """Every address on the account-level suppression list (follows pagination)."""

        def fetch(client: Any) -> list[SuppressedDestination]:
            summaries = listed(
                client.list_suppressed_destinations, "SuppressedDestinationSummaries", PageSize=1000
            )
            return [
                SuppressedDestination(
                    email=str(item.get("EmailAddress", "")),
                    reason=str(item.get("Reason", "")),
                    updated_at=item.get("LastUpdateTime"),
                )
                for item in summaries
            ]

        return self._call("sesv2", "ses:ListSuppressedDestinations", fetch, CallKind.MANAGEMENT)

    def suppress(self, email: str, reason: str) -> None:
        """Put an address on the account-level suppression list (BOUNCE or COMPLAINT)."""
        self._call(
            "sesv2",
            "ses:PutSuppressedDestination",
            lambda c: c.put_suppressed_destination(EmailAddress=email, Reason=reason),
            CallKind.MANAGEMENT,
        )

    def unsuppress(self, email: str) -> None:
        """Remove an address from the account-level suppression list."""
        self._call(
            "sesv2",
            "ses:DeleteSuppressedDestination",
            lambda c: c.delete_suppressed_destination(EmailAddress=email),
            CallKind.MANAGEMENT,
        )
