"""3. SESv2 SendEmail (and v1 SendEmail / SendRawEmail / GetSendQuota) enforce what SES enforces:
verified sender, sandbox recipients, pause, daily quota, rate, judged at the request's arrival."""

from __future__ import annotations

import base64
import binascii
import email
import json
from collections.abc import Callable
from email.utils import getaddresses, parseaddr
from typing import Any

from sesdesk.simulator.patches.base import (
    _identity_status_lookup,
    _json_params,
    _replace,
    arrival,
    current_state,
    service_error,
)
from sesdesk.simulator.state import SendRefused, SimulatorState

_V2_REFUSALS = {
    "paused": "SendingPausedException",
    "unverified": "MessageRejected",
    "quota": "LimitExceededException",
    "rate": "TooManyRequestsException",
}
_V1_REFUSALS = {
    "paused": "AccountSendingPausedException",
    "unverified": "MessageRejected",
    "quota": "Throttling",
    "rate": "Throttling",
}


def _guarded_send(
    response: Any,
    state: SimulatorState,
    *,
    v1: bool,
    source: str,
    recipients: list[str],
    subject: str,
    send: Callable[[], str],
    listed: dict[str, Any] | None = None,
) -> str:
    """Check SES's rules, let moto send, record the send: one atomic step per account."""
    account_id, region = response.current_account, response.region
    refusals = _V1_REFUSALS if v1 else _V2_REFUSALS
    # Judge rate and quota at the request's arrival (stamped by the front after the simulated
    # latency), not now: moto's parsing and thread scheduling would shuffle a client's evenly
    # spaced sends by milliseconds. Real SES judges arrival too.
    arrived = arrival()
    with state.lock:
        try:
            state.check_send(
                account_id,
                region,
                source,
                recipients,
                _identity_status_lookup(account_id, region),
                at=arrived,
            )
        except SendRefused as refused:
            raise service_error(refusals[refused.kind], refused.message) from None
        message_id = send()
        state.record_send(
            account_id, region, source, recipients, message_id, subject, at=arrived, listed=listed
        )
    return message_id


def _raw_message(data: Any) -> email.message.Message:
    if isinstance(data, str):
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            data = data.encode("utf-8")
    return email.message_from_bytes(bytes(data))


def _header_addresses(message: email.message.Message) -> list[str]:
    values = [str(v) for header in ("To", "Cc", "Bcc") for v in message.get_all(header, [])]
    return [address for _, address in getaddresses(values) if address]


