"""Every change sesdesk makes to moto 5.2.5, in one place, each with a test in
tests/aws/test_simulator_patches.py so a moto upgrade that breaks one fails loudly.

A patch only changes behaviour while a request is served by a SesSimulator (the server binds
its state to the handling thread, see `bound`); anything else using moto in this process
(e.g. `mock_aws`) sees moto as shipped.

1. route    SESv2 catch-all URL rule. moto's `/v2/.*` rule is a literal path in server mode,
            so calls moto lacks answered 404 HTML; a named regex group registers a real one.
2. account  SESv2 GetAccount, PutAccountDetails and the suppression-list calls, as methods
            on SESV2Response (moto finds handlers by method name on the class).
3. send     SESv2 SendEmail (and v1 SendEmail / SendRawEmail / GetSendQuota) enforce what SES
            enforces: verified sender, sandbox recipients, pause, daily quota, rate, judged
            at the request's arrival (the front stamps it after the simulated latency).
            Without IAM enforcement the front answers SESv2 SendEmail itself
            (`send_v2_directly`: the same patched handler, minus moto's HTTP layer).
4. identity New identities start PENDING (moto: SUCCESS); domains carry three DKIM tokens;
            creating an existing identity fails AlreadyExistsException.
5. verinfo  GetEmailIdentity carries VerificationInfo (ErrorType, timestamps).
6. iam      IAM enforcement per simulator instead of moto's process-wide switch; SESv2 and
            JSON-protocol (SQS) auth errors as JSON with AWS's codes instead of XML.
7. sigv4    Body-less requests (SESv2 GET/DELETE) are verified against an empty payload;
            moto signs its parsed querystring, which for them is the request headers.
8. simulate IAM SimulatePrincipalPolicy, evaluated with moto's own policy code.
9. inactive An access key set Inactive stops working (moto ignores the status).
10. v1code  SES v1 "Throttling" is serialized without moto's unknown-error-shape warning.
11. events  SESv2 configuration-set event destinations; SESv2's configuration-set error
            codes; a SESv2 send naming a configuration set publishes SES's events to SNS →
            SQS honouring the queue policy (events.py).
12. sqs     Standard SQS queues receive and delete in O(messages returned), not O(queue):
            moto's own take hours on a 100,000-message queue (sqs_scale.py).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import json
import random
import string
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import getaddresses, parseaddr
from typing import Any

from sesdesk.aws.simulator.iam_resources import authorised_as, resource_of
from sesdesk.aws.simulator.state import (
    IDENTITY_ERROR_TYPES,
    IDENTITY_STATUSES,
    InvalidRequest,
    SendRefused,
    SimulatorState,
)

_local = threading.local()
_install_lock = threading.Lock()
_installed = False
# Used by the new SESv2 calls when moto is reached some other way than through a simulator.
_FALLBACK_STATE = SimulatorState(iam=False)

ROUTE_KEY = "{0}/v2/email/(?P<sesdesk_path>.+)$"


def current_state() -> SimulatorState | None:
    """The state of the simulator serving the request on this thread, if any."""
    return getattr(_local, "state", None)


def arrival() -> float | None:
    """When the request on this thread reached the simulator (time.monotonic())."""
    return getattr(_local, "arrived", None)


@contextlib.contextmanager
def bound(state: SimulatorState, arrived: float | None = None) -> Iterator[None]:
    """Bind `state` (and the request's arrival time) to this thread while it is handled."""
    previous = getattr(_local, "state", None), getattr(_local, "arrived", None)
    _local.state, _local.arrived = state, arrived
    try:
        yield
    finally:
        _local.state, _local.arrived = previous


def dkim_token() -> str:
    """A DKIM token like SES's: 32 lowercase letters and digits."""
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=32))


# --------------------------------------------------------------------------- errors


def _error_classes() -> dict[str, type[Exception]]:
    from moto.core.exceptions import ServiceException

    names = {
        # SESv2 (rest-json): status codes come from botocore's model (429 for the rate).
        "BadRequestException": "BadRequestException",
        "NotFoundException": "NotFoundException",
        "AlreadyExistsException": "AlreadyExistsException",
        "MessageRejected": "MessageRejected",
        "SendingPausedException": "SendingPausedException",
        "LimitExceededException": "LimitExceededException",
        "TooManyRequestsException": "TooManyRequestsException",
        # SES v1 (query) says Throttling for both rate and quota; the message tells them apart.
        "Throttling": "Throttling",
        "AccountSendingPausedException": "AccountSendingPausedException",
    }
    return {name: type(name, (ServiceException,), {"code": code}) for name, code in names.items()}


