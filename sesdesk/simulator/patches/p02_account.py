"""2. SESv2 GetAccount, PutAccountDetails and the suppression-list calls, as methods on
SESV2Response (moto finds handlers by method name on the class)."""

from __future__ import annotations

import json
from typing import Any

from sesdesk.simulator.patches.base import (
    _bad_request,
    _json_params,
    _state,
    service_error,
)


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


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
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
