"""SES contact lists, topics and contacts as the simulator keeps them (no moto here).

As in SES: one contact list per account and region, at most 20 topics, topic and list names of
letters, digits, `_` and `-` (1-64), a topic display name of at most 128 characters and a
description of at most 500. Contacts live in a dict per list (insertion order is the listing
order), so creating, reading and updating one costs the same with 100,000 contacts as with
one, and a page of ListContacts costs the page plus the contacts its filter skips.

The wording of each error is SES's own (checked against SES's answers where published).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sesdesk.simulator.state import attached

LastMessage = tuple[Any, str, str, tuple[str, ...], tuple[tuple[str, str], ...], Any, Any]

MAX_TOPICS = 20
MAX_LISTS = 1
MAX_PAGE_SIZE = 1000
STATUSES = ("OPT_IN", "OPT_OUT")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ListsError(Exception):
    """A request SES refuses: `code` is SES's error code, the message its wording."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _bad(message: str) -> ListsError:
    return ListsError("BadRequestException", message)


@dataclass
class Contact:
    """One contact of a list: explicit topic preferences, UnsubscribeAll, attributes."""

    email: str
    preferences: dict[str, str] = field(default_factory=dict)  # topic → OPT_IN | OPT_OUT
    unsubscribe_all: bool = False
    attributes: str | None = None
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    def status_for(self, topic: str, default: str | None) -> str | None:
        """The contact's effective status for `topic`: OPT_OUT when unsubscribed from all,
        else the explicit preference, else `default` (None: no preference)."""
        if self.unsubscribe_all:
            return "OPT_OUT"
        return self.preferences.get(topic, default)