_ERRORS: dict[str, type[Exception]] = {}


def service_error(code: str, message: str) -> Exception:
    """A moto ServiceException with AWS's `code`, serialized by moto per protocol."""
    if not _ERRORS:
        _ERRORS.update(_error_classes())
    return _ERRORS[code](message)


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


# --------------------------------------------------------------------------- identities


def ses_backend(account_id: str, region: str) -> Any:
    """moto's SES backend (shared by v1 and v2) for one account and region."""
    from moto.ses.models import ses_backends

    return ses_backends[account_id][region]


def _identity_status_lookup(account_id: str, region: str) -> Callable[[str], str | None]:
    identities = ses_backend(account_id, region).email_identities

    def status(name: str) -> str | None:
        identity = identities.get(name)
        return None if identity is None else str(identity.verification_status)

    return status


def apply_identity_status(
    account_id: str, region: str, name: str, status: str, error_type: str | None = None
) -> None:
    """Set an identity's verification status as AWS would report it."""
    if status not in IDENTITY_STATUSES:
        raise InvalidRequest(f"status must be one of {IDENTITY_STATUSES}")
    if error_type is not None and error_type not in IDENTITY_ERROR_TYPES:
        raise InvalidRequest(f"error_type must be one of {IDENTITY_ERROR_TYPES}")
    identity = ses_backend(account_id, region).email_identities.get(name)
    if identity is None:
        raise KeyError(f"no identity {name!r} in {region} of account {account_id}")
    now = time.time()
    identity.verification_status = status
    identity.verified_for_sending_status = status == "SUCCESS"
    if identity.identity_type == "DOMAIN":
        identity.dkim_attributes["Status"] = status
    identity.sesdesk_error_type = error_type if status in ("FAILED", "TEMPORARY_FAILURE") else None
    identity.sesdesk_checked_at = now
    if status == "SUCCESS":
        identity.sesdesk_success_at = now


def identity_statuses(account_id: str, region: str) -> dict[str, str]:
    """Identity name → VerificationStatus for one account and region."""
    identities = ses_backend(account_id, region).email_identities
    return {name: str(identity.verification_status) for name, identity in identities.items()}


# --------------------------------------------------------------------------- IAM helpers


def iam_backend(account_id: str) -> Any:
    """moto's IAM backend of `account_id` (partition aws)."""
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


def account_of_key(access_key_id: str) -> str | None:
    """The account whose IAM holds `access_key_id`, or None."""
    from moto.iam.models import iam_backends

    for account_id, partitions in list(iam_backends.items()):
        if access_key_id in partitions["aws"].access_keys:
            return str(account_id)
    return None


