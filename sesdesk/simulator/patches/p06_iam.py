"""6. IAM enforcement per simulator instead of moto's process-wide switch; SESv2 and
JSON-protocol (SQS) auth errors as JSON with AWS's codes instead of XML."""

from __future__ import annotations

from typing import Any

from sesdesk.simulator.iam_resources import authorised_as, resource_of
from sesdesk.simulator.patches.base import _replace, current_state

_JSON_AUTH_CODES = {
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "AccessDenied": "AccessDeniedException",
    "AuthFailure": "UnrecognizedClientException",
}


def _speaks_json(response: Any) -> bool:
    content_type = str(response.headers.get("Content-Type") or "")
    return response.service_name == "sesv2" or "json" in content_type


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
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
