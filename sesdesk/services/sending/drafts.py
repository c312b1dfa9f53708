"""Creating broadcasts, test campaigns and test emails (drafts; nothing is sent here)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, func, insert, literal, select

from sesdesk.errors import BadInput, NotFound
from sesdesk.models import Store, UTCDateTime, utcnow
from sesdesk.models.sending import (
    DRAFT,
    KIND_BROADCAST,
    KIND_TEST_CAMPAIGN,
    KIND_TEST_EMAIL,
    PENDING,
    SUBSCRIBED,
    Broadcast,
    Contact,
    ContactList,
    Recipient,
)
from sesdesk.services import contacts as contacts_service
from sesdesk.services.gating import decide
from sesdesk.services.sending.composition import (
    Composition,
    composition_columns,
    validate_composition,
)
from sesdesk.services.sending.eligibility import VerifiedSet, checked_snapshot, refuse_unverified
from sesdesk.services.sending.queries import BroadcastStatus, status_of

_RECIPIENTS = cast(Table, Recipient.__table__)


def create_broadcast(
    store: Store,
    team_id: int,
    *,
    list_name: str,
    composition: Composition,
    kind: str = KIND_BROADCAST,
) -> BroadcastStatus:
    """A draft broadcast (or test campaign) to the list's subscribed contacts.

    Checks the message and the from-address now; whether it may be *sent* is decided when it
    is sent (the mailer's state may change meanwhile).
    """
    if kind not in (KIND_BROADCAST, KIND_TEST_CAMPAIGN):
        raise BadInput("kind", "a list is sent as a broadcast or a test campaign")
    cleaned = validate_composition(composition)
    checked_snapshot(store, team_id, cleaned.from_address)
    with store.session() as session:
        lst = session.scalar(
            select(ContactList).where(
                ContactList.team_id == team_id,
                func.lower(ContactList.name) == " ".join(list_name.split()).lower(),
            )
        )
        if lst is None:
            raise NotFound("list", f"no contact list called {list_name!r} in this team")
        subscribed = session.scalar(
            select(func.count()).where(Contact.list_id == lst.id, Contact.status == SUBSCRIBED)
        )
        if not subscribed:
            raise BadInput("list", f"the list {lst.name!r} has no subscribed contacts")
        row = new_broadcast(team_id, kind, cleaned, list_id=lst.id)
        session.add(row)
        session.flush()
        now = utcnow()
        # Copy the recipients now: later edits of the list do not change a broadcast.
        session.execute(
            insert(_RECIPIENTS).from_select(
                ["broadcast_id", "email", "name", "state", "attempts", "updated_at"],
                select(
                    literal(row.id),
                    Contact.email,
                    Contact.name,
                    literal(PENDING),
                    literal(0),
                    literal(now, UTCDateTime()),
                )
                .where(Contact.list_id == lst.id, Contact.status == SUBSCRIBED)
                .order_by(Contact.id),
            )
        )
        return status_of(session, row)


def new_broadcast(
    team_id: int, kind: str, composition: Composition, *, list_id: int | None
) -> Broadcast:
    """A draft row for `composition` (not added to a session)."""
    return Broadcast(
        team_id=team_id, kind=kind, list_id=list_id, state=DRAFT, **composition_columns(composition)
    )


def create_test_email(
    store: Store, team_id: int, *, to: str, composition: Composition, name: str | None = None
) -> BroadcastStatus:
    """A draft test email to one address, checked against gating *before* any AWS call."""
    cleaned = validate_composition(composition)
    address = contacts_service.clean_email(to, field_name="to")
    snapshot = checked_snapshot(store, team_id, cleaned.from_address)
    decision = decide(snapshot).test_email
    # The store says sandbox and the recipient is unverified: refuse without calling AWS.
    # Everything else is decided on live state just before sending.
    if decision.allowed and decision.verified_recipients_only:
        refuse_unverified(VerifiedSet.of(snapshot), [address])
    with store.session() as session:
        row = new_broadcast(team_id, KIND_TEST_EMAIL, cleaned, list_id=None)
        session.add(row)
        session.flush()
        session.add(Recipient(broadcast_id=row.id, email=address, name=name, state=PENDING))
        session.flush()
        return status_of(session, row)
