"""Unsubscribes that come back from SES — pulled each poll (ListContacts filtered OPT_OUT per
sesdesk topic, paged) and from Subscription events — become the local contact's unsubscribe
with SES's time and source `ses`.

An unsubscribe is per list (per topic), not a suppression: the person asked to stop *this*
list's mail, and may still want a receipt or another list they chose. UnsubscribeAll
unsubscribes them from every list of the team, still without suppressing the address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from sesdesk.aws.lists import ListsFacade
from sesdesk.models import Contact, ContactList, SesContactList, Store, utcnow
from sesdesk.models.sending import SES_IN, SES_OUT, SOURCE_SES, SUBSCRIBED, UNSUBSCRIBED
from sesdesk.services.lists.pace import Pace

log = logging.getLogger(__name__)

_CHUNK = 500


@dataclass
class PullResult:
    """What one pull found: contacts SES lists as opted out, and how many became so here."""

    looked_at: int = 0
    unsubscribed: int = 0
    pages: int = 0
    calls: int = 0


def unsubscribe_in_session(
    session: Any,
    list_ids: list[int],
    emails: list[str],
    when: datetime | dict[str, datetime],
) -> int:
    """Mark subscribed contacts with these (lower-case) addresses in these lists unsubscribed
    by SES; returns how many changed. A contact subscribed again by hand whose re-subscribe
    SES has not heard of yet (`ses_state` out) is left for the sync to push."""
    changed = 0
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start : start + _CHUNK]
        rows = session.execute(
            select(Contact.id, Contact.email_lower).where(
                Contact.list_id.in_(list_ids),
                Contact.email_lower.in_(chunk),
                Contact.status == SUBSCRIBED,
                or_(Contact.ses_state.is_(None), Contact.ses_state == SES_IN),
            )
        ).all()
        for contact_id, email in rows:
            at = when.get(email, utcnow()) if isinstance(when, dict) else when
            session.execute(
                update(Contact)
                .where(Contact.id == contact_id)
                .values(
                    status=UNSUBSCRIBED,
                    unsubscribed_at=at,
                    unsubscribe_source=SOURCE_SES,
                    ses_state=SES_OUT,
                )
            )
            changed += 1
    return changed


def topics_of(session: Any, team_id: int) -> dict[str, int]:
    """The team's lists that have an SES topic: {topic: list id}."""
    return {
        topic: list_id
        for list_id, topic in session.execute(
            select(ContactList.id, ContactList.ses_topic).where(
                ContactList.team_id == team_id, ContactList.ses_topic.is_not(None)
            )
        )
    }


def pull_unsubscribes(
    store: Store, team_id: int, facade: ListsFacade, *, pace: Pace | None = None
) -> PullResult:
    """Read SES's opted-out contacts of every sesdesk topic and unsubscribe them here."""
    pace = pace or Pace()
    calls_before = pace.calls
    result = PullResult()
    with store.session() as session:
        stored = session.get(SesContactList, team_id)
        topics = topics_of(session, team_id)
        all_lists = list(
            session.scalars(select(ContactList.id).where(ContactList.team_id == team_id))
        )
    if stored is None or not topics:
        return result
    for topic, list_id in topics.items():
        _pull_topic(store, facade, pace, stored.name, topic, list_id, all_lists, result)
    with store.session() as session:
        row = session.get(SesContactList, team_id)
        if row is not None:
            row.pulled_at = utcnow()
    result.calls = pace.calls - calls_before
    return result


def _pull_topic(
    store: Store,
    facade: ListsFacade,
    pace: Pace,
    contact_list: str,
    topic: str,
    list_id: int,
    all_lists: list[int],
    result: PullResult,
) -> None:
    token: str | None = None
    while True:
        # One ListContacts call per page; after a throttle the same page is asked again.
        page = pace.call(
            lambda: next(facade.contacts(contact_list, opted_out_of=topic, start_token=token))  # noqa: B023
        )
        token = page.next_token
        result.pages += 1
        result.looked_at += len(page)
        topic_out: dict[str, datetime] = {}
        everywhere: dict[str, datetime] = {}
        for contact in page:
            when = contact.updated_at or utcnow()
            target = everywhere if contact.unsubscribe_all else topic_out
            target[contact.email.strip().lower()] = when
        with store.session() as session:
            if topic_out:
                result.unsubscribed += unsubscribe_in_session(
                    session, [list_id], sorted(topic_out), topic_out
                )
            if everywhere:
                result.unsubscribed += unsubscribe_in_session(
                    session, all_lists, sorted(everywhere), everywhere
                )
        if token is None:
            return
