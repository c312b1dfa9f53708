"""SES list management (SESv2 contact lists, topics, contacts), typed, errors classified.

SES allows one contact list per account and region and at most 20 topics in it; a send naming
the list and one of its topics (`OutgoingEmail.list_management`) gets SES's one-click
unsubscribe headers and hosted page. This module only talks to SES: which sesdesk list maps to
which topic is the services' business.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sesdesk.aws.errors import AwsError, AwsNotFound, classify
from sesdesk.aws.facade import Facade, listed
from sesdesk.errors import BadInput, NotAllowed

MAX_TOPICS = 20
OPT_IN = "OPT_IN"
OPT_OUT = "OPT_OUT"
SUBSCRIPTION_STATUSES = (OPT_IN, OPT_OUT)
# SES's rules for a topic (and contact list) name, a display name and a description.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_DISPLAY_NAME = 128
MAX_DESCRIPTION = 500
MAX_PAGE_SIZE = 1000
# SES answers a second contact list (and a 21st topic) with BadRequestException and these
# words; LimitExceededException is accepted too, should SES ever switch to it.
_LIMIT_WORDS = re.compile(r"(?i)maximum of <?\d+>? (lists|topics) allowed")


@dataclass(frozen=True)
class SesTopic:
    """One topic of the contact list, as SES's unsubscribe page shows it."""

    name: str  # TopicName: letters, digits, _ and -, 1-64 characters
    display_name: str  # DisplayName: at most 128 characters
    default_status: str = OPT_IN  # "OPT_IN" | "OPT_OUT"
    description: str = ""  # at most 500 characters


@dataclass(frozen=True)
class SesContactList:
    """The account's SES contact list and its topics."""

    name: str
    topics: tuple[SesTopic, ...]
    description: str | None = None


@dataclass(frozen=True)
class SesContact:
    """One contact of the SES contact list and its subscription preferences."""

    email: str
    unsubscribe_all: bool
    opted_out: frozenset[str]  # topic names whose SubscriptionStatus is OPT_OUT
    opted_in: frozenset[str]  # topic names explicitly OPT_IN
    updated_at: datetime | None = None  # LastUpdatedTimestamp


class ContactListLimit(AwsError, NotAllowed):
    """The account already has a contact list, or the list already has 20 topics. `code` is
    SES's error code and the message SES's own words."""

    exit_code = 3


class ContactPage(list[SesContact]):
    """One page of ListContacts; `next_token` resumes the listing after it (None: last page)."""

    def __init__(self, contacts: Iterable[SesContact], next_token: str | None) -> None:
        super().__init__(contacts)
        self.next_token = next_token


def topic_problem(topic: SesTopic) -> str | None:
    """What SES would refuse in `topic`, in plain words naming the field; None when it is fine."""
    if not _NAME.match(topic.name):
        return (
            f"topic name {topic.name!r}: 1 to 64 letters, digits, '_' or '-' (SES's rule for "
            "TopicName)"
        )
    if not topic.display_name.strip():
        return f"topic {topic.name}: the display name must not be empty"
    if len(topic.display_name) > MAX_DISPLAY_NAME:
        return f"topic {topic.name}: the display name is over {MAX_DISPLAY_NAME} characters"
    if len(topic.description) > MAX_DESCRIPTION:
        return f"topic {topic.name}: the description is over {MAX_DESCRIPTION} characters"
    if topic.default_status not in SUBSCRIPTION_STATUSES:
        return f"topic {topic.name}: the default status must be OPT_IN or OPT_OUT"
    return None


def list_name_problem(name: str) -> str | None:
    """What SES would refuse in a contact list name; None when it is fine."""
    if not _NAME.match(name):
        return f"contact list name {name!r}: 1 to 64 letters, digits, '_' or '-'"
    return None


def _check_topics(topics: Sequence[SesTopic], description: str | None) -> None:
    # Refused here, before any call, so SES never sees a request it would refuse.
    if len(topics) > MAX_TOPICS:
        raise ContactListLimit(
            f"An SES contact list holds at most {MAX_TOPICS} topics ({len(topics)} given).",
            code="TooManyTopics",
        )
    seen: set[str] = set()
    for topic in topics:
        problem = topic_problem(topic)
        if problem:
            raise BadInput("topics", problem)
        if topic.name in seen:
            raise BadInput("topics", f"topic name {topic.name!r} appears twice")
        seen.add(topic.name)
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise BadInput("description", f"over {MAX_DESCRIPTION} characters")


