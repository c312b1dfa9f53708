"""The account's one SES contact list and a topic per sesdesk contact list: adopted or
created, never another tool's topics changed, never a list sesdesk did not create deleted;
and whether sends from an address can carry SES list management at all."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select, update

from sesdesk.aws.lists import ContactListLimit, ListsFacade, SesContactList, SesTopic
from sesdesk.errors import NotAllowed, NotFound
from sesdesk.models import (
    AccountStatus,
    Contact,
    ContactList,
    Mailer,
    SenderIdentity,
    Store,
    utcnow,
)
from sesdesk.models.identity import KIND_DOMAIN, SUCCESS
from sesdesk.models.sending import SesContactList as StoredList
from sesdesk.services.lists.names import (
    MAX_TOPICS,
    SES_LIST_NAME,
    display_name,
    topic_name,
    topics_full_message,
)

log = logging.getLogger(__name__)

TRANSACTIONAL = "TRANSACTIONAL"


class TopicsFull(NotAllowed):
    """The account's SES contact list already has the 20 topics SES allows (exit 3)."""


@dataclass(frozen=True)
class ListTopic:
    """Where one sesdesk contact list lives in SES: (contact list, topic)."""

    contact_list: str
    topic: str

    def as_options(self) -> tuple[str, str]:
        """The pair a send's ListManagementOptions names."""
        return (self.contact_list, self.topic)


def _from_domain(from_address: str) -> str:
    address = parseaddr(from_address)[1] or from_address
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def list_management_problem(
    store: Store, team_id: int, from_address: str, list_id: int | None = None
) -> str | None:
    """None when sends from this address can carry SES list management (one-click
    unsubscribe); otherwise why not, in plain words. Reads the store only.

    SES list management needs Easy DKIM on the From domain: a verified domain identity with
    DKIM verified (an email-address identity alone does not sign with DKIM). With `list_id`,
    also whether that list has a topic or room for one.
    """
    domain = _from_domain(from_address)
    with store.session() as session:
        if session.scalar(select(Mailer.id).where(Mailer.team_id == team_id)) is None:
            return "this team has no mailer connected to SES"
        domains = session.execute(
            select(SenderIdentity.name, SenderIdentity.status, SenderIdentity.dkim_status).where(
                SenderIdentity.team_id == team_id,
                SenderIdentity.kind == KIND_DOMAIN,
                SenderIdentity.removed_at.is_(None),
            )
        ).all()
        stored = session.get(StoredList, team_id)
        has_topic = (
            session.scalar(select(ContactList.ses_topic).where(ContactList.id == list_id))
            if list_id is not None
            else None
        )
    covering = [
        row for row in domains if domain == row[0].lower() or domain.endswith("." + row[0].lower())
    ]
    if not covering:
        return (
            f"{domain or 'the From domain'} is not a domain identity in SES, so SES cannot sign "
            "with Easy DKIM (an email-address identity alone does not give it); one-click "
            "unsubscribe needs it: add the domain and publish its DKIM records"
        )
    if not any(row[1] == SUCCESS and row[2] == SUCCESS for row in covering):
        status = covering[0][2] or "not started"
        return (
            f"{domain} has no verified Easy DKIM in SES (DKIM is {status.lower()}); one-click "
            "unsubscribe needs it: publish the domain's DKIM records and wait for SES to see them"
        )
    if list_id is not None and not has_topic and stored is not None and stored.topics >= MAX_TOPICS:
        return topics_full_message(stored.name, stored.topics)
    return None


def is_marketing(store: Store, team_id: int, kind: str) -> bool:
    """A broadcast is marketing mail unless the account told AWS its mail is transactional."""
    from sesdesk.models.sending import KIND_BROADCAST

    if kind != KIND_BROADCAST:
        return False
    with store.session() as session:
        mail_type = session.scalar(
            select(AccountStatus.mail_type).where(AccountStatus.team_id == team_id)
        )
    return (mail_type or "").upper() != TRANSACTIONAL


def _record(store: Store, team_id: int, found: SesContactList, created: bool) -> None:
    with store.session() as session:
        mailer = session.scalar(select(Mailer).where(Mailer.team_id == team_id))
        row = session.get(StoredList, team_id)
        if row is None:
            row = StoredList(
                team_id=team_id,
                account_id=mailer.account_id if mailer else "",
                region=mailer.region if mailer else "",
                name=found.name,
                created=created,
                topics=len(found.topics),
            )
            session.add(row)
        elif row.name != found.name or (row.account_id, row.region) != (
            (mailer.account_id, mailer.region) if mailer else (row.account_id, row.region)
        ):
            # Another list now (the old one was deleted, or another account or region):
            # sesdesk made this one only if it did.
            row.name, row.created = found.name, created
            if mailer is not None:
                row.account_id, row.region = mailer.account_id, mailer.region
        row.topics = len(found.topics)
        row.problem = None
        row.checked_at = utcnow()


