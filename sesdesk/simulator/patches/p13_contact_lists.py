"""13. lists    SESv2 contact lists, topics and contacts as SES has them (contact_lists.py):
one list per account and region, at most 20 topics, SES's name rules and error codes,
ListContacts paged with its Filter. moto 5.2.5 allows any number of lists and topics, keeps no
defaults, answers a missing contact with a Python KeyError and ListContacts with no paging and
no filter: every contact-list handler is replaced."""

from __future__ import annotations

import json
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
