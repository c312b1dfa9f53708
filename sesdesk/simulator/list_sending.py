"""SES subscription management on the simulator's sends, and the "unsubscribe this address"
control that stands in for a click on SES's hosted unsubscribe page.

A SESv2 SendEmail with ListManagementOptions {ContactListName, TopicName}: the list must exist
(else NotFoundException, as for every call naming a missing list) and so must the topic (else
BadRequestException: SES refuses a topic the list does not have as bad input, as it does in
CreateContact's preferences). SES then adds `List-Unsubscribe: <https://…>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (replacing the caller's own), fills in
`{{amazonSESUnsubscribeUrl}}` in the text and HTML bodies, creates a contact for a recipient
not on the list yet, and does not deliver to a contact who opted out of the topic or of
everything: the send is accepted and counted, and SES publishes a Bounce event for that
recipient instead of a Delivery.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from sesdesk.simulator.contact_lists import ContactList, ListsError, lists_of
from sesdesk.simulator.state import SimulatorState

PLACEHOLDER = "{{amazonSESUnsubscribeUrl}}"
ONE_CLICK = ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
# What SES's hosted page reports as the source of an unsubscribe made through the header link.
SOURCE = "UnsubscribeFromHeader"
_STATUS_WORDS = {"OPT_IN": "OptIn", "OPT_OUT": "OptOut"}


def _address(recipient: str) -> str:
    return parseaddr(recipient)[1] or recipient


@dataclass(frozen=True)
class ListedSend:
    """What SES's list management makes of one send before it is accepted."""

    contact_list: str
    topic: str | None
    opted_out: frozenset[str]  # recipients (as given) who will not be delivered to
    headers: tuple[tuple[str, str], ...]
    text_body: str | None
    html_body: str | None

    def record(self) -> dict[str, Any]:
        """The SentMessage fields of this send."""
        return {
            "unsubscribed": tuple(sorted(self.opted_out)),
            "headers": self.headers,
            "text_body": self.text_body,
            "html_body": self.html_body,
        }


def _error(code: str, message: str) -> Exception:
    from sesdesk.simulator.patches.base import service_error

    return service_error(code, message)


def _opted_out(contact_list: ContactList, address: str, topic: str | None) -> bool:
    contact = contact_list.contacts.get(address.lower())
    if contact is None:
        return False  # SES creates the contact with no preferences: the default applies
    if contact.unsubscribe_all:
        return True
    if topic is None:
        return False
    return contact.status_for(topic, contact_list.default_status(topic)) == "OPT_OUT"


def prepare(
    state: SimulatorState,
    account_id: str,
    region: str,
    params: dict[str, Any],
    recipients: list[str],
) -> ListedSend | None:
    """Check a send's ListManagementOptions and work out what SES does to it (None: none)."""
    options = params.get("ListManagementOptions")
    if not options:
        return None
    name = str(options.get("ContactListName") or "")
    topic = options.get("TopicName")
    topic = None if topic in (None, "") else str(topic)
    sim = lists_of(state)
    with sim.lock:
        try:
            contact_list = sim.get(account_id, region, name)
        except ListsError as exc:
            raise _error(exc.code, exc.message) from None
        if topic is not None and topic not in contact_list.topics:
            raise _error("BadRequestException", f"List: {name} doesn't contain Topic: {topic}")
        opted_out = frozenset(r for r in recipients if _opted_out(contact_list, _address(r), topic))
    simple = (params.get("Content") or {}).get("Simple") or {}
    body = simple.get("Body") or {}
    text = (body.get("Text") or {}).get("Data")
    html = (body.get("Html") or {}).get("Data")
    headers = [
        (str(h.get("Name")), str(h.get("Value")))
        for h in simple.get("Headers") or []
        if str(h.get("Name", "")).lower() not in ("list-unsubscribe", "list-unsubscribe-post")
    ]
    if len(recipients) == 1:
        # The link is the recipient's own: SES manages subscriptions of one-recipient sends.
        url = sim.unsubscribe_url(account_id, region, name, topic, _address(recipients[0]))
        headers += [("List-Unsubscribe", f"<{url}>"), ONE_CLICK]
        text = None if text is None else str(text).replace(PLACEHOLDER, url)
        html = None if html is None else str(html).replace(PLACEHOLDER, url)
    return ListedSend(name, topic, opted_out, tuple(headers), text, html)


