"""The one place where botocore errors become domain errors.

Every call into AWS goes through `classify` (the facade does it for you), so services, the
CLI and the window only ever see the classes below — never a botocore exception.
"""

from __future__ import annotations

import re
from typing import Any

from sesdesk.errors import (
    CredentialsRejected,
    NotAllowed,
    ServiceUnreachable,
    SesdeskError,
)


class AwsError(SesdeskError):
    """Base of every classified AWS failure; `code` is AWS's error code when there was one."""

    def __init__(self, message: str, *, code: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code = code


class AuthError(AwsError, CredentialsRejected):
    """The keys do not work for this call: the mailer has lost access (exit 4)."""

    exit_code = 4

    def __init__(self, message: str, *, code: str = "", hint: str = "", action: str = "") -> None:
        AwsError.__init__(self, message, code=code, hint=hint)
        self.action = action
        self.missing_actions = (action,) if action else ()


class KeysRejected(AuthError):
    """AWS does not know the key, the secret is wrong, or the token expired."""


class PermissionMissing(AuthError):
    """The keys work but may not perform `action` (e.g. `ses:GetAccount`)."""


class Throttled(AwsError, ServiceUnreachable):
    """Sending rate or API rate exceeded; retry later with backoff (exit 5)."""

    exit_code = 5


class DailyQuotaExceeded(AwsError, NotAllowed):
    """The rolling 24-hour sending quota is used up (exit 3)."""

    exit_code = 3


class SendingPaused(AwsError, NotAllowed):
    """AWS paused sending for the account (enforcement) or suspended it (exit 3)."""

    exit_code = 3


class Rejected(AwsError, NotAllowed):
    """AWS refused this request's content: unverified sender or recipient, bad input (exit 3)."""

    exit_code = 3


class AwsNotFound(AwsError):
    """The named resource does not exist in AWS (exit 2)."""

    exit_code = 2


class Unreachable(AwsError, ServiceUnreachable):
    """The network or AWS failed. `may_have_arrived` is true when the request could have been
    processed anyway (read timeout, 5xx): a send in that state is *uncertain* (exit 5)."""

    exit_code = 5

    def __init__(
        self, message: str, *, code: str = "", hint: str = "", may_have_arrived: bool = False
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.may_have_arrived = may_have_arrived


_KEYS_REJECTED = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "InvalidSignatureException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "AuthFailure",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "InvalidToken",
}
_PERMISSION = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "NotAuthorized",
    "AuthorizationError",
}
_THROTTLED = {
    "TooManyRequestsException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
    "ProvisionedThroughputExceededException",
}
_PAUSED = {"SendingPausedException", "AccountSuspendedException", "AccountSendingPausedException"}
_REJECTED = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "MailFromDomainNotVerified",
    "BadRequestException",
    "InvalidParameterValue",
    "ValidationError",
    "ValidationException",
    "AlreadyExistsException",
    "ConfigurationSetDoesNotExist",
    "ConflictException",
}
_NOT_FOUND = {
    "NotFoundException",
    "NoSuchEntity",
    "ResourceNotFoundException",
    # SQS (query and JSON protocol) and SNS name a missing queue or topic these ways.
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
}

_ACTION_RE = re.compile(r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)")
_HTML_RE = re.compile(r"(?i)<(!doctype|html|head|body|title)\b")
_SECRET_RE = re.compile(r"(?i)(secret[^=:\s]*\s*[=:]\s*)\S+")

_RECONNECT_HINT = "Reconnect the mailer with new AWS keys (Reconnect on the dashboard)."


def _scrub(text: str) -> str:
    """AWS's message fit to show: no secrets, no HTML error pages, not a wall of text."""
    if _HTML_RE.search(text):
        return ""  # an endpoint's HTML error page says nothing a person can act on
    text = _SECRET_RE.sub(r"\1***", " ".join(text.split()))
    return text if len(text) <= 500 else text[:497] + "…"


def _action_from(message: str, fallback: str) -> str:
    match = _ACTION_RE.search(message)
    return match.group(1) if match else fallback