def _topic_json(topic: SesTopic) -> dict[str, str]:
    entry = {
        "TopicName": topic.name,
        "DisplayName": topic.display_name,
        "DefaultSubscriptionStatus": topic.default_status,
    }
    if topic.description:
        entry["Description"] = topic.description
    return entry


def _topic(item: dict[str, Any]) -> SesTopic:
    return SesTopic(
        name=str(item.get("TopicName", "")),
        display_name=str(item.get("DisplayName", "")),
        default_status=str(item.get("DefaultSubscriptionStatus") or OPT_IN),
        description=str(item.get("Description") or ""),
    )


def _contact(item: dict[str, Any]) -> SesContact:
    preferences = [
        (str(p.get("TopicName", "")), str(p.get("SubscriptionStatus", "")))
        for p in item.get("TopicPreferences") or []
    ]
    return SesContact(
        email=str(item.get("EmailAddress", "")),
        unsubscribe_all=bool(item.get("UnsubscribeAll", False)),
        opted_out=frozenset(t for t, s in preferences if s == OPT_OUT),
        opted_in=frozenset(t for t, s in preferences if s == OPT_IN),
        updated_at=item.get("LastUpdatedTimestamp"),
    )


def _preferences(opted_out: Iterable[str], opted_in: Iterable[str]) -> list[dict[str, str]]:
    out = sorted(set(opted_out))
    within = sorted(set(opted_in) - set(out))  # opting out wins over a stale opt-in
    return [{"TopicName": t, "SubscriptionStatus": OPT_OUT} for t in out] + [
        {"TopicName": t, "SubscriptionStatus": OPT_IN} for t in within
    ]


def _list_contacts(kwargs: dict[str, Any], client: Any) -> Any:
    return client.list_contacts(**kwargs)


def _list_missing(error: AwsNotFound) -> bool:
    # SES answers a missing list and a missing contact with the same code; the words differ.
    return error.message.startswith("List with name")


def _aws_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Message") or "")


def _is_limit(error: AwsError) -> bool:
    if error.code in {"LimitExceededException", "LimitExceeded"}:
        return True
    return error.code == "BadRequestException" and bool(_LIMIT_WORDS.search(str(error)))


