"""Contacts, broadcasts and their per-recipient send state, the local suppression list and the
daily send counter behind the 14-day chart.

A recipient row is the unit that must never be lost: it goes pending → sending (committed
before the HTTP call) → sent | failed | suppressed, and a row found in `sending` after a
crash becomes `uncertain` — never re-sent without the user's say.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sesdesk.models.base import Base, utcnow
from sesdesk.models.states import STORED_BROADCAST_STATES, BroadcastState, RecipientState

SUBSCRIBED = "subscribed"
UNSUBSCRIBED = "unsubscribed"
CONTACT_STATUSES = (SUBSCRIBED, UNSUBSCRIBED)

KIND_TEST_EMAIL = "test_email"
KIND_TEST_CAMPAIGN = "test_campaign"
KIND_BROADCAST = "broadcast"
BROADCAST_KINDS = (KIND_TEST_EMAIL, KIND_TEST_CAMPAIGN, KIND_BROADCAST)

DRAFT = BroadcastState.DRAFT
SENDING = BroadcastState.SENDING
PAUSED = BroadcastState.PAUSED
WAITING_QUOTA = BroadcastState.WAITING_QUOTA
DONE = BroadcastState.DONE
STOPPED = BroadcastState.STOPPED
BROADCAST_STATES: tuple[str, ...] = STORED_BROADCAST_STATES
QUEUED = BroadcastState.QUEUED  # never stored

PENDING = RecipientState.PENDING
# SENDING is shared with the broadcast state above (both are "sending").
SENT = RecipientState.SENT
FAILED = RecipientState.FAILED
SUPPRESSED = RecipientState.SUPPRESSED
UNCERTAIN = RecipientState.UNCERTAIN
RECIPIENT_STATES: tuple[str, ...] = tuple(RecipientState)

SUPPRESSION_REASONS = ("bounce", "complaint", "manual", "unsubscribe")

# Who unsubscribed a contact: the user in sesdesk, or the person through SES's link.
SOURCE_LOCAL = "local"
SOURCE_SES = "ses"
# What SES was last told about a contact's topic (contact.ses_state); None: not yet told.
SES_IN = "in"
SES_OUT = "out"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class ContactList(Base):
    """A named list of contacts in a team; names are unique per team, ignoring case."""

    __tablename__ = "contact_list"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200, collation="NOCASE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The SES topic of this list in the account's contact list (None: none made yet). Chosen
    # once and kept: a rename changes only the topic's display name.
    ses_topic: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"ContactList(id={self.id!r}, team_id={self.team_id!r}, name={self.name!r})"


class Contact(Base):
    """One address in a list. `email_lower` makes the list's de-duplication case-insensitive."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("list_id", "email_lower"),
        CheckConstraint(_in("status", CONTACT_STATUSES), name="status"),
        # Per-status counts of a list read this index alone; pages of a list are ranges of
        # the second (big lists: see migration 0006).
        Index("ix_contact_list_id_status", "list_id", "status"),
        Index("ix_contact_list_id_id", "list_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("contact_list.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    email_lower: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=SUBSCRIBED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    unsubscribed_at: Mapped[datetime | None]
    unsubscribe_source: Mapped[str | None] = mapped_column(String(8))  # SOURCE_LOCAL | SOURCE_SES
    # SES_IN / SES_OUT as last pushed to (or read from) SES; a contact needs syncing when this
    # is None or disagrees with `status`, so a second sync of an unchanged list calls nothing.
    ses_state: Mapped[str | None] = mapped_column(String(3))

    def __repr__(self) -> str:
        return f"Contact(id={self.id!r}, list_id={self.list_id!r}, status={self.status!r})"


class Broadcast(Base):
    """A test email, test campaign or broadcast: what is sent, from whom, and how far it got."""

    __tablename__ = "broadcast"
    __table_args__ = (
        CheckConstraint(_in("kind", BROADCAST_KINDS), name="kind"),
        CheckConstraint(_in("state", BROADCAST_STATES), name="state"),
        Index("ix_broadcast_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # SET NULL: deleting a list keeps the broadcast's history (its recipients are copied).
    list_id: Mapped[int | None] = mapped_column(ForeignKey("contact_list.id", ondelete="SET NULL"))
    from_address: Mapped[str] = mapped_column(String(400))
    reply_to: Mapped[str | None] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    unsubscribe_mailto: Mapped[str | None] = mapped_column(String(800))
    # Why this broadcast goes without SES's one-click unsubscribe (None: it carries it, or
    # it has not started).
    list_management_note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return (
            f"Broadcast(id={self.id!r}, team_id={self.team_id!r}, kind={self.kind!r}, "
            f"state={self.state!r})"
        )


class Recipient(Base):
    """One recipient of one broadcast and where its send stands."""

    __tablename__ = "recipient"
    __table_args__ = (
        CheckConstraint(_in("state", RECIPIENT_STATES), name="state"),
        # The engine pages through pending rows in id order and counts rows per state; SQLite
        # appends the rowid to every index, so this one serves both.
        Index("ix_recipient_broadcast_id_state", "broadcast_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    message_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return (
            f"Recipient(id={self.id!r}, broadcast_id={self.broadcast_id!r}, state={self.state!r})"
        )


class Suppression(Base):
    """An address the team never sends to again: bounced, complained, unsubscribed, by hand."""

    __tablename__ = "suppression"
    __table_args__ = (
        UniqueConstraint("team_id", "email_lower"),
        CheckConstraint(_in("reason", SUPPRESSION_REASONS), name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    email_lower: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "local" (sesdesk or the user decided) or "ses" (read from SES's account-level list).
    source: Mapped[str] = mapped_column(String(8), default="local", server_default="local")
    detail: Mapped[str | None] = mapped_column(Text)  # e.g. the bounce's diagnostic code
    # When a local entry was written to SES's account-level list (None: not yet).
    synced_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Suppression(id={self.id!r}, team_id={self.team_id!r}, reason={self.reason!r})"


class SesContactList(Base):
    """The SES contact list a team's sends use: one per SES account and region. `created`
    says sesdesk made it; a list another tool made is adopted and never deleted."""

    __tablename__ = "ses_contact_list"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    created: Mapped[bool] = mapped_column(default=False)
    topics: Mapped[int] = mapped_column(Integer, default=0)  # topics in SES, all tools'
    problem: Mapped[str | None] = mapped_column(Text)  # why the last ensure failed, if it did
    checked_at: Mapped[datetime | None]
    pulled_at: Mapped[datetime | None]  # the last pull of SES's unsubscribes

    def __repr__(self) -> str:
        return f"SesContactList(team_id={self.team_id!r}, name={self.name!r})"


class SendDay(Base):
    """Recipients accepted and failed per team per UTC day: the dashboard's 14-day chart."""

    __tablename__ = "send_day"
    __table_args__ = (UniqueConstraint("team_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"SendDay(team_id={self.team_id!r}, day={self.day!r}, sent={self.sent!r})"


class Lease(Base):
    """Who may do one exclusive thing now (send a broadcast; send for an SES account), and
    until when: a crashed holder's lease simply expires.

    Written with plain conditional SQL (see `services/leases.py`) that works the same on
    SQLite and PostgreSQL, so desktops sharing one database respect each other's leases.
    """

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    broadcast_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Lease(name={self.name!r}, owner={self.owner!r}, expires_at={self.expires_at!r})"