def accepted(
    state: SimulatorState,
    account_id: str,
    region: str,
    params: dict[str, Any],
    message_id: str,
    recipients: list[str],
    source: str,
) -> None:
    """After SES accepted a SESv2 send: remember it as each recipient's last message (for the
    unsubscribe control's event) and add list-managed recipients missing from the list."""
    options = params.get("ListManagementOptions") or {}
    topic = options.get("TopicName") or None
    tags = tuple((str(t.get("Name")), str(t.get("Value"))) for t in params.get("EmailTags") or [])
    kept = (
        params.get("ConfigurationSetName"),
        message_id,
        source,
        tuple(recipients),
        tags,
        options.get("ContactListName"),
        topic,
    )
    sim = lists_of(state)
    with sim.lock:
        for recipient in recipients:
            sim.last_message[(account_id, region, _address(recipient).lower())] = kept
        if options:
            found = sim.lists(account_id, region).get(str(options.get("ContactListName")))
            if found is not None:
                for recipient in recipients:
                    sim.ensure_contact(found, _address(recipient))


def _preferences_view(
    contact_list: ContactList, preferences: dict[str, str], everything: bool
) -> dict[str, Any]:
    return {
        "unsubscribeAll": everything,
        "topicSubscriptionStatus": [
            {"topicName": t, "subscriptionStatus": _STATUS_WORDS[s]} for t, s in preferences.items()
        ],
        "topicDefaultSubscriptionStatus": [
            {"topicName": t, "subscriptionStatus": _STATUS_WORDS[d["DefaultSubscriptionStatus"]]}
            for t, d in contact_list.topics.items()
            if t not in preferences
        ],
    }


def unsubscribe(
    state: SimulatorState,
    account_id: str,
    region: str,
    email: str,
    topic: str | None = None,
    everything: bool = False,
) -> dict[str, Any]:
    """Opt `email` out as SES's hosted page does and publish SES's Subscription event.

    `topic` opts out of that topic, `everything` out of the whole list; with neither, the
    topic of the last list-managed message to the address (the link that was clicked), or
    the whole list when that message had no topic. The contact is created when absent. The
    event goes through the SUBSCRIPTION event destinations of the configuration set of the
    last message sent to the address (none: nothing is published, as in SES).
    """
    from sesdesk.simulator import events

    address = email.strip()
    if not address or "@" not in address:
        raise ValueError(f"email: not an address: {email!r}")
    sim = lists_of(state)
    with sim.lock:
        lists = list(sim.lists(account_id, region).values())
        if not lists:
            raise ValueError(f"no contact list in {region} of account {account_id}")
        contact_list = lists[0]
        last = sim.last_message.get((account_id, region, address.lower()))
        if topic is None and not everything:
            clicked = last[6] if last is not None and last[5] == contact_list.name else None
            topic, everything = (clicked, False) if clicked else (None, True)
        if topic is not None and topic not in contact_list.topics:
            raise ValueError(f"topic: the list {contact_list.name} has no topic {topic!r}")
        contact = sim.ensure_contact(contact_list, address)
        old = _preferences_view(contact_list, dict(contact.preferences), contact.unsubscribe_all)
        if everything:
            contact.unsubscribe_all = True
        else:
            assert topic is not None
            contact.preferences[topic] = "OPT_OUT"
        contact.updated = time.time()
        new = _preferences_view(contact_list, dict(contact.preferences), contact.unsubscribe_all)
    published = 0
    configuration_set = None if last is None else last[0]
    if last is not None and configuration_set:
        _, message_id, source, recipients, tags, _, _ = last
        params = {
            "ConfigurationSetName": configuration_set,
            "EmailTags": [{"Name": n, "Value": v} for n, v in tags],
        }
        mail = events.mail_object(account_id, region, params, message_id, list(recipients), source)
        event = {
            "eventType": "Subscription",
            "mail": mail,
            "subscription": {
                "contactList": contact_list.name,
                "timestamp": events._now(),
                "source": SOURCE,
                "newTopicPreferences": new,
                "oldTopicPreferences": old,
            },
        }
        for destination in events.destinations_for(
            state, account_id, region, str(configuration_set)
        ):
            if "SUBSCRIPTION" in (destination.get("MatchingEventTypes") or []):
                topic_arn = str(destination["SnsDestination"]["TopicArn"])
                events.publish(state, account_id, region, topic_arn, json.dumps(event))
                published += 1
    return {
        "unsubscribed": True,
        "email": address,
        "contact_list": contact_list.name,
        "topic": None if everything else topic,
        "all": everything,
        "published": published,
    }


def unsubscribe_url(state: SimulatorState, url: str) -> dict[str, Any]:
    """The one-click POST to a List-Unsubscribe URL the simulator handed out."""
    token = url.strip().strip("<>").rstrip("/").rpartition("/")[2]
    sim = lists_of(state)
    with sim.lock:
        where = sim.tokens.get(token)
    if where is None:
        raise ValueError(f"url: not an unsubscribe URL of this simulator: {url!r}")
    account_id, region, _name, topic, address = where
    return unsubscribe(state, account_id, region, address, topic, everything=topic is None)