class ListsFacade(Facade):
    """SESv2 contact-list calls for one mailer (one region, one key pair)."""

    def _classified(self, exc: Exception, action: str) -> Exception:
        error = classify(exc, action=action)
        if _is_limit(error):
            # classify() reads LimitExceededException as the daily sending quota; for
            # lists it is the one-list / 20-topic limit. AWS's own words are kept.
            return ContactListLimit(
                _aws_message(exc) or error.message,
                code=error.code,
                hint="SES allows one contact list per account and region, with at most "
                f"{MAX_TOPICS} topics.",
            )
        return error

    # --- contact lists ---------------------------------------------------------------------

    def contact_lists(self) -> list[SesContactList]:
        """Every contact list of the account in this region, with its topics."""

        def names(client: Any) -> list[str]:
            found = listed(client.list_contact_lists, "ContactLists", PageSize=MAX_PAGE_SIZE)
            return [str(c["ContactListName"]) for c in found]

        lists = []
        for name in self._call("sesv2", "ses:ListContactLists", names):
            found = self.get_contact_list(name)
            if found is not None:  # deleted between the two calls
                lists.append(found)
        return lists

    def get_contact_list(self, name: str) -> SesContactList | None:
        """The named contact list with its topics; None when SES says it does not exist."""
        try:
            answer = self._call(
                "sesv2", "ses:GetContactList", lambda c: c.get_contact_list(ContactListName=name)
            )
        except AwsNotFound:
            return None
        return SesContactList(
            name=str(answer.get("ContactListName", name)),
            topics=tuple(_topic(t) for t in answer.get("Topics") or []),
            description=answer.get("Description"),
        )

    def create_contact_list(
        self, name: str, topics: Sequence[SesTopic], description: str | None = None
    ) -> None:
        """Create the account's contact list; `ContactListLimit` when it already has one."""
        problem = list_name_problem(name)
        if problem:
            raise BadInput("contact list", problem)
        _check_topics(topics, description)
        kwargs: dict[str, Any] = {
            "ContactListName": name,
            "Topics": [_topic_json(t) for t in topics],
        }
        if description is not None:
            kwargs["Description"] = description
        self._call("sesv2", "ses:CreateContactList", lambda c: c.create_contact_list(**kwargs))

    def put_topics(
        self, name: str, topics: Sequence[SesTopic], description: str | None = None
    ) -> None:
        """Replace the list's topics with `topics` (UpdateContactList sets the whole set, so
        pass the existing topics plus the new ones); `ContactListLimit` beyond 20."""
        _check_topics(topics, description)
        kwargs: dict[str, Any] = {
            "ContactListName": name,
            "Topics": [_topic_json(t) for t in topics],
        }
        if description is not None:
            kwargs["Description"] = description
        self._call("sesv2", "ses:UpdateContactList", lambda c: c.update_contact_list(**kwargs))

    def delete_contact_list(self, name: str) -> None:
        """Delete a contact list (only ever one sesdesk created)."""
        self._call(
            "sesv2", "ses:DeleteContactList", lambda c: c.delete_contact_list(ContactListName=name)
        )

    # --- contacts --------------------------------------------------------------------------

    def create_contact(
        self,
        list_name: str,
        email: str,
        *,
        opted_out: Iterable[str] = (),
        opted_in: Iterable[str] = (),
        unsubscribe_all: bool = False,
    ) -> bool:
        """Add a contact; False (nothing raised) when SES says it already exists."""
        kwargs = {
            "ContactListName": list_name,
            "EmailAddress": email,
            "TopicPreferences": _preferences(opted_out, opted_in),
            "UnsubscribeAll": unsubscribe_all,
        }
        try:
            self._call("sesv2", "ses:CreateContact", lambda c: c.create_contact(**kwargs))
        except AwsError as error:
            if error.code == "AlreadyExistsException":
                return False
            raise
        return True

    def update_contact(
        self,
        list_name: str,
        email: str,
        *,
        opted_out: Iterable[str] = (),
        opted_in: Iterable[str] = (),
        unsubscribe_all: bool = False,
    ) -> bool:
        """Set a contact's whole preferences (SES replaces them all: pass every topic that
        matters); False (nothing raised) when SES says the contact does not exist (a missing
        list raises `AwsNotFound`)."""
        kwargs = {
            "ContactListName": list_name,
            "EmailAddress": email,
            "TopicPreferences": _preferences(opted_out, opted_in),
            "UnsubscribeAll": unsubscribe_all,
        }
        try:
            self._call("sesv2", "ses:UpdateContact", lambda c: c.update_contact(**kwargs))
        except AwsNotFound as error:
            if _list_missing(error):
                raise
            return False
        return True

    def get_contact(self, list_name: str, email: str) -> SesContact | None:
        """One contact and its preferences; None when SES says the contact does not exist
        (a missing list raises `AwsNotFound`)."""
        try:
            answer = self._call(
                "sesv2",
                "ses:GetContact",
                lambda c: c.get_contact(ContactListName=list_name, EmailAddress=email),
            )
        except AwsNotFound as error:
            if _list_missing(error):
                raise
            return None
        return _contact(answer)

    def contacts(
        self,
        list_name: str,
        *,
        opted_out_of: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start_token: str | None = None,
    ) -> Iterator[ContactPage]:
        """The list's contacts, one `ContactPage` per ListContacts call. With `opted_out_of`
        only those SES counts as opted out of that topic (their own OPT_OUT, UnsubscribeAll,
        or the topic's OPT_OUT default when they have no preference). A failure (e.g.
        `Throttled`) ends the iteration by raising; resume with the last page's `next_token`
        as `start_token`."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}")
        base: dict[str, Any] = {"ContactListName": list_name, "PageSize": page_size}
        if opted_out_of is not None:
            base["Filter"] = {
                "FilteredStatus": OPT_OUT,
                "TopicFilter": {
                    "TopicName": opted_out_of,
                    "UseDefaultIfPreferenceUnavailable": True,
                },
            }
        token = start_token
        while True:
            kwargs = dict(base)
            if token:
                kwargs["NextToken"] = token
            answer = self._call(
                "sesv2", "ses:ListContacts", functools.partial(_list_contacts, kwargs)
            )
            token = answer.get("NextToken") or None
            yield ContactPage((_contact(i) for i in answer.get("Contacts") or []), token)
            if token is None:
                return