def _v2_send_email(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def send_email(self: Any) -> str:
        state = current_state()
        if state is None:
            return original(self)
        params = _json_params(self)
        destination = params.get("Destination") or {}
        recipients = [
            str(address)
            for key in ("ToAddresses", "CcAddresses", "BccAddresses")
            for address in destination.get(key) or []
        ]
        content = params.get("Content") or {}
        source = str(params.get("FromEmailAddress") or "")
        if "Simple" in content:
            subject = str(((content["Simple"] or {}).get("Subject") or {}).get("Data") or "")
        elif "Raw" in content:
            message = _raw_message(((content["Raw"] or {}).get("Data")) or b"")
            subject = str(message.get("Subject") or "")
            recipients = recipients or _header_addresses(message)
            source = source or parseaddr(str(message.get("From") or ""))[1]
        else:
            raise service_error(
                "BadRequestException", "The simulator supports Simple and Raw content only."
            )
        if not source:
            raise service_error("BadRequestException", "Missing FromEmailAddress.")
        if not recipients:
            raise service_error("BadRequestException", "Missing recipients in Destination.")

        def send() -> str:
            return str(json.loads(original(self))["MessageId"])

        from sesdesk.simulator import events, list_sending

        events.check_configuration_set(self, params.get("ConfigurationSetName"))
        account, region = self.current_account, self.region
        listed = list_sending.prepare(state, account, region, params, recipients)
        message_id = _guarded_send(
            self,
            state,
            v1=False,
            source=source,
            recipients=recipients,
            subject=subject,
            send=send,
            listed=None if listed is None else listed.record(),
        )
        list_sending.accepted(state, account, region, params, message_id, recipients, source)
        unsubscribed = frozenset() if listed is None else listed.opted_out
        events.after_send(
            state, account, region, params, message_id, recipients, source, unsubscribed
        )
        return json.dumps({"MessageId": message_id})

    return send_email


V2_SEND_PATH = "/v2/email/outbound-emails"


def send_v2_directly(environ: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Answer a SESv2 SendEmail without moto's HTTP layer: (status, headers, body).

    Call while `bound` to a simulator without IAM enforcement. moto's routing, request
    set-up and action lookup cost more CPU than the send itself (milliseconds per call);
    here only the parts a send needs run: moto's own account and region lookup, then the
    patched SendEmail handler (the same rules as through moto), and moto's backend.
    """
    from types import SimpleNamespace

    from moto.core.exceptions import JsonRESTError, ServiceException
    from moto.sesv2.responses import SESV2Response
    from werkzeug.datastructures import EnvironHeaders

    headers = EnvironHeaders(environ)
    response = SESV2Response()
    response.headers = headers
    response.querystring = {}
    try:
        response.body = body.decode("utf-8")
        full_url = f"http://{headers.get('Host', '')}{V2_SEND_PATH}"
        response.region = response.get_region_from_url(SimpleNamespace(headers=headers), full_url)
        response.current_account = response.get_current_account()
        answer = SESV2Response.send_email(response)
    except UnicodeDecodeError:
        return _json_error(400, "BadRequestException", "The request body is not valid UTF-8.")
    except ServiceException as exc:
        code = str(getattr(exc, "code", "BadRequestException"))
        return _json_error(_v2_error_status(code), code, str(getattr(exc, "message", exc)))
    except JsonRESTError as exc:
        return _json_error(int(exc.code or 400), str(exc.error_type), str(exc.message))
    return 200, {"Content-Type": "application/json"}, answer.encode("utf-8")


def _json_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """An SESv2 (rest-json) error as moto serializes it: __type and Message."""
    body = json.dumps({"__type": code, "Message": message}).encode("utf-8")
    return status, {"Content-Type": "application/json", "X-Amzn-ErrorType": code}, body


_V2_STATUS: dict[str, int] = {}


def _v2_error_status(code: str) -> int:
    """The HTTP status botocore's SESv2 model gives error `code` (moto uses the same)."""
    if code not in _V2_STATUS:
        import botocore.session

        try:
            shape = botocore.session.get_session().get_service_model("sesv2").shape_for(code)
            _V2_STATUS[code] = int(shape.metadata.get("error", {}).get("httpStatusCode", 400))
        except Exception:  # an unknown shape: a client error all the same
            _V2_STATUS[code] = 400
    return _V2_STATUS[code]


def _v1_send(original: Callable[[Any], Any], *, raw: bool) -> Callable[[Any], Any]:
    def handler(self: Any) -> Any:
        state = current_state()
        if state is None:
            return original(self)
        source = str(self._get_param("Source") or "")
        subject = ""
        if raw:
            message = _raw_message(self._get_param("RawMessage.Data") or b"")
            subject = str(message.get("Subject") or "")
            recipients = [str(a) for a in self._get_param("Destinations") or []]
            recipients = recipients or _header_addresses(message)
            source = source or parseaddr(str(message.get("From") or ""))[1]
        else:
            subject = str(self._get_param("Message.Subject.Data") or "")
            destination = self._get_param("Destination") or {}
            recipients = [
                str(address)
                for key in ("ToAddresses", "CcAddresses", "BccAddresses")
                for address in destination.get(key) or []
            ]
        result: dict[str, Any] = {}

        def send() -> str:
            result["value"] = original(self)
            return str(result["value"].result["MessageId"])

        _guarded_send(
            self,
            state,
            v1=True,
            source=source,
            recipients=recipients,
            subject=subject,
            send=send,
        )
        return result["value"]

    return handler


def _v1_get_send_quota(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_send_quota(self: Any) -> Any:
        from moto.core.responses import ActionResult

        state = current_state()
        if state is None:
            return original(self)
        quota = state.account_view(self.current_account, self.region)["SendQuota"]
        return ActionResult(dict(quota))

    return get_send_quota


def _covers(self: Any, source: str) -> bool:
    """moto's own sender check, as SES: the address, its domain or a parent domain of it."""
    address = parseaddr(source)[1]
    if address in self.email_identities:
        return True
    labels = address.split("@", 1)[-1].split(".")
    return any(".".join(labels[i:]) in self.email_identities for i in range(len(labels) - 1))


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.ses.models import SESBackend
    from moto.ses.responses import EmailResponse
    from moto.sesv2.responses import SESV2Response

    _replace(SESBackend, "_is_verified_address", _covers)

    _replace(SESV2Response, "send_email", _v2_send_email(SESV2Response.send_email))
    _replace(EmailResponse, "send_email", _v1_send(EmailResponse.send_email, raw=False))
    _replace(EmailResponse, "send_raw_email", _v1_send(EmailResponse.send_raw_email, raw=True))
    _replace(EmailResponse, "get_send_quota", _v1_get_send_quota(EmailResponse.get_send_quota))