def reset_moto() -> None:
    """Clear every moto backend in this process (moto's own /moto-api/reset)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


# --------------------------------------------------------------------------- install


def _replace(owner: Any, name: str, replacement: Any) -> None:
    """Set `owner.name` (moto's class attribute) to our replacement."""
    setattr(owner, name, replacement)


def install() -> None:
    """Apply every patch once per process (idempotent, thread-safe)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _patch_route()
        _patch_sesv2_account()
        _patch_sending()
        _patch_identities()
        _patch_iam_enforcement()
        _patch_signature()
        _patch_simulate_principal_policy()
        _patch_inactive_keys()
        _patch_v1_throttling_code()
        from sesdesk.aws.simulator import events, sqs_scale

        events.install()
        sqs_scale.install()
        _installed = True


def _patch_route() -> None:
    from moto.sesv2 import urls
    from moto.sesv2.responses import SESV2Response

    # werkzeug prefers the more specific static rules, so this only catches what they miss;
    # which handler method runs is decided from botocore's model, not from the rule.
    urls.url_paths.setdefault(ROUTE_KEY, SESV2Response.dispatch)


# ---- 2. SESv2 account and suppression calls


def _state() -> SimulatorState:
    return current_state() or _FALLBACK_STATE


def _json_params(response: Any) -> dict[str, Any]:
    try:
        params = json.loads(response.body or "{}")
    except ValueError:
        raise service_error("BadRequestException", "The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise service_error("BadRequestException", "The request body must be a JSON object.")
    return params


def _bad_request(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except InvalidRequest as exc:
        raise service_error("BadRequestException", str(exc)) from None


def _get_account(self: Any) -> str:
    return json.dumps(_state().account_view(self.current_account, self.region))


def _put_account_details(self: Any) -> str:
    params = _json_params(self)
    _bad_request(lambda: _state().put_account_details(self.current_account, self.region, params))
    return json.dumps({})


def _put_suppressed_destination(self: Any) -> str:
    params = _json_params(self)
    email_address = str(params.get("EmailAddress") or "")
    reason = str(params.get("Reason") or "")
    _bad_request(
        lambda: _state().suppress(self.current_account, self.region, email_address, reason)
    )
    return json.dumps({})


def _uri_email(self: Any) -> str:
    from urllib.parse import unquote

    return unquote(str(self.uri_match.get("EmailAddress") or ""))


def _not_on_list(email_address: str) -> Exception:
    return service_error(
        "NotFoundException",
        f"Email address {email_address} does not exist on your suppression list.",
    )


def _get_suppressed_destination(self: Any) -> str:
    email_address = _uri_email(self)
    entry = _state().suppressed(self.current_account, self.region, email_address)
    if entry is None:
        raise _not_on_list(email_address)
    attributes = {}
    if entry.message_id:
        attributes["MessageId"] = entry.message_id
    if entry.feedback_id:
        attributes["FeedbackId"] = entry.feedback_id
    destination: dict[str, Any] = {
        "EmailAddress": entry.email,
        "Reason": entry.reason,
        "LastUpdateTime": entry.updated_at,
    }
    if attributes:
        destination["Attributes"] = attributes
    return json.dumps({"SuppressedDestination": destination})


def _delete_suppressed_destination(self: Any) -> str:
    email_address = _uri_email(self)
    if not _state().unsuppress(self.current_account, self.region, email_address):
        raise _not_on_list(email_address)
    return json.dumps({})


def _parse_time(value: str) -> float:
    from datetime import datetime

    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise service_error("BadRequestException", f"Invalid timestamp: {value}") from None


def _list_suppressed_destinations(self: Any) -> str:
    query = self.querystring
    reasons = set(query.get("Reason") or [])
    start = _parse_time(query["StartDate"][0]) if query.get("StartDate") else None
    end = _parse_time(query["EndDate"][0]) if query.get("EndDate") else None
    try:
        page_size = int((query.get("PageSize") or ["1000"])[0])
        offset = int((query.get("NextToken") or ["0"])[0])
    except ValueError:
        raise service_error("BadRequestException", "Invalid PageSize or NextToken.") from None
    entries = [
        entry
        for entry in _state().suppressed_list(self.current_account, self.region)
        if (not reasons or entry.reason in reasons)
        and (start is None or entry.updated_at >= start)
        and (end is None or entry.updated_at <= end)
    ]
    page = entries[offset : offset + max(page_size, 1)]
    answer: dict[str, Any] = {
        "SuppressedDestinationSummaries": [
            {"EmailAddress": e.email, "Reason": e.reason, "LastUpdateTime": e.updated_at}
            for e in page
        ]
    }
    if offset + len(page) < len(entries):
        answer["NextToken"] = str(offset + len(page))
    return json.dumps(answer)


def _patch_sesv2_account() -> None:
    from moto.sesv2.responses import SESV2Response

    # Set on the class: moto looks handlers up with inspect on SESV2Response itself.
    for name, function in {
        "get_account": _get_account,
        "put_account_details": _put_account_details,
        "put_suppressed_destination": _put_suppressed_destination,
        "get_suppressed_destination": _get_suppressed_destination,
        "delete_suppressed_destination": _delete_suppressed_destination,
        "list_suppressed_destinations": _list_suppressed_destinations,
    }.items():
        setattr(SESV2Response, name, function)


# ---- 3. sending


def _guarded_send(
    response: Any,
    state: SimulatorState,
    *,
    v1: bool,
    source: str,
    recipients: list[str],
    subject: str,
    send: Callable[[], str],
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
        state.record_send(account_id, region, source, recipients, message_id, subject, at=arrived)
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

        from sesdesk.aws.simulator import events

        events.check_configuration_set(self, params.get("ConfigurationSetName"))
        message_id = _guarded_send(
            self,
            state,
            v1=False,
            source=source,
            recipients=recipients,
            subject=subject,
            send=send,
        )
        events.after_send(
            state, self.current_account, self.region, params, message_id, recipients, source
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


def _patch_sending() -> None:
    from moto.ses.responses import EmailResponse
    from moto.sesv2.responses import SESV2Response

    _replace(SESV2Response, "send_email", _v2_send_email(SESV2Response.send_email))
    _replace(EmailResponse, "send_email", _v1_send(EmailResponse.send_email, raw=False))
    _replace(EmailResponse, "send_raw_email", _v1_send(EmailResponse.send_raw_email, raw=True))
    _replace(EmailResponse, "get_send_quota", _v1_get_send_quota(EmailResponse.get_send_quota))


# ---- 4 and 5. identities


def _patch_identities() -> None:
    from moto.ses.models import SESBackend
    from moto.sesv2.responses import SESV2Response

    create_original = SESBackend.create_email_identity_v2

    def create_email_identity_v2(
        self: Any, email_identity: str, tags: Any, dkim: Any, config_set: Any
    ) -> Any:
        state = current_state()
        if state is None:
            return create_original(self, email_identity, tags, dkim, config_set)
        if email_identity in self.email_identities:
            raise service_error(
                "AlreadyExistsException", f"Email identity {email_identity} already exist."
            )
        identity: Any = create_original(self, email_identity, tags, dkim, config_set)
        identity.verification_status = "PENDING"
        identity.verified_for_sending_status = False
        identity.sesdesk_error_type = None
        identity.sesdesk_checked_at = time.time()
        identity.sesdesk_success_at = None
        if identity.identity_type == "DOMAIN":
            tokens = [dkim_token() for _ in range(3)]
            identity.dkim_attributes.update(
                {
                    "SigningEnabled": True,
                    "Status": "PENDING",
                    "Tokens": tokens,
                    "SigningAttributesOrigin": "AWS_SES",
                    "NextSigningKeyLength": "RSA_2048_BIT",
                    "CurrentSigningKeyLength": "RSA_2048_BIT",
                    "LastKeyGenerationTimestamp": time.time(),
                }
            )
            self.dkim_tokens[email_identity] = tokens
        state.identity_created(self.account_id, self.region_name, email_identity)
        return identity

    _replace(SESBackend, "create_email_identity_v2", create_email_identity_v2)

    get_original = SESV2Response.get_email_identity

    def get_email_identity(self: Any) -> str:
        answer = get_original(self)
        if current_state() is None:
            return answer
        body = json.loads(answer)
        identity = ses_backend(self.current_account, self.region).email_identities.get(
            self._get_param("EmailIdentity")
        )
        if identity is not None:
            info: dict[str, Any] = {}
            checked = getattr(identity, "sesdesk_checked_at", None)
            if checked:
                info["LastCheckedTimestamp"] = checked
            success = getattr(identity, "sesdesk_success_at", None)
            if success:
                info["LastSuccessTimestamp"] = success
            error_type = getattr(identity, "sesdesk_error_type", None)
            if error_type:
                info["ErrorType"] = error_type
            body["VerificationInfo"] = info
            body["Tags"] = body.get("Tags") or []
        return json.dumps(body)

    _replace(SESV2Response, "get_email_identity", get_email_identity)


# ---- 6. IAM enforcement per simulator, JSON auth errors


_JSON_AUTH_CODES = {
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "AccessDenied": "AccessDeniedException",
    "AuthFailure": "UnrecognizedClientException",
}


def _speaks_json(response: Any) -> bool:
    content_type = str(response.headers.get("Content-Type") or "")
    return response.service_name == "sesv2" or "json" in content_type


def _patch_iam_enforcement() -> None:
    from urllib.parse import urlparse

    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import (
        AccessDeniedError,
        AuthFailureError,
        InvalidClientTokenIdError,
        JsonRESTError,
        SignatureDoesNotMatchError,
    )

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action
    auth_errors = (
        AccessDeniedError,
        AuthFailureError,
        InvalidClientTokenIdError,
        SignatureDoesNotMatchError,
    )

    def check(self: Any, iam_request_cls: type, resource: str) -> None:
        # moto's own check, minus its process-wide request counter.
        if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            return
        if "Authorization" not in self.headers:
            raise InvalidClientTokenIdError()
        path = self.raw_path
        query = urlparse(self.uri).query
        if query:
            path += "?" + query
        iam_request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=authorised_as(self._get_action()),
        )
        iam_request.check_signature()
        iam_request.check_action_permitted(resource)

    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        state = current_state()
        if state is None:
            return original(self, iam_request_cls, resource)
        if not state.iam:
            return None
        try:
            check(self, iam_request_cls, resource if resource != "*" else resource_of(self))
        except auth_errors as exc:
            if not _speaks_json(self):
                raise
            error = JsonRESTError(_JSON_AUTH_CODES.get(exc.error_type, exc.error_type), exc.message)
            error.code = exc.code
            raise error from None
        return None

    _replace(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authenticate)


# ---- 7. SigV4 payload of body-less requests


def _patch_signature() -> None:
    from moto.iam.access_control import IAMRequest

    original = IAMRequest._create_aws_request

    def create_aws_request(self: Any) -> Any:
        # Form posts (query protocol) arrive with the body already parsed into `_data`.
        try:
            sent_body = int(self._headers.get("Content-Length") or 0) > 0
        except ValueError:
            sent_body = True
        if sent_body or self._body or current_state() is None:
            return original(self)
        # No body was sent, so the client signed an empty payload; moto would sign its parsed
        # querystring instead (for SESv2 GET/DELETE that is the request headers).
        data = self._data
        self._data = b""
        try:
            return original(self)
        finally:
            self._data = data

    _replace(IAMRequest, "_create_aws_request", create_aws_request)


# ---- 8. SimulatePrincipalPolicy


def evaluate_user_actions(
    account_id: str,
    user_name: str,
    actions: list[str],
    resources: list[str] | None = None,
    extra_policies: list[str] | None = None,
) -> list[dict[str, Any]]:
    """IAM's EvaluationResults for a user, computed with moto's own policy evaluation."""
    from moto.iam.access_control import IAMPolicy, IAMUserAccessKey, PermissionResult

    backend = iam_backend(account_id)
    backend.get_user(user_name)  # NoSuchEntity if there is no such user
    # Reuse moto's policy collection (inline, attached, groups) without needing a key.
    principal = object.__new__(IAMUserAccessKey)
    principal.account_id = account_id
    principal.partition = "aws"
    principal._owner_user_name = user_name
    policies: list[Any] = list(principal.collect_policies()) + list(extra_policies or [])
    results = []
    for action in actions:
        for resource in resources or ["*"]:
            decision = "implicitDeny"
            for policy in policies:
                outcome = IAMPolicy(policy).is_action_permitted(action, resource)
                if outcome == PermissionResult.DENIED:
                    decision = "explicitDeny"
                    break
                if outcome == PermissionResult.PERMITTED:
                    decision = "allowed"
            results.append(
                {
                    "EvalActionName": action,
                    "EvalResourceName": resource,
                    "EvalDecision": decision,
                    "MatchedStatements": [],
                    "MissingContextValues": [],
                }
            )
    return results


def _patch_simulate_principal_policy() -> None:
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import InvalidInput
    from moto.iam.responses import IamResponse

    def simulate_principal_policy(self: Any) -> Any:
        source = str(self._get_param("PolicySourceArn") or "")
        parts = source.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("user/"):
            raise InvalidInput(
                f"The simulator supports IAM users only, not {source or 'an empty ARN'}."
            )
        user_name = parts[5].rsplit("/", 1)[-1]
        results = evaluate_user_actions(
            parts[4],
            user_name,
            [str(a) for a in self._get_param("ActionNames") or []],
            [str(r) for r in self._get_param("ResourceArns") or []] or None,
            [str(p) for p in self._get_param("PolicyInputList") or []],
        )
        return ActionResult({"EvaluationResults": results, "IsTruncated": False})

    _replace(IamResponse, "simulate_principal_policy", simulate_principal_policy)


# ---- 9. inactive keys


def _patch_inactive_keys() -> None:
    from moto.iam.access_control import CreateAccessKeyFailure, IAMUserAccessKey

    original = IAMUserAccessKey.__init__

    def init(self: Any, account_id: str, partition: str, access_key_id: str, headers: Any) -> None:
        original(self, account_id, partition, access_key_id, headers)
        if current_state() is None:
            return
        key = self.backend.access_keys.get(access_key_id)
        if key is not None and key.status != "Active":
            raise CreateAccessKeyFailure(reason="InvalidId")

    _replace(IAMUserAccessKey, "__init__", init)


# ---- 10. SES v1 "Throttling"


def _patch_v1_throttling_code() -> None:
    from moto.core import errors

    # SES v1 answers Throttling for rate and quota, but botocore's SES model has no such error
    # shape, and moto warns about codes it cannot find (a warning is an error in our tests).
    if "Throttling" not in errors.COMMON_ERROR_CODES:
        errors.COMMON_ERROR_CODES.append("Throttling")
