"""13. lists    SESv2 contact lists, topics and contacts as SES has them (contact_lists.py):
one list per account and region, at most 20 topics, SES's name rules and error codes,
ListContacts paged with its Filter. moto 5.2.5 allows any number of lists and topics, keeps no
defaults, answers a missing contact with a Python KeyError and ListContacts with no paging and
no filter: every contact-list handler is replaced."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from sesdesk.simulator.contact_lists import ListsError, ListsSim, lists_of
from sesdesk.simulator.patches.base import _json_params, _state, service_error


def _uri(response: Any, name: str) -> str:
    return unquote(str(response.uri_match.get(name) or ""))


def _handler(body: Callable[[Any, ListsSim, str, str], Any]) -> Callable[[Any], str]:
    def handler(self: Any) -> str:
        sim = lists_of(_state())
        try:
            sim.count_call(self.current_account, self.region)
            answer = body(self, sim, self.current_account, self.region)
        except ListsError as exc:
            raise service_error(exc.code, exc.message) from None
        return json.dumps(answer if answer is not None else {})

    handler.__name__ = body.__name__
    return handler


def create_contact_list(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 CreateContactList."""
    sim.create(account, region, _json_params(self))


def update_contact_list(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 UpdateContactList."""
    sim.update(account, region, _uri(self, "ContactListName"), _json_params(self))


def get_contact_list(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 GetContactList."""
    with sim.lock:
        return sim.get(account, region, _uri(self, "ContactListName")).view()


def delete_contact_list(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 DeleteContactList."""
    sim.delete(account, region, _uri(self, "ContactListName"))


def _page_size(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ListsError("BadRequestException", f"Invalid PageSize: {value}") from None


def list_contact_lists(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 ListContactLists (one list at most: one page)."""
    size = _page_size((self.querystring.get("PageSize") or ["1000"])[0])
    if not 1 <= size <= 1000:
        raise ListsError("BadRequestException", "PageSize must be between 1 and 1000.")
    with sim.lock:
        found = list(sim.lists(account, region).values())
    return {
        "ContactLists": [
            {"ContactListName": c.name, "LastUpdatedTimestamp": c.updated} for c in found
        ]
    }


def create_contact(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 CreateContact."""
    sim.create_contact(account, region, _uri(self, "ContactListName"), _json_params(self))


def update_contact(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 UpdateContact."""
    name, email = _uri(self, "ContactListName"), _uri(self, "EmailAddress")
    sim.update_contact(account, region, name, email, _json_params(self))


def get_contact(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 GetContact."""
    name, email = _uri(self, "ContactListName"), _uri(self, "EmailAddress")
    with sim.lock:
        contact = sim.contact(account, region, name, email)
        return sim.get(account, region, name).contact_view(contact, full=True)


def delete_contact(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 DeleteContact."""
    sim.delete_contact(account, region, _uri(self, "ContactListName"), _uri(self, "EmailAddress"))


def list_contacts(self: Any, sim: ListsSim, account: str, region: str) -> Any:
    """SESv2 ListContacts, paged, with FilteredStatus and TopicFilter."""
    params = _json_params(self)
    filters = params.get("Filter") or {}
    topic_filter = filters.get("TopicFilter") or {}
    topic = topic_filter.get("TopicName")
    contacts, token = sim.page(
        account,
        region,
        _uri(self, "ContactListName"),
        status=filters.get("FilteredStatus"),
        topic=None if topic is None else str(topic),
        use_default=bool(topic_filter.get("UseDefaultIfPreferenceUnavailable", False)),
        size=_page_size(params.get("PageSize", 1000)),
        token=params.get("NextToken"),
    )
    answer: dict[str, Any] = {"Contacts": contacts}
    if token is not None:
        answer["NextToken"] = token
    return answer


HANDLERS = (
    create_contact_list,
    update_contact_list,
    get_contact_list,
    delete_contact_list,
    list_contact_lists,
    create_contact,
    update_contact,
    get_contact,
    delete_contact,
    list_contacts,
)


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.sesv2.responses import SESV2Response

    # Set on the class: moto looks handlers up with inspect on SESV2Response itself.
    for body in HANDLERS:
        setattr(SESV2Response, body.__name__, _handler(body))


LISTS_PATH = "/v2/email/contact-lists"
_ROUTES: tuple[tuple[str, re.Pattern[str], Callable[[Any, ListsSim, str, str], Any]], ...] = (
    ("POST", re.compile(r"^$"), create_contact_list),
    ("GET", re.compile(r"^$"), list_contact_lists),
    ("GET", re.compile(r"^/(?P<ContactListName>[^/]+)$"), get_contact_list),
    ("PUT", re.compile(r"^/(?P<ContactListName>[^/]+)$"), update_contact_list),
    ("DELETE", re.compile(r"^/(?P<ContactListName>[^/]+)$"), delete_contact_list),
    ("POST", re.compile(r"^/(?P<ContactListName>[^/]+)/contacts$"), create_contact),
    ("POST", re.compile(r"^/(?P<ContactListName>[^/]+)/contacts/list$"), list_contacts),
    (
        "GET",
        re.compile(r"^/(?P<ContactListName>[^/]+)/contacts/(?P<EmailAddress>[^/]+)$"),
        get_contact,
    ),
    (
        "PUT",
        re.compile(r"^/(?P<ContactListName>[^/]+)/contacts/(?P<EmailAddress>[^/]+)$"),
        update_contact,
    ),
    (
        "DELETE",
        re.compile(r"^/(?P<ContactListName>[^/]+)/contacts/(?P<EmailAddress>[^/]+)$"),
        delete_contact,
    ),
)


def lists_directly(environ: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Answer a contact-list call without moto's HTTP layer: (status, headers, body).

    Call while `bound` to a simulator without IAM enforcement: a big list's contact sync is
    100,000 CreateContact calls, and moto's routing and request set-up cost more than the
    call itself. Only moto's account and region lookup runs, then the same handler.
    """
    from types import SimpleNamespace
    from urllib.parse import parse_qs

    from moto.core.exceptions import ServiceException
    from moto.sesv2.responses import SESV2Response
    from werkzeug.datastructures import EnvironHeaders

    from sesdesk.simulator.patches.p03_send import _json_error, _v2_error_status

    method = str(environ.get("REQUEST_METHOD") or "GET")
    rest = str(environ.get("PATH_INFO") or "")[len(LISTS_PATH) :]
    route = next(
        ((fn, m) for verb, pattern, fn in _ROUTES if verb == method and (m := pattern.match(rest))),
        None,
    )
    if route is None:
        return _json_error(404, "NotFoundException", f"No route for {method} {LISTS_PATH}{rest}")
    function, match = route
    headers = EnvironHeaders(environ)
    response = SESV2Response()
    response.headers = headers
    response.uri_match = match.groupdict()
    response.querystring = parse_qs(str(environ.get("QUERY_STRING") or ""))
    try:
        response.body = body.decode("utf-8")
        full_url = f"http://{headers.get('Host', '')}{LISTS_PATH}{rest}"
        response.region = response.get_region_from_url(SimpleNamespace(headers=headers), full_url)
        response.current_account = response.get_current_account()
        answer = _handler(function)(response)
    except UnicodeDecodeError:
        return _json_error(400, "BadRequestException", "The request body is not valid UTF-8.")
    except ServiceException as exc:
        code = str(getattr(exc, "code", "BadRequestException"))
        return _json_error(_v2_error_status(code), code, str(getattr(exc, "message", exc)))
    return 200, {"Content-Type": "application/json"}, answer.encode("utf-8")
