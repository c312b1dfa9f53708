"""What the numbered patches share: the simulator state bound to the serving thread, AWS's
errors as moto exceptions, and moto's SES and IAM backends."""

from __future__ import annotations

import contextlib
import json
import random
import string
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sesdesk.simulator.state import (
    IDENTITY_ERROR_TYPES,
    IDENTITY_STATUSES,
    InvalidRequest,
    SimulatorState,
)

_local = threading.local()
# Used by the new SESv2 calls when moto is reached some other way than through a simulator.
_FALLBACK_STATE = SimulatorState(iam=False)


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


def _replace(owner: Any, name: str, replacement: Any) -> None:
    """Set `owner.name` (moto's class attribute) to our replacement."""
    setattr(owner, name, replacement)


def extend_get_email_identity(add: Callable[[dict[str, Any], Any], None]) -> None:
    """Wrap SESv2 GetEmailIdentity: for a simulator's request about an identity moto knows,
    `add(body, identity)` adds to the answer's JSON body (moto's identity object)."""
    from moto.sesv2.responses import SESV2Response

    original = SESV2Response.get_email_identity

    def get_email_identity(self: Any) -> str:
        answer = original(self)
        if current_state() is None:
            return str(answer)
        body = json.loads(answer)
        identity = ses_backend(self.current_account, self.region).email_identities.get(
            self._get_param("EmailIdentity")
        )
        if identity is not None:
            add(body, identity)
        return json.dumps(body)

    _replace(SESV2Response, "get_email_identity", get_email_identity)


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