def classify(exc: BaseException, *, action: str = "") -> AwsError:
    """Turn a botocore/boto3 exception into one of the domain errors above.

    `action` names the IAM action we attempted (e.g. ``ses:GetAccount``): used when AWS's
    message does not name it. Already-classified errors pass through unchanged.
    """
    if isinstance(exc, AwsError):
        return exc
    # Import lazily: botocore is heavy and this module is imported at start-up.
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        return _classify_client_error(exc.response, action)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return KeysRejected(
            "No AWS keys are available for this mailer.", code="NoCredentials", hint=_RECONNECT_HINT
        )
    if isinstance(exc, bx.ReadTimeoutError):
        return Unreachable("AWS did not answer in time.", code="ReadTimeout", may_have_arrived=True)
    if isinstance(exc, bx.ConnectTimeoutError | bx.EndpointConnectionError):
        return Unreachable(
            "AWS could not be reached. Check the internet connection.",
            code=type(exc).__name__,
        )
    if isinstance(exc, bx.ConnectionClosedError | bx.HTTPClientError):
        return Unreachable(
            "The connection to AWS broke off.", code=type(exc).__name__, may_have_arrived=True
        )
    if isinstance(exc, bx.BotoCoreError):
        return AwsError(f"AWS client error: {type(exc).__name__}", code=type(exc).__name__)
    if isinstance(exc, ConnectionError | TimeoutError | OSError):
        return Unreachable("AWS could not be reached.", code=type(exc).__name__)
    return AwsError(f"Unexpected failure talking to AWS: {type(exc).__name__}")


def _classify_client_error(response: dict[str, Any], action: str) -> AwsError:
    error = response.get("Error", {}) or {}
    code = str(error.get("Code", "") or "")
    message = _scrub(str(error.get("Message", "") or ""))
    status = int((response.get("ResponseMetadata", {}) or {}).get("HTTPStatusCode", 0) or 0)
    lowered = message.lower()

    if code in _KEYS_REJECTED:
        return KeysRejected(
            f"AWS does not accept these keys ({code}).", code=code, hint=_RECONNECT_HINT
        )
    if code in _PERMISSION:
        named = _action_from(message, action)
        what = f"may not perform {named}" if named else "are not allowed to do this"
        return PermissionMissing(
            f"The AWS keys {what}.",
            code=code,
            action=named,
            hint="Attach the sesdesk IAM policy to the user, or reconnect with other keys.",
        )
    # v1 SES reports both rate and quota as "Throttling"; the message tells them apart.
    if code in {"LimitExceededException", "LimitExceeded"} or "daily message quota" in lowered:
        return DailyQuotaExceeded(
            "The daily sending quota is used up; sending continues as the 24-hour window rolls.",
            code=code,
        )
    if code in _THROTTLED or code == "Throttling" or status == 429:
        return Throttled("AWS is throttling requests; slowing down.", code=code)
    if code in _PAUSED:
        return SendingPaused(
            f"AWS has paused sending for this account: {message or code}",
            code=code,
            hint="Open the account's reputation page in the SES console to see why.",
        )
    if code in _NOT_FOUND or status == 404:
        fallback = f"AWS answered 'not found' to {action}." if action else "Not found in AWS."
        return AwsNotFound(message or fallback, code=code or "NotFound")
    if code in _REJECTED:
        return Rejected(message or f"AWS rejected the request ({code}).", code=code)
    if status == 403:
        # moto (and some proxies) answer auth failures with a bare 403: treat as auth.
        return KeysRejected(
            f"AWS refused the request (HTTP 403{', ' + code if code else ''}).",
            code=code or "403",
            hint=_RECONNECT_HINT,
        )
    if status >= 500 or code in {"InternalFailure", "ServiceUnavailable", "InternalError"}:
        return Unreachable(
            f"AWS had an internal error ({code or status}).", code=code, may_have_arrived=True
        )
    if 400 <= status < 500:
        return Rejected(message or f"AWS rejected the request ({code}).", code=code)
    return AwsError(message or f"AWS error {code}", code=code)
