"""A Subscription event (someone used SES's unsubscribe link or page) → the contacts with that
address in the list of that topic become unsubscribed (source `ses`, the event's time);
UnsubscribeAll → in every list of the team. Runs inside the feedback intake's transaction,
after its de-duplication, so a repeated event changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sesdesk.models import ContactList, utcnow
from sesdesk.services.lists.unsubscribes import topics_of, unsubscribe_in_session


@dataclass(frozen=True)
class SubscriptionChange:
    """What a Subscription event says the person now wants."""

    contact_list: str | None
    unsubscribe_all: bool
    opted_out: tuple[str, ...]  # topics now OPT_OUT


def _is_out(status: object) -> bool:
    return str(status or "").replace("_", "").upper() == "OPTOUT"


def read_subscription(section: Any) -> SubscriptionChange | None:
    """The `subscription` section of an SES event, or None when it has none (pure)."""
    if not isinstance(section, dict):
        return None
    new = section.get("newTopicPreferences") or {}
    if not isinstance(new, dict):
        new = {}
    statuses = new.get("topicSubscriptionStatus") or []
    opted_out = tuple(
        str(item.get("topicName"))
        for item in statuses
        if isinstance(item, dict)
        and item.get("topicName")
        and _is_out(item.get("subscriptionStatus"))
    )
    return SubscriptionChange(
        contact_list=str(section.get("contactList") or "") or None,
        unsubscribe_all=bool(new.get("unsubscribeAll")),
        opted_out=opted_out,
    )


def apply_subscription(
    session: Any,
    team_id: int,
    change: SubscriptionChange,
    emails: list[str],
    when: datetime | None,
) -> int:
    """Unsubscribe these addresses where the event says; returns how many contacts changed."""
    at = when or utcnow()
    if change.unsubscribe_all:
        list_ids = list(
            session.scalars(select(ContactList.id).where(ContactList.team_id == team_id))
        )
    else:
        topics = topics_of(session, team_id)
        list_ids = [topics[t] for t in change.opted_out if t in topics]
    if not list_ids or not emails:
        return 0
    return unsubscribe_in_session(session, list_ids, sorted({e.lower() for e in emails}), at)