def _record_problem(store: Store, team_id: int, problem: str, topics: int | None) -> None:
    with store.session() as session:
        row = session.get(StoredList, team_id)
        if row is not None:
            row.problem = problem
            if topics is not None:
                row.topics = topics
            row.checked_at = utcnow()


def ensure_contact_list(store: Store, team_id: int, facade: ListsFacade) -> SesContactList:
    """The account's SES contact list: the one already there (whoever made it), else a new
    one named `sesdesk`. SES allows one per account and region."""
    existing = facade.contact_lists()
    if existing:
        with store.session() as session:
            row = session.get(StoredList, team_id)
            mailer = session.scalar(select(Mailer).where(Mailer.team_id == team_id))
            same_place = (
                row is not None
                and mailer is not None
                and (row.account_id, row.region) == (mailer.account_id, mailer.region)
            )
            remembered = row.name if row is not None and same_place else None
            made_it = bool(row is not None and same_place and row.created)
        chosen = next((c for c in existing if c.name == remembered), existing[0])
        created = made_it and chosen.name == remembered
        _record(store, team_id, chosen, created)
        return chosen
    try:
        facade.create_contact_list(SES_LIST_NAME, [], description="Made by sesdesk")
    except ContactListLimit:
        # Another tool (or desktop) made one meanwhile: adopt it.
        existing = facade.contact_lists()
        if not existing:
            raise
        _record(store, team_id, existing[0], False)
        return existing[0]
    made = facade.get_contact_list(SES_LIST_NAME) or SesContactList(SES_LIST_NAME, ())
    _record(store, team_id, made, True)
    return made


def ensure_topic(store: Store, team_id: int, list_id: int, facade: ListsFacade) -> ListTopic:
    """The SES topic of one sesdesk contact list, added to the account's contact list when
    missing (with every topic already there kept as it is). A topic made anew means SES knows
    none of the list's contacts yet: they are all synced again."""
    with store.session() as session:
        lst = session.get(ContactList, list_id)
        if lst is None or lst.team_id != team_id:
            raise NotFound("list", f"no contact list with id {list_id} in this team")
        wanted = lst.ses_topic or topic_name(lst.id, lst.name)
        shown = display_name(lst.name)
    ses_list = ensure_contact_list(store, team_id, facade)
    present = {t.name: t for t in ses_list.topics}
    if wanted in present and present[wanted].display_name == shown:
        _remember_topic(store, list_id, wanted, fresh=False)
        return ListTopic(ses_list.name, wanted)
    topics = [t for t in ses_list.topics if t.name != wanted]
    if wanted not in present and len(topics) >= MAX_TOPICS:
        message = topics_full_message(ses_list.name, len(topics))
        _record_problem(store, team_id, message, len(topics))
        raise TopicsFull(
            message, hint="Or send this list without one-click unsubscribe (not for marketing)."
        )
    topic = SesTopic(
        name=wanted,
        display_name=shown,
        default_status="OPT_IN",
        description=f"sesdesk contact list {shown}"[:200],
    )
    try:
        facade.put_topics(ses_list.name, [*topics, topic], description=ses_list.description)
    except ContactListLimit as exc:
        _record_problem(store, team_id, exc.message, len(topics))
        raise TopicsFull(exc.message) from None
    with store.session() as session:
        row = session.get(StoredList, team_id)
        if row is not None:
            row.topics = len(topics) + 1
    _remember_topic(store, list_id, wanted, fresh=wanted not in present)
    return ListTopic(ses_list.name, wanted)


def _remember_topic(store: Store, list_id: int, topic: str, *, fresh: bool) -> None:
    with store.session() as session:
        lst = session.get(ContactList, list_id)
        if lst is None:
            return
        if lst.ses_topic != topic or fresh:
            lst.ses_topic = topic
            # SES has nothing of this topic yet: every contact must be told again.
            session.execute(
                update(Contact).where(Contact.list_id == list_id).values(ses_state=None)
            )


def lists_facade(factory: Any) -> ListsFacade:
    """The SES contact-list facade over a mailer's client factory."""
    return ListsFacade(factory)