@dataclass
class ContactList:
    """The account's contact list: topics (name → SES's Topic shape) and contacts."""

    name: str
    description: str | None
    topics: dict[str, dict[str, str]]
    tags: list[dict[str, str]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    contacts: dict[str, Contact] = field(default_factory=dict)  # lower-case address → contact

    def view(self) -> dict[str, Any]:
        """GetContactList's answer."""
        answer: dict[str, Any] = {
            "ContactListName": self.name,
            "Topics": list(self.topics.values()),
            "CreatedTimestamp": self.created,
            "LastUpdatedTimestamp": self.updated,
            "Tags": list(self.tags),
        }
        if self.description is not None:
            answer["Description"] = self.description
        return answer

    def contact_view(self, contact: Contact, *, full: bool) -> dict[str, Any]:
        """GetContact's answer (`full`) or one ListContacts entry."""
        answer: dict[str, Any] = {
            "EmailAddress": contact.email,
            "TopicPreferences": [
                {"TopicName": name, "SubscriptionStatus": status}
                for name, status in contact.preferences.items()
            ],
            "TopicDefaultPreferences": [
                {"TopicName": name, "SubscriptionStatus": topic["DefaultSubscriptionStatus"]}
                for name, topic in self.topics.items()
                if name not in contact.preferences
            ],
            "UnsubscribeAll": contact.unsubscribe_all,
            "LastUpdatedTimestamp": contact.updated,
        }
        if full:
            answer["ContactListName"] = self.name
            answer["CreatedTimestamp"] = contact.created
            if contact.attributes is not None:
                answer["AttributesData"] = contact.attributes
        return answer

    def default_status(self, topic: str) -> str | None:
        """The topic's DefaultSubscriptionStatus, or None when the list has no such topic."""
        found = self.topics.get(topic)
        return None if found is None else found["DefaultSubscriptionStatus"]


# --------------------------------------------------------------------------- validation


def _checked_name(name: Any, what: str) -> str:
    """A contact list or topic name (`what` names which) as SES accepts it."""
    if not isinstance(name, str) or not name:
        raise _bad(f"{what} can't be blank.")
    if not _NAME.match(name):
        raise _bad(
            f"{what} can contain up to 64 characters. Only alphanumeric characters, "
            "underscores(_) and hyphens(-) are allowed."
        )
    return name


def check_list_name(name: Any) -> str:
    """A contact list name as SES accepts it."""
    return _checked_name(name, "ContactListName")


def check_description(description: Any) -> str | None:
    """A list description: at most 500 characters."""
    if description is None:
        return None
    if not isinstance(description, str) or len(description) > 500:
        raise _bad("List description can contain up to 500 characters.")
    return description


def check_topics(topics: Any) -> dict[str, dict[str, str]]:
    """Topics as SES accepts them (name → Topic), in the order given."""
    if topics is None:
        return {}
    if not isinstance(topics, list):
        raise _bad("Topics must be a list.")
    if len(topics) > MAX_TOPICS:
        # SES answers BadRequestException here, not LimitExceededException.
        raise _bad(f"Maximum of <{MAX_TOPICS}> topics allowed per ContactList")
    checked: dict[str, dict[str, str]] = {}
    for topic in topics:
        if not isinstance(topic, dict):
            raise _bad("Each topic must be an object.")
        name = _checked_name(topic.get("TopicName"), "TopicName")
        display = topic.get("DisplayName")
        if not isinstance(display, str):
            raise _bad(f"DisplayName is required for topic {name}.")
        if len(display) > 128:
            raise _bad("Topic DisplayName can contain up to <128> characters.")
        description = topic.get("Description")
        if description is not None and (not isinstance(description, str) or len(description) > 500):
            raise _bad("Topic Description can contain up to <500> characters.")
        default = topic.get("DefaultSubscriptionStatus")
        if default not in STATUSES:
            raise _bad(
                "1 validation error detected: Value at 'defaultSubscriptionStatus' failed to "
                "satisfy constraint: Member must satisfy enum value set: [OPT_OUT, OPT_IN]"
            )
        if name in checked:
            raise _bad("Duplicate topic names are not allowed within a List.")
        entry = {"TopicName": name, "DisplayName": display, "DefaultSubscriptionStatus": default}
        if description is not None:
            entry["Description"] = description
        checked[name] = entry
    return checked


def check_email(email: Any) -> str:
    """A contact's address as SES accepts it."""
    if not isinstance(email, str) or not email:
        raise _bad("EmailAddress can't be blank.")
    if not _EMAIL.match(email):
        raise _bad(f"EmailAddress <{email}> is invalid")
    return email


def _preferences(contact_list: ContactList, given: Any) -> dict[str, str]:
    if given is None:
        return {}
    if not isinstance(given, list):
        raise _bad("TopicPreferences must be a list.")
    found: dict[str, str] = {}
    for preference in given:
        if not isinstance(preference, dict):
            raise _bad("Each topic preference must be an object.")
        topic = preference.get("TopicName")
        status = preference.get("SubscriptionStatus")
        if status not in STATUSES:
            raise _bad(
                "1 validation error detected: Value at 'subscriptionStatus' failed to satisfy "
                "constraint: Member must satisfy enum value set: [OPT_OUT, OPT_IN]"
            )
        if not isinstance(topic, str) or topic not in contact_list.topics:
            raise _bad(f"List: {contact_list.name} doesn't contain Topic: {topic}")
        found[topic] = str(status)
    return found


# --------------------------------------------------------------------------- the store


class ListsSim:
    """Every account's contact list in one simulator, plus what the unsubscribe control needs:
    the one-click URLs handed out and the last list-managed message to each address."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._lists: dict[tuple[str, str], dict[str, ContactList]] = {}
        # token → (account, region, list, topic or None, address) of each unsubscribe URL
        self.tokens: dict[str, tuple[str, str, str, str | None, str]] = {}
        self._token_of: dict[tuple[str, str, str, str | None, str], str] = {}
        # (account, region, address lower) → the last SESv2 message sent to it: (configuration
        # set, message id, source, recipients, tags, contact list, topic) (list_sending.py)
        self.last_message: dict[tuple[str, str, str], LastMessage] = {}
        # Contact-list calls allowed per second per account and region (None: no limit).
        self.calls_per_second: float | None = None
        self._calls: dict[tuple[str, str], list[float]] = {}

    def reset(self) -> None:
        """Forget everything."""
        with self.lock:
            self._lists.clear()
            self.tokens.clear()
            self._token_of.clear()
            self.last_message.clear()
            self.calls_per_second = None
            self._calls.clear()

    # ---- throttling (a control sets it; SES throttles list calls with HTTP 429)

    def count_call(self, account_id: str, region: str) -> None:
        """Count one contact-list call; TooManyRequestsException beyond the set rate."""
        limit = self.calls_per_second
        if limit is None:
            return
        now = time.monotonic()
        with self.lock:
            calls = self._calls.setdefault((account_id, region), [])
            calls[:] = [at for at in calls if at > now - 1.0]
            if len(calls) + 1 > limit:
                raise ListsError("TooManyRequestsException", "Too Many Requests")
            calls.append(now)

    # ---- lists

    def lists(self, account_id: str, region: str) -> dict[str, ContactList]:
        """The account's lists in the region (name → list); at most one."""
        with self.lock:
            return self._lists.setdefault((account_id, region), {})

    def get(self, account_id: str, region: str, name: str) -> ContactList:
        """The named list, or NotFoundException as SES words it."""
        found = self.lists(account_id, region).get(name)
        if found is None:
            raise ListsError("NotFoundException", f"List with name: {name} doesn't exist.")
        return found

    def create(self, account_id: str, region: str, params: dict[str, Any]) -> None:
        """CreateContactList."""
        name = check_list_name(params.get("ContactListName"))
        description = check_description(params.get("Description"))
        topics = check_topics(params.get("Topics"))
        tags = [dict(tag) for tag in params.get("Tags") or [] if isinstance(tag, dict)]
        with self.lock:
            existing = self.lists(account_id, region)
            if len(existing) >= MAX_LISTS:
                # SES's own answer (even for the name that exists): BadRequestException.
                raise _bad(f"A maximum of {MAX_LISTS} Lists allowed per account.")
            existing[name] = ContactList(name, description, topics, tags)

    def update(self, account_id: str, region: str, name: str, params: dict[str, Any]) -> None:
        """UpdateContactList: the topics given replace the list's topics."""
        description = check_description(params.get("Description"))
        topics = check_topics(params.get("Topics"))
        with self.lock:
            found = self.get(account_id, region, name)
            found.description = description
            found.topics = topics
            found.updated = time.time()

    def delete(self, account_id: str, region: str, name: str) -> None:
        """DeleteContactList (its contacts go with it)."""
        with self.lock:
            self.get(account_id, region, name)
            del self.lists(account_id, region)[name]

    # ---- contacts

    def create_contact(
        self, account_id: str, region: str, name: str, params: dict[str, Any]
    ) -> None:
        """CreateContact: AlreadyExistsException when the address is on the list."""
        email = check_email(params.get("EmailAddress"))
        with self.lock:
            found = self.get(account_id, region, name)
            key = email.lower()
            if key in found.contacts:
                raise ListsError("AlreadyExistsException", f"{email} already exists in List.")
            found.contacts[key] = Contact(
                email=email,
                preferences=_preferences(found, params.get("TopicPreferences")),
                unsubscribe_all=bool(params.get("UnsubscribeAll", False)),
                attributes=params.get("AttributesData"),
            )

    def contact(self, account_id: str, region: str, name: str, email: str) -> Contact:
        """The contact, or NotFoundException as SES words it."""
        with self.lock:
            found = self.get(account_id, region, name).contacts.get(email.lower())
        if found is None:
            raise ListsError("NotFoundException", f"{email} doesn't exist in List.")
        return found

    def update_contact(
        self, account_id: str, region: str, name: str, email: str, params: dict[str, Any]
    ) -> None:
        """UpdateContact: TopicPreferences, when given, replace the contact's preferences."""
        with self.lock:
            found = self.get(account_id, region, name)
            contact = self.contact(account_id, region, name, email)
            if "TopicPreferences" in params:
                contact.preferences = _preferences(found, params.get("TopicPreferences"))
            if "UnsubscribeAll" in params:
                contact.unsubscribe_all = bool(params.get("UnsubscribeAll"))
            if "AttributesData" in params:
                contact.attributes = params.get("AttributesData")
            contact.updated = time.time()

    def delete_contact(self, account_id: str, region: str, name: str, email: str) -> None:
        """DeleteContact."""
        with self.lock:
            self.contact(account_id, region, name, email)
            del self.get(account_id, region, name).contacts[email.lower()]

    def page(
        self,
        account_id: str,
        region: str,
        name: str,
        *,
        status: str | None,
        topic: str | None,
        use_default: bool,
        size: int,
        token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of ListContacts with SES's filter; the token is where the next page starts.

        With a topic: a contact matches when its effective status for the topic is `status`
        (UnsubscribeAll counts as OPT_OUT for every topic; without a preference the topic's
        default applies only with `use_default`, else the contact matches neither status).
        Without a topic, OPT_OUT is UnsubscribeAll and OPT_IN its absence.
        """
        if status is not None and status not in STATUSES:
            raise _bad(f"Invalid FilteredStatus: {status}")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise _bad(f"PageSize must be between 1 and {MAX_PAGE_SIZE}.")
        try:
            start = int(token) if token else 0
        except ValueError:
            raise _bad("Invalid NextToken.") from None
        with self.lock:
            found = self.get(account_id, region, name)
            default = None
            if topic is not None:
                default = found.default_status(topic)
                if default is None:
                    raise _bad(f"List: {name} doesn't contain Topic: {topic}")
                if not use_default:
                    default = None
            page: list[dict[str, Any]] = []
            position = start
            contacts = found.contacts.values()
            for contact in itertools.islice(contacts, start, None):
                if len(page) == size:
                    break
                position += 1
                if status is not None:
                    if topic is not None:
                        actual = contact.status_for(topic, default)
                    else:
                        actual = "OPT_OUT" if contact.unsubscribe_all else "OPT_IN"
                    if actual != status:
                        continue
                page.append(found.contact_view(contact, full=False))
            more = position < len(found.contacts)
        return page, (str(position) if more else None)

    # ---- what sends and the unsubscribe control need

    def unsubscribe_url(
        self, account_id: str, region: str, name: str, topic: str | None, address: str
    ) -> str:
        """The one-click URL of `address` for the list and topic (the same one each time)."""
        key = (account_id, region, name, topic, address.lower())
        with self.lock:
            token = self._token_of.get(key)
            if token is None:
                token = secrets.token_urlsafe(24)
                self.tokens[token] = key
                self._token_of[key] = token
        return _url(region, token)

    def ensure_contact(self, contact_list: ContactList, address: str) -> Contact:
        """The contact for `address`, created (no preferences) when absent, as SES does on a
        list-managed send and on its unsubscribe page. Call with `lock` held."""
        key = address.lower()
        found = contact_list.contacts.get(key)
        if found is None:
            found = contact_list.contacts[key] = Contact(email=address)
        return found

    def all_contacts(self, account_id: str, region: str, name: str) -> Iterable[Contact]:
        """Every contact of the list (a snapshot)."""
        with self.lock:
            return list(self.get(account_id, region, name).contacts.values())


def _url(region: str, token: str) -> str:
    # An https URL as SES's hosted page has; the simulator never serves it (the `unsubscribe`
    # control takes it instead).
    return f"https://unsubscribe.{region}.simulator.amazonses.com/v2/{token}"


def lists_of(state: Any) -> ListsSim:
    """The contact lists that belong to a simulator's state (created on first use)."""
    return attached(state, "_sesdesk_lists", ListsSim)
