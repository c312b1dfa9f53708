"""The list-management part of a poll cycle: SES's unsubscribes pulled in, local unsubscribes
(and re-subscribes) of contacts SES already knows pushed out."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from sesdesk.aws.lists import ListsFacade
from sesdesk.models import ContactList, SesContactList, Store
from sesdesk.services.lists.account import ListTopic
from sesdesk.services.lists.sync import push_contacts
from sesdesk.services.lists.unsubscribes import pull_unsubscribes

log = logging.getLogger(__name__)


def poll_lists(store: Store, team_id: int, factory: Any) -> list[str]:
    """Pull and push for a team whose lists have SES topics; short notes of what changed.
    Raises classified AWS errors (the poll cycle records them)."""
    with store.session() as session:
        stored = session.get(SesContactList, team_id)
        lists = session.execute(
            select(ContactList.id, ContactList.ses_topic).where(
                ContactList.team_id == team_id, ContactList.ses_topic.is_not(None)
            )
        ).all()
    if stored is None or not lists:
        return []
    facade = ListsFacade(factory)
    notes: list[str] = []
    pulled = pull_unsubscribes(store, team_id, facade)
    if pulled.unsubscribed:
        notes.append(f"{pulled.unsubscribed} contact(s) unsubscribed through SES's link.")
    pushed = 0
    for list_id, topic in lists:
        progress = push_contacts(
            store, list_id, facade, ListTopic(stored.name, str(topic)), only_known=True, workers=1
        )
        pushed += progress.updated + progress.created
    if pushed:
        notes.append(f"{pushed} local unsubscribe change(s) sent to SES.")
    return notes
