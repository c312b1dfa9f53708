"""7. Body-less requests (SESv2 GET/DELETE) are verified against an empty payload; moto signs
its parsed querystring, which for them is the request headers."""

from __future__ import annotations

from typing import Any

from sesdesk.simulator.patches.base import _replace, current_state


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
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
