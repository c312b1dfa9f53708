"""The sending engine: test emails, test campaigns and broadcasts, throttled, gated, and never
losing a recipient.

Every recipient is a row: pending → sending → sent | failed | suppressed. A row is committed
as `sending` *before* its HTTP call and updated right after, so a crash leaves at most the
requests in flight in `sending`; the next start (or `status`) turns those into `uncertain`,
which are never re-sent without the user's say (`resend_uncertain`).

One thread (the caller of `BroadcastRunner.run`) is the only writer: it claims rows, hands
them to a pool of sender threads sized from rate × measured latency, and writes the results
back in small batches. Slots come from one evenly spaced token bucket per SES account
(`rate.shared_limiter`) at `MaxSendRate`, read live. Gating (`gating.decide`) is enforced here,
not only in the window.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import formataddr, parseaddr
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import (
    AuthError,
    AwsError,
    AwsNotFound,
    DailyQuotaExceeded,
    Rejected,
    SendingPaused,
    Throttled,
    Unreachable,
)
from sesdesk.aws.sending import MAX_MESSAGE_BYTES, NotSent, OutgoingEmail, SendingFacade
from sesdesk.aws.ses import SesFacade
from sesdesk.diskspace import Reserve, give_back_wal
from sesdesk.errors import (
    BadInput,
    DiskFull,
    NotAllowed,
    NotFound,
    SesdeskError,
)
from sesdesk.models import Store, UTCDateTime, utcnow
from sesdesk.models.sending import (
    DONE,
    DRAFT,
    FAILED,
    KIND_BROADCAST,
    KIND_TEST_CAMPAIGN,
    KIND_TEST_EMAIL,
    PAUSED,
    PENDING,
    QUEUED,
    SENDING,
    SENT,
    STOPPED,
    SUBSCRIBED,
    SUPPRESSED,
    UNCERTAIN,
    WAITING_QUOTA,
    Broadcast,
    Contact,
    ContactList,
    Recipient,
    SendDay,
    Suppression,
)
from sesdesk.services import contacts as contacts_service
from sesdesk.services import leases
from sesdesk.services.gating import decide
from sesdesk.services.mailers import mailer_row, mark_lost, open_mailer
from sesdesk.services.rate import (
    LatencyEstimate,
    RateLimiter,
    in_flight_needed,
    shared_limiter,
)
from sesdesk.services.state import TeamSnapshot, load_snapshot
from sesdesk.timing import punctual

log = logging.getLogger(__name__)

_RECIPIENTS = cast(Table, Recipient.__table__)
_SEND_DAYS = cast(Table, SendDay.__table__)

MAILBOX_SIMULATOR_DOMAIN = "simulator.amazonses.com"
MAX_SUBJECT = 998  # RFC 5322 line length: SES refuses longer header lines
# Claim rows this far ahead of their slot (the `sending` commit must land before the call);
# more when commits are slow, up to MAX_LOOKAHEAD.
LOOKAHEAD = 0.1
MAX_LOOKAHEAD = 1.0
TICK = 0.02
ACCOUNT_REFRESH_EVERY = 60.0
QUOTA_POLL_EVERY = 60.0
MAX_UNREACHABLE_STREAK = 5
MAX_THROTTLE_STREAK = 50
_PAGE = 1000
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*(?:\|([^}]*))?\}\}")
_PLACEHOLDER_NAMES = ("name", "email")


# --------------------------------------------------------------------------- composition


@dataclass(frozen=True)
class Composition:
    """What a message says and who it is from; bodies may use {{name}} and {{email}}."""

    from_address: str
    subject: str
    text_body: str | None = None
    html_body: str | None = None
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None


def personalise(template: str, *, email: str, name: str | None, for_html: bool = False) -> str:
    """Fill {{name}} / {{email}} (and {{name|fallback}}) for one recipient."""

    def fill(match: re.Match[str]) -> str:
        key, fallback = match.group(1).lower(), match.group(2)
        value = email if key == "email" else (name or "")
        if not value and fallback is not None:
            value = fallback.strip()
        return html.escape(value) if for_html else value

    return _PLACEHOLDER.sub(fill, template)


def _check_placeholders(field_name: str, text: str | None) -> None:
    for match in _PLACEHOLDER.finditer(text or ""):
        if match.group(1).lower() not in _PLACEHOLDER_NAMES:
            raise BadInput(
                field_name,
                f"unknown placeholder {match.group(0)}: use {{{{name}}}} or {{{{email}}}}",
            )


def unsubscribe_header(mailto: str) -> str:
    """The List-Unsubscribe header value for a mailto the user set."""
    return f"<{mailto}>"


def clean_unsubscribe(value: str | None, from_address: str) -> str:
    """A mailto: URL from an address or a mailto URL; the from-address when none is given."""
    raw = (value or "").strip()
    if not raw:
        return f"mailto:{from_address}?subject=unsubscribe"
    body = raw[7:] if raw.lower().startswith("mailto:") else raw
    address, _, query = body.partition("?")
    address = contacts_service.clean_email(address, field_name="unsubscribe")
    if any(c in query for c in "<> \r\n"):
        raise BadInput("unsubscribe", "the mailto query may not contain spaces, < or >")
    return f"mailto:{address}?{query or 'subject=unsubscribe'}"


def estimated_size(composition: Composition) -> int:
    """A generous estimate of the encoded message size in bytes (base64 grows text by 4/3)."""
    raw = sum(
        len(part.encode("utf-8"))
        for part in (composition.subject, composition.text_body, composition.html_body)
        if part
    )
    return math.ceil(raw * 4 / 3) + 4096


def validate_composition(composition: Composition) -> Composition:
    """The composition cleaned, or BadInput naming the field and the problem."""
    subject = (composition.subject or "").strip()
    if not subject:
        raise BadInput("subject", "the subject is empty")
    if "\n" in subject or "\r" in subject:
        raise BadInput("subject", "the subject must be one line")
    if len(subject) > MAX_SUBJECT:
        raise BadInput("subject", f"at most {MAX_SUBJECT} characters (got {len(subject)})")
    text_body = composition.text_body if (composition.text_body or "").strip() else None
    html_body = composition.html_body if (composition.html_body or "").strip() else None
    if text_body is None and html_body is None:
        raise BadInput("body", "the message is empty: give a text body, an HTML body or both")
    for name, value in (("subject", subject), ("text", text_body), ("html", html_body)):
        _check_placeholders(name, value)
    display, address = parseaddr(composition.from_address or "")
    if not address:
        raise BadInput("from", "give the address to send from")
    address = contacts_service.clean_email(address, field_name="from")
    from_address = formataddr((display, address)) if display else address
    reply_to = None
    if composition.reply_to and composition.reply_to.strip():
        reply_to = contacts_service.clean_email(
            parseaddr(composition.reply_to)[1] or composition.reply_to, field_name="reply-to"
        )
    cleaned = Composition(
        from_address=from_address,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        reply_to=reply_to,
        unsubscribe_mailto=clean_unsubscribe(composition.unsubscribe_mailto, address),
    )
    size = estimated_size(cleaned)
    if size > MAX_MESSAGE_BYTES:
        raise BadInput(
            "body",
            f"the message is too big for SES: about {size / 1_048_576:.1f} MB encoded, "
            f"the limit is {MAX_MESSAGE_BYTES / 1_048_576:.0f} MB",
        )
    return cleaned


def build_email(composition: Composition, email: str, name: str | None) -> OutgoingEmail:
    """The personalised message for one recipient, with List-Unsubscribe."""
    address = contacts_service.sendable_address(email)  # UnsendableAddress: this one fails
    to = formataddr((name, address)) if name else address
    headers: tuple[tuple[str, str], ...] = ()
    if composition.unsubscribe_mailto:
        headers = (("List-Unsubscribe", unsubscribe_header(composition.unsubscribe_mailto)),)
    return OutgoingEmail(
        from_address=composition.from_address,
        to_address=to,
        subject=personalise(composition.subject, email=email, name=name),
        text_body=personalise(composition.text_body, email=email, name=name)
        if composition.text_body
        else None,
        html_body=personalise(composition.html_body, email=email, name=name, for_html=True)
        if composition.html_body
        else None,
        reply_to=(composition.reply_to,) if composition.reply_to else (),
        headers=headers,
    )


# --------------------------------------------------------------------------- who may receive


@dataclass(frozen=True)
class VerifiedSet:
    """The team's verified identities: who the sandbox lets us send to."""

    emails: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def of(cls, snapshot: TeamSnapshot) -> VerifiedSet:
        """Verified (SUCCESS) identities of the team, from the stored snapshot."""
        ok = [i for i in snapshot.identities if i.status == "SUCCESS"]
        return cls(
            emails=frozenset(i.name.lower() for i in ok if i.kind == "email"),
            domains=frozenset(i.name.lower() for i in ok if i.kind == "domain"),
        )

    def allows(self, address: str) -> bool:
        """True when the sandbox accepts `address` as a recipient."""
        lowered = address.strip().lower()
        domain = lowered.rpartition("@")[2]
        return (
            lowered in self.emails or domain in self.domains or domain == MAILBOX_SIMULATOR_DOMAIN
        )


def checked_snapshot(store: Store, team_id: int, from_address: str) -> TeamSnapshot:
    """The team's snapshot once `from_address` passes `check_from_identity`.

    A stored "not verified" may be stale (AWS verified the identity after the last poll), so
    before refusing, the state is read from AWS once. If that read fails, the stored answer
    stands.
    """
    snapshot = load_snapshot(store, team_id)
    try:
        check_from_identity(snapshot, from_address)
        return snapshot
    except NotAllowed:
        if snapshot.mailer is None or snapshot.mailer.access == "lost":
            raise
        from sesdesk.services.refresh import refresh_team

        try:
            refresh_team(store, team_id)
        except SesdeskError as exc:
            log.info("could not re-check the sender with AWS: %s", exc.message)
        snapshot = load_snapshot(store, team_id)
    check_from_identity(snapshot, from_address)
    return snapshot


def check_from_identity(snapshot: TeamSnapshot, from_address: str) -> None:
    """BadInput when the address is no identity of the team; NotAllowed when not verified."""
    address = (parseaddr(from_address)[1] or from_address).strip().lower()
    domain = address.rpartition("@")[2]
    matches = [
        i
        for i in snapshot.identities
        if (i.kind == "email" and i.name.lower() == address)
        or (i.kind == "domain" and i.name.lower() == domain)
    ]
    if not matches:
        raise BadInput(
            "from",
            f"{address} is not a sender identity of this team",
            hint=f"Add it (or its domain) first: sesdesk identity add --team "
            f"{snapshot.team_name!r} {address}",
        )
    if not any(i.status == "SUCCESS" for i in matches):
        states = ", ".join(f"{i.name} is {i.status}" for i in matches)
        raise NotAllowed(
            f"{address} is not verified for sending yet ({states}).",
            hint="Wait for AWS to verify it, or retry / replace it on the dashboard.",
        )


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class BroadcastStatus:
    """Where a broadcast stands, in the shape `broadcast status --json` prints."""

    id: int
    kind: str
    state: str
    total: int
    sent: int
    failed: int
    suppressed: int
    pending: int
    uncertain: int
    in_flight: int
    stop_reason: str | None
    subject: str = ""
    # From SES's events (services/feedback): recipients delivered, bounced, complained.
    delivered: int = 0
    bounced: int = 0
    complained: int = 0
    from_address: str = ""
    list_name: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The cli.md JSON document (plus kind and in_flight)."""
        return {
            "id": self.id,
            "state": self.state,
            "total": self.total,
            "sent": self.sent,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "pending": self.pending,
            "uncertain": self.uncertain,
            "stop_reason": self.stop_reason,
            "kind": self.kind,
            "in_flight": self.in_flight,
            "subject": self.subject,
            "delivered": self.delivered,
            "bounced": self.bounced,
            "complained": self.complained,
        }


def _counts(session: Any, broadcast_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Recipient.state, func.count())
        .where(Recipient.broadcast_id == broadcast_id)
        .group_by(Recipient.state)
    ).all()
    return {state: int(n) for state, n in rows}


def _status_of(session: Any, row: Broadcast) -> BroadcastStatus:
    from sesdesk.services.feedback.report import outcome_counts

    counts = _counts(session, row.id)
    outcomes = outcome_counts(session, row.id)
    list_name = None
    if row.list_id is not None:
        list_name = session.scalar(select(ContactList.name).where(ContactList.id == row.list_id))
    return BroadcastStatus(
        id=row.id,
        kind=row.kind,
        state=row.state,
        total=sum(counts.values()),
        sent=counts.get(SENT, 0),
        failed=counts.get(FAILED, 0),
        suppressed=counts.get(SUPPRESSED, 0),
        pending=counts.get(PENDING, 0),
        uncertain=counts.get(UNCERTAIN, 0),
        in_flight=counts.get(SENDING, 0),
        stop_reason=row.stop_reason,
        subject=row.subject,
        from_address=row.from_address,
        list_name=list_name,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        delivered=outcomes.delivered,
        bounced=outcomes.bounced,
        complained=outcomes.complained,
    )


def _require_broadcast(session: Any, team_id: int, broadcast_id: int) -> Broadcast:
    row = session.get(Broadcast, broadcast_id)
    if row is None or row.team_id != team_id:
        raise NotFound("broadcast", f"no broadcast {broadcast_id} in this team")
    return row


def broadcast_status(store: Store, team_id: int, broadcast_id: int) -> BroadcastStatus:
    """The broadcast's counts, as seen by a reader: no lease, no lock, nothing written.

    If no sesdesk holds the broadcast's lease, rows left `sending` by a crash are reported
    `uncertain` (and the broadcast `paused`), which is what the next sender will record; a
    sender waiting for its account's turn is reported `queued` with the reason.
    """
    with store.session() as session:
        return seen_status(session, _require_broadcast(session, team_id, broadcast_id))


def seen_status(session: Any, row: Broadcast) -> BroadcastStatus:
    """A broadcast's status as every reader sees it (inside an open session; lock-free)."""
    return _as_seen(session, _status_of(session, row))


def _as_seen(session: Any, status: BroadcastStatus) -> BroadcastStatus:
    """`status` corrected by who (if anyone) holds the broadcast's lease right now."""
    holder = leases.live_holder(session, leases.broadcast_lease(status.id))
    if holder is not None:
        if holder.note:
            return replace(status, state=QUEUED, stop_reason=holder.note)
        return status
    # What `_recover` will write when the next sender starts.
    lost = status.in_flight
    state, reason = status.state, status.stop_reason
    if state == SENDING:
        state = PAUSED
        reason = "sesdesk stopped while sending" + (
            f"; {lost} recipient(s) uncertain" if lost else ""
        )
    return replace(
        status, state=state, stop_reason=reason, uncertain=status.uncertain + lost, in_flight=0
    )


def list_broadcasts(store: Store, team_id: int, *, limit: int = 200) -> list[BroadcastStatus]:
    """The team's broadcasts and test sends, newest first."""
    with store.session() as session:
        rows = session.scalars(
            select(Broadcast)
            .where(Broadcast.team_id == team_id)
            .order_by(Broadcast.id.desc())
            .limit(limit)
        ).all()
        return [seen_status(session, row) for row in rows]


def composition_of(store: Store, team_id: int, broadcast_id: int) -> Composition:
    """What a stored broadcast says (for the window's preview)."""
    with store.session() as session:
        row = _require_broadcast(session, team_id, broadcast_id)
        return _composition(row)


def _composition(row: Broadcast) -> Composition:
    return Composition(
        from_address=row.from_address,
        subject=row.subject,
        text_body=row.text_body,
        html_body=row.html_body,
        reply_to=row.reply_to,
        unsubscribe_mailto=row.unsubscribe_mailto,
    )


def daily_sends(store: Store, team_id: int, days: int = 14) -> list[tuple[str, int, int]]:
    """(ISO day, sent, failed) for the last `days` UTC days, oldest first, zeros included."""
    from datetime import timedelta

    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    with store.session() as session:
        rows = session.execute(
            select(SendDay.day, SendDay.sent, SendDay.failed).where(
                SendDay.team_id == team_id, SendDay.day >= first
            )
        ).all()
    by_day = {day: (sent, failed) for day, sent, failed in rows}
    out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        sent, failed = by_day.get(day, (0, 0))
        out.append((day.isoformat(), int(sent), int(failed)))
    return out


# --------------------------------------------------------------------------- creating


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
        row = _new_broadcast(team_id, kind, cleaned, list_id=lst.id)
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
        return _status_of(session, row)


def _new_broadcast(
    team_id: int, kind: str, composition: Composition, *, list_id: int | None
) -> Broadcast:
    return Broadcast(
        team_id=team_id,
        kind=kind,
        list_id=list_id,
        from_address=composition.from_address,
        reply_to=composition.reply_to,
        subject=composition.subject,
        text_body=composition.text_body,
        html_body=composition.html_body,
        unsubscribe_mailto=composition.unsubscribe_mailto,
        state=DRAFT,
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
        _refuse_unverified(VerifiedSet.of(snapshot), [address])
    with store.session() as session:
        row = _new_broadcast(team_id, KIND_TEST_EMAIL, cleaned, list_id=None)
        session.add(row)
        session.flush()
        session.add(Recipient(broadcast_id=row.id, email=address, name=name, state=PENDING))
        session.flush()
        return _status_of(session, row)


def _refuse_unverified(verified: VerifiedSet, addresses: list[str], more: int = 0) -> None:
    bad = [a for a in addresses if not verified.allows(a)]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5 + more} more" if len(bad) > 5 else "")
        raise NotAllowed(
            f"The account is in the SES sandbox: it may only send to verified addresses, "
            f"and {shown} {'is' if len(bad) == 1 else 'are'} not verified.",
            hint="Verify the recipient as an identity, send to the mailbox simulator "
            "(success@simulator.amazonses.com), or apply for production access.",
        )


def resend_uncertain(store: Store, team_id: int, broadcast_id: int) -> int:
    """The user's say: put `uncertain` recipients back to pending; returns how many."""
    with leases.holding_broadcast(store, broadcast_id):
        _recover(store, team_id, broadcast_id)
        with store.session() as session:
            _require_broadcast(session, team_id, broadcast_id)
            done = session.execute(
                update(_RECIPIENTS)
                .where(
                    _RECIPIENTS.c.broadcast_id == broadcast_id,
                    _RECIPIENTS.c.state == UNCERTAIN,
                )
                .values(state=PENDING, error=None, updated_at=utcnow())
            )
            return int(getattr(done, "rowcount", 0) or 0)


def cancel_broadcast(store: Store, team_id: int, broadcast_id: int) -> BroadcastStatus:
    """Stop a broadcast that is not being sent right now (its pending rows stay unsent)."""
    with leases.holding_broadcast(store, broadcast_id):
        _recover(store, team_id, broadcast_id)
        with store.session() as session:
            row = _require_broadcast(session, team_id, broadcast_id)
            if row.state not in (DONE, STOPPED):
                row.state, row.stop_reason, row.finished_at = STOPPED, "cancelled", utcnow()
            return _status_of(session, row)


# --------------------------------------------------------------------------- locking


def _recover(store: Store, team_id: int, broadcast_id: int) -> int:
    """With the broadcast's lease held: rows left `sending` by a dead sender become
    `uncertain`."""
    with store.session() as session:
        row = _require_broadcast(session, team_id, broadcast_id)
        table = _RECIPIENTS
        changed = session.execute(
            update(table)
            .where(table.c.broadcast_id == broadcast_id, table.c.state == SENDING)
            .values(
                state=UNCERTAIN,
                error="in flight when sesdesk stopped: it may or may not have been sent",
                updated_at=utcnow(),
            )
        )
        count = int(getattr(changed, "rowcount", 0) or 0)
        if row.state == SENDING:
            row.state = PAUSED
            row.stop_reason = "sesdesk stopped while sending" + (
                f"; {count} recipient(s) uncertain" if count else ""
            )
        return count


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Progress:
    """A moment in a run, for progress bars."""

    status: BroadcastStatus
    rate: float  # recipients per second over the last few seconds
    allowed_rate: float  # MaxSendRate
    seconds_left: float | None
    throttled: int


@dataclass
class RunResult:
    """How a run ended: the status, and the error that stopped it short of `done` (if any)."""

    status: BroadcastStatus
    stop_error: SesdeskError | None = None
    throttled: int = 0
    message_ids: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The CLI exit code for this ending (0: done or paused/cancelled by the user)."""
        return self.stop_error.exit_code if self.stop_error is not None else 0


@dataclass(frozen=True)
class _Row:
    id: int
    email: str
    name: str | None


@dataclass(frozen=True)
class _Outcome:
    row: _Row
    message_id: str | None = None
    error: BaseException | None = None
    unsent: bool = False
    latency: float = 0.0


@dataclass
class _Stop:
    state: str
    reason: str
    error: SesdeskError | None = None


class _Gauge:
    """A counter shared between the dispatch loop and the sender threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, delta: int) -> None:
        """Change the count."""
        with self._lock:
            self.value += delta


@dataclass
class _RunState:
    """The dispatch loop's bookkeeping (touched by the loop's thread only)."""

    initial: BroadcastStatus
    quota_left: int
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    pending: int = 0
    in_flight: int = 0
    stop: _Stop | None = None
    bug: BaseException | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    retry: deque[_Row] = field(default_factory=deque)
    day_sent: int = 0
    day_failed: int = 0
    message_ids: list[str] = field(default_factory=list)
    unreachable_streak: int = 0
    throttle_streak: int = 0
    hold_until: float = 0.0
    recent: deque[float] = field(default_factory=deque)
    last_progress: float = 0.0
    commits: deque[float] = field(default_factory=lambda: deque(maxlen=64))
    claimed_at: dict[int, float] = field(default_factory=dict)
    check_account: bool = False

    def lookahead(self) -> float:
        """Seconds of sends to keep claimed ahead: enough to ride out a slow commit (the
        store syncs every commit to disk), no more, since a crash leaves them uncertain."""
        if not self.commits:
            return LOOKAHEAD
        return min(MAX_LOOKAHEAD, max(LOOKAHEAD, 1.5 * max(self.commits) + 2 * TICK))

    def __post_init__(self) -> None:
        self.sent = self.initial.sent
        self.failed = self.initial.failed
        self.uncertain = self.initial.uncertain
        self.pending = self.initial.pending

    def back_to_pending(self, row: _Row, error: str | None, now: datetime) -> None:
        """The row was not sent: pending again, first in line to retry."""
        self.updates.append(_upd(row, PENDING, None, error, now))
        self.retry.append(row)


class _PendingCursor:
    """Pages through pending rows in id order, a page at a time (memory stays flat)."""

    def __init__(self, store: Store, broadcast_id: int) -> None:
        self._store = store
        self._broadcast_id = broadcast_id
        self._last_id = 0
        self._buffer: deque[_Row] = deque()
        self._exhausted = False

    def _fill(self) -> None:
        if self._buffer or self._exhausted:
            return
        table = _RECIPIENTS
        with self._store.session() as session:
            rows = session.execute(
                select(table.c.id, table.c.email, table.c.name)
                .where(
                    table.c.broadcast_id == self._broadcast_id,
                    table.c.state == PENDING,
                    table.c.id > self._last_id,
                )
                .order_by(table.c.id)
                .limit(_PAGE)
            ).all()
        if not rows:
            self._exhausted = True
            return
        self._last_id = rows[-1][0]
        self._buffer.extend(_Row(r[0], r[1], r[2]) for r in rows)

    def has_more(self) -> bool:
        """True while pending rows remain."""
        self._fill()
        return bool(self._buffer)

    def next(self) -> _Row | None:
        """The next pending row, or None."""
        self._fill()
        return self._buffer.popleft() if self._buffer else None


@dataclass(frozen=True)
class _Mailer:
    factory: ClientFactory
    account_id: str
    region: str


def _mailer(store: Store, team_id: int) -> _Mailer:
    with store.session() as session:
        row = mailer_row(session, team_id)
        if row is None:
            raise NotAllowed("This team has no mailer yet: connect AWS first.")
        region, account_id = row.region, row.account_id
    return _Mailer(open_mailer(store, team_id).factory, account_id, region)


_UPDATE = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("rid"))
    .values(
        state=bindparam("new_state"),
        message_id=bindparam("mid"),
        error=bindparam("err"),
        updated_at=bindparam("at", type_=UTCDateTime()),
    )
)
_CLAIM = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("rid"))
    .values(
        state=SENDING,
        attempts=_RECIPIENTS.c.attempts + 1,
        updated_at=bindparam("at", type_=UTCDateTime()),
    )
)


def _count_day(insert: Any) -> Any:
    row = insert(_SEND_DAYS).values(
        team_id=bindparam("team"),
        day=bindparam("day"),
        sent=bindparam("sent"),
        failed=bindparam("failed"),
    )
    return row.on_conflict_do_update(
        index_elements=["team_id", "day"],
        set_={
            "sent": _SEND_DAYS.c.sent + row.excluded.sent,
            "failed": _SEND_DAYS.c.failed + row.excluded.failed,
        },
    )


# Built once per dialect: composing the upsert per write cost a third of the engine loop's
# CPU at 200/s.
_COUNT_DAY = {"sqlite": _count_day(sqlite_insert), "postgresql": _count_day(pg_insert)}


class BroadcastRunner:
    """Sends one broadcast (or test) until it is done or stops; `pause`/`cancel` from any
    thread. `run` blocks: call it from a worker thread in the window, directly in the CLI."""

    def __init__(
        self,
        store: Store,
        team_id: int,
        broadcast_id: int,
        *,
        wait_for_quota: bool = False,
        resend_uncertain: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
        progress_every: float = 0.25,
        sender: SendingFacade | None = None,
        ses: SesFacade | None = None,
        limiter: RateLimiter | None = None,
        quota_poll_every: float = QUOTA_POLL_EVERY,
    ) -> None:
        self.store = store
        self.team_id = team_id
        self.broadcast_id = broadcast_id
        self.wait_for_quota = wait_for_quota
        self.resend_uncertain = resend_uncertain
        self.on_progress = on_progress
        self.progress_every = progress_every
        self.quota_poll_every = quota_poll_every
        self._sender = sender
        self._ses = ses
        self._limiter = limiter
        self._pause = threading.Event()
        self._cancel = threading.Event()
        self._halt = threading.Event()  # sender threads: do not start another call
        self._wake = threading.Event()
        self._pause_reason = "paused by the user"
        self.latency = LatencyEstimate()  # the HTTP call
        self.hold = LatencyEstimate()  # claim to write-back: call, queueing, commit
        self.throttled = 0
        self.owner = leases.new_owner()  # this run's id in the lease table
        # Space set aside while sending, so a full disk can still be recorded.
        self._reserve = Reserve(store.path.parent if store.path is not None else None)
        self._keeper: leases.LeaseKeeper | None = None
        self._tag: Callable[[OutgoingEmail, int], OutgoingEmail] = lambda email, _row: email

    # --- control from other threads -----------------------------------------------------

    def pause(self, reason: str = "paused by the user") -> None:
        """The graceful stop: start no more sends, let the ones in flight land and be
        recorded, then end `paused` with `reason` (0 uncertain). Safe from any thread; the
        window calls it before closing during a broadcast, the CLI on SIGINT/SIGTERM/SIGHUP.
        Not from a signal handler itself: it takes locks (set a flag there instead)."""
        self._pause_reason = reason
        self._pause.set()
        self._halt.set()
        self._wake.set()

    def cancel(self) -> None:
        """Stop for good: in-flight sends finish; the broadcast ends `stopped`."""
        self._cancel.set()
        self._halt.set()
        self._wake.set()

    # --- the run --------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Send until done or a stop; returns how it ended. Preflight refusals raise.

        Holds the broadcast's lease throughout, and the account's send lease while sending:
        while another broadcast of the same account sends, this one waits `queued`.
        """
        keeper = leases.LeaseKeeper(self.store, self.owner, self._lease_lost)
        self._keeper = keeper
        try:
            with leases.holding(
                self.store,
                keeper,
                leases.broadcast_lease(self.broadcast_id),
                refuse=leases.broadcast_busy(self.broadcast_id),
                broadcast_id=self.broadcast_id,
            ):
                try:
                    _recover(self.store, self.team_id, self.broadcast_id)
                    if self.resend_uncertain:
                        self._resend_uncertain()
                    return self._run_locked()
                except DiskFull as exc:
                    self._pause_for(exc)
                    raise
        finally:
            keeper.close()

    def _lease_lost(self, name: str, why: str) -> None:
        # Someone else may be sending now: stop at once rather than risk a double send.
        log.warning("lease %s lost: %s", name, why)
        self.pause(f"sesdesk lost its turn to send ({why}); run it again to continue")

    def _pause_for(self, error: SesdeskError) -> None:
        """Record `paused` with the error's message, if the store still takes a write."""
        self._reserve.give_back()
        try:
            with self.store.session() as session:
                row = _require_broadcast(session, self.team_id, self.broadcast_id)
                if row.state not in (DONE, STOPPED):
                    row.state, row.stop_reason = PAUSED, error.message
        except SesdeskError as again:
            log.info("could not record the pause: %s", again.message)

    def _resend_uncertain(self) -> None:
        table = _RECIPIENTS
        with self.store.session() as session:
            session.execute(
                update(table)
                .where(table.c.broadcast_id == self.broadcast_id, table.c.state == UNCERTAIN)
                .values(state=PENDING, error=None, updated_at=utcnow())
            )

    def _status(self) -> BroadcastStatus:
        with self.store.session() as session:
            return _status_of(session, _require_broadcast(session, self.team_id, self.broadcast_id))

    def _set_state(
        self, state: str, reason: str | None, *, started: bool = False, finished: bool = False
    ) -> None:
        with self.store.session() as session:
            row = _require_broadcast(session, self.team_id, self.broadcast_id)
            row.state, row.stop_reason = state, reason
            now = utcnow()
            if started and row.started_at is None:
                row.started_at = now
            if finished:
                row.finished_at = now

    def _run_locked(self) -> RunResult:
        status = self._status()
        if status.state == STOPPED:
            raise NotAllowed(f"Broadcast {self.broadcast_id} was cancelled; create a new one.")
        if status.pending == 0:
            if status.state != DONE:
                self._set_state(DONE, None, finished=True)
            return RunResult(self._status())
        with self.store.session() as session:
            row = _require_broadcast(session, self.team_id, self.broadcast_id)
            kind, composition = row.kind, _composition(row)

        # 1. What the store says, before any AWS call.
        # (A stored "no" is not final: the store may be stale, so that is asked live below.)
        snapshot = load_snapshot(self.store, self.team_id)
        decision = decide(snapshot).for_kind(kind)
        if decision.allowed and decision.verified_recipients_only:
            self._check_recipients(VerifiedSet.of(snapshot), kind, snapshot)

        # 2. The live state: GetAccount (rate and quota, read live) and the identities.
        mailer = _mailer(self.store, self.team_id)
        plan = self._live_checks(status, kind, composition, mailer)

        # 3. One sender per SES account at a time: wait for this account's turn.
        assert self._keeper is not None
        turn = leases.account_lease(mailer.account_id, mailer.region)
        queued: list[str] = []

        def on_queued(note: str) -> None:
            queued.append(note)
            self._report_queued(status, note)

        if not leases.wait_for_turn(
            self.store,
            self._keeper,
            turn,
            broadcast_id=self.broadcast_id,
            stopped=lambda: self._pause.is_set() or self._cancel.is_set(),
            sleep=self._wake.wait,
            on_queued=on_queued,
        ):
            if self._cancel.is_set():
                self._set_state(STOPPED, "cancelled", finished=True)
            else:
                self._set_state(PAUSED, self._pause_reason)
            return RunResult(self._status())
        try:
            if queued:
                # The wait may have been long: read rate, quota and identities again.
                plan = self._live_checks(self._status(), kind, composition, mailer)
            sender, ses, limiter, quota_left = plan
            self._suppress_locally()
            self._set_state(SENDING, None, started=True)
            sender.warm_up()
            self._reserve.keep()
            # Every send names the feedback configuration set and carries its recipient's tags;
            # the watcher drains SES's events while the loop runs and applies the bounce guard.
            from sesdesk.services.feedback.guard import watching
            from sesdesk.services.feedback.tags import send_tagger

            self._tag = send_tagger(self.store, self.team_id, self.broadcast_id)
            try:
                # Senders must leave on their slots: see sesdesk.timing for what that takes.
                with (
                    punctual(),
                    watching(self.store, self.team_id, self.broadcast_id, self.pause),
                ):
                    return self._loop(composition, sender, ses, limiter, quota_left)
            finally:
                self._refresh_quietly(ses)
        finally:
            self._keeper.drop(turn)
            leases.release_quietly(self.store, turn, self.owner, linger=leases.HANDOVER_GAP)

    def _live_checks(
        self, status: BroadcastStatus, kind: str, composition: Composition, mailer: _Mailer
    ) -> tuple[SendingFacade, SesFacade, RateLimiter, int]:
        """Gating on the live state; the facades, the account's limiter and the quota left."""
        ses = self._ses or SesFacade(mailer.factory)
        sender = self._sender or SendingFacade(mailer.factory)
        from sesdesk.services.refresh import refresh_team

        try:
            refresh_team(self.store, self.team_id, ses)
        except AuthError as exc:
            # refresh_team has marked the mailer lost; the broadcast waits for a reconnect.
            if status.state in (SENDING, WAITING_QUOTA, PAUSED):
                self._set_state(PAUSED, exc.message)
            raise
        snapshot = load_snapshot(self.store, self.team_id)
        decision = decide(snapshot).for_kind(kind)
        if not decision.allowed:
            raise NotAllowed(decision.reason)
        check_from_identity(snapshot, composition.from_address)
        if decision.verified_recipients_only:
            self._check_recipients(VerifiedSet.of(snapshot), kind, snapshot)
        account = snapshot.account
        assert account is not None  # decide() said yes, so the account is known
        limiter = self._limiter or shared_limiter(
            mailer.account_id, mailer.region, max(account.max_rate, 0.01)
        )
        if self._limiter is not None:
            limiter.set_rate(max(account.max_rate, 0.01))
        return sender, ses, limiter, int(account.left_24h)

    def _report_queued(self, status: BroadcastStatus, note: str) -> None:
        if self.on_progress is None:
            return
        queued = replace(status, state=QUEUED, stop_reason=note)
        try:
            self.on_progress(Progress(queued, 0.0, 0.0, None, self.throttled))
        except Exception:
            log.exception("progress callback failed")

    def _check_recipients(self, verified: VerifiedSet, kind: str, snapshot: TeamSnapshot) -> None:
        table = _RECIPIENTS
        with self.store.session() as session:
            emails = session.scalars(
                select(table.c.email).where(
                    table.c.broadcast_id == self.broadcast_id, table.c.state == PENDING
                )
            ).all()
        _refuse_unverified(verified, list(emails))
        account = snapshot.account
        if kind == KIND_TEST_CAMPAIGN and account is not None and len(emails) > account.left_24h:
            raise NotAllowed(
                f"A test campaign must fit in today's quota: {len(emails)} recipients, "
                f"{account.left_24h:g} left in the last 24 hours.",
                hint="Send it later, or to fewer recipients.",
            )

    def _suppress_locally(self) -> None:
        table = _RECIPIENTS
        with self.store.session() as session:
            suppressed = select(Suppression.email_lower).where(Suppression.team_id == self.team_id)
            session.execute(
                update(table)
                .where(
                    table.c.broadcast_id == self.broadcast_id,
                    table.c.state == PENDING,
                    func.lower(table.c.email).in_(suppressed),
                )
                .values(
                    state=SUPPRESSED,
                    error="on the team's suppression list",
                    updated_at=utcnow(),
                )
            )

    def _refresh_quietly(self, ses: SesFacade) -> None:
        from sesdesk.services.refresh import refresh_team

        try:
            refresh_team(self.store, self.team_id, ses)
        except SesdeskError as exc:
            log.info("refresh after sending failed: %s", exc.message)

    # --- the dispatch loop --------------------------------------------------------------

    def _loop(
        self,
        composition: Composition,
        sender: SendingFacade,
        ses: SesFacade,
        limiter: RateLimiter,
        quota_left: int,
    ) -> RunResult:
        run = _RunState(self._status(), quota_left)
        results: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
        cursor = _PendingCursor(self.store, self.broadcast_id)
        pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="sesdesk-send")
        halt = self._halt
        halt.clear()
        self._wake.clear()
        next_account_check = time.monotonic() + ACCOUNT_REFRESH_EVERY
        account_check: Any = None
        interrupted = False
        waiting = _Gauge()  # claimed rows whose sender has not left the rate limiter yet

        def send_one(row: _Row) -> None:
            started = 0.0
            left = False  # this sender has left the rate limiter (or will never enter it)

            def gate() -> bool:
                # Runs in boto3's before-send hook: the request is built and signed, only
                # the socket write follows, so the slot is not eroded by boto3's CPU time.
                nonlocal started, left
                slot = limiter.acquire(halt)
                if not left:  # once, even if a client ever made a second attempt
                    waiting.add(-1)
                    left = True
                started = time.monotonic()
                return slot is not None

            try:
                message = self._tag(build_email(composition, row.email, row.name), row.id)
                try:
                    with sender.gated(gate):
                        message_id = sender.send_email(message)
                except NotSent:
                    results.put(_Outcome(row, unsent=True))
                    return
                except AwsError as exc:
                    took = time.monotonic() - started if started else 0.0
                    results.put(_Outcome(row, error=exc, latency=took))
                    return
                took = time.monotonic() - started if started else 0.0
                if not started:
                    # A sender that never reached boto3's hook (a stand-in): still use a slot,
                    # so the sends after it keep the pace.
                    limiter.acquire(halt)
                results.put(_Outcome(row, message_id=message_id, latency=took))
            except BaseException as exc:  # a bug: the call may have happened
                results.put(_Outcome(row, error=exc))
            finally:
                if not left:
                    waiting.add(-1)

        try:
            while True:
                try:
                    now_dt = utcnow()
                    while True:
                        try:
                            outcome = results.get_nowait()
                        except queue.Empty:
                            break
                        self._absorb(run, outcome, composition, limiter, now_dt)

                    # Live rate and quota, read off this thread now and then.
                    if account_check is not None and account_check.done():
                        try:
                            info = account_check.result()
                            if info.max_rate > 0:
                                limiter.set_rate(info.max_rate)
                            run.quota_left = max(0, int(info.left_24h) - run.in_flight)
                        except SesdeskError as exc:
                            log.info("live account check failed: %s", exc.message)
                        account_check = None
                    since_check = time.monotonic() - (next_account_check - ACCOUNT_REFRESH_EVERY)
                    if account_check is None and (
                        (run.check_account and since_check >= 5.0)
                        or time.monotonic() >= next_account_check
                    ):
                        run.check_account = False
                        next_account_check = time.monotonic() + ACCOUNT_REFRESH_EVERY
                        account_check = pool.submit(ses.get_account)

                    # Claim rows for the sends due within the look-ahead: few enough that a
                    # crash leaves little `uncertain`, enough that no slot goes unused.
                    claims: list[_Row] = []
                    stopping = run.stop is not None or self._pause.is_set() or self._cancel.is_set()
                    if not stopping and time.monotonic() >= run.hold_until:
                        # A row holds its place from claim to write-back, which is more
                        # than the HTTP call: size for that.
                        limit = in_flight_needed(limiter.rate, self.hold.value)
                        queued = max(2, math.ceil(limiter.effective_rate * run.lookahead()))
                        while (
                            run.in_flight + len(claims) < limit
                            and waiting.value + len(claims) < queued
                            and run.quota_left > 0
                        ):
                            row = run.retry.popleft() if run.retry else cursor.next()
                            if row is None:
                                break
                            claims.append(row)
                            run.quota_left -= 1

                    if (run.updates or claims or run.day_sent or run.day_failed) and not (
                        self._write_or_stop(run, claims, now_dt)
                    ):
                        run.quota_left += len(claims)
                        claims = []  # not recorded as claimed: they stay pending, unsent
                    waiting.add(len(claims))
                    claimed_at = time.monotonic()
                    for row in claims:
                        run.claimed_at[row.id] = claimed_at
                        pool.submit(send_one, row)
                    run.in_flight += len(claims)
                    self._report(run, limiter)

                    if run.in_flight == 0:
                        if run.stop is not None:
                            break
                        if self._cancel.is_set():
                            run.stop = _Stop(STOPPED, "cancelled")
                            break
                        if self._pause.is_set():
                            run.stop = _Stop(PAUSED, self._pause_reason)
                            break
                        if not run.retry and not cursor.has_more():
                            break
                        if run.quota_left <= 0:
                            run.quota_left = self._wait_for_quota(ses)
                            if run.quota_left <= 0:
                                run.stop = _Stop(
                                    WAITING_QUOTA,
                                    "the daily sending quota is used up; sending continues "
                                    "as the 24-hour window rolls",
                                    DailyQuotaExceeded(
                                        "The daily sending quota is used up; run "
                                        "`broadcast send` again later to continue."
                                    ),
                                )
                                break
                            continue
                    self._wake.wait(TICK)
                except KeyboardInterrupt:
                    # Ctrl+C: stop starting sends, let the ones in flight land, then pause.
                    if interrupted:
                        raise
                    interrupted = True
                    self.pause("interrupted")
        finally:
            halt.set()
            pool.shutdown(wait=True)

        stop = run.stop
        if stop is not None and isinstance(stop.error, AuthError):
            mark_lost(self.store, self.team_id, stop.error.message)
        unrecorded = False
        try:
            if run.updates or run.day_sent or run.day_failed:
                self._write(run, [], utcnow())
            if stop is None:
                self._set_state(DONE, None, finished=True)
            else:
                self._set_state(stop.state, stop.reason, finished=stop.state == STOPPED)
        except DiskFull as exc:
            # Rows whose outcome could not be written stay `sending`: the next start
            # records them `uncertain`, which is what they are to the store.
            log.warning("could not record how the run ended: %s", exc.message)
            unrecorded = True
        finally:
            self._reserve.give_back()
        self._report(run, limiter, force=True)
        if run.bug is not None:
            raise run.bug
        if interrupted:
            raise KeyboardInterrupt
        final = self._status()
        if unrecorded and stop is not None:
            final = replace(
                final,
                state=stop.state,
                stop_reason=stop.reason,
                uncertain=final.uncertain + final.in_flight,
                in_flight=0,
            )
        return RunResult(
            final,
            stop_error=stop.error if stop is not None else None,
            throttled=self.throttled,
            message_ids=run.message_ids,
        )

    def _halt_with(self, run: _RunState, state: str, reason: str, error: Any) -> None:
        if run.stop is None:
            run.stop = _Stop(state, reason, error if isinstance(error, SesdeskError) else None)
            self._halt.set()

    def _absorb(
        self,
        run: _RunState,
        outcome: _Outcome,
        composition: Composition,
        limiter: RateLimiter,
        now: datetime,
    ) -> None:
        """Fold one finished send into the run: the row's next state, and maybe a stop."""
        run.in_flight -= 1
        row, error = outcome.row, outcome.error
        if outcome.unsent:
            run.back_to_pending(row, None, now)
            return
        if outcome.latency:
            self.latency.add(outcome.latency)
        claimed = run.claimed_at.pop(row.id, None)
        if claimed is not None:
            self.hold.add(time.monotonic() - claimed)
        if error is None:
            run.sent += 1
            run.day_sent += 1
            run.pending -= 1
            run.unreachable_streak = run.throttle_streak = 0
            limiter.calm()
            run.recent.append(time.monotonic())
            if outcome.message_id and len(run.message_ids) < 10:
                run.message_ids.append(outcome.message_id)
            run.updates.append(_upd(row, SENT, outcome.message_id, None, now))
        elif isinstance(error, Throttled):
            self.throttled += 1
            run.throttle_streak += 1
            limiter.throttled()
            run.back_to_pending(row, "throttled: retrying", now)
            run.check_account = True  # AWS may have lowered the rate: read it again now
            if run.throttle_streak >= MAX_THROTTLE_STREAK:
                self._halt_with(run, PAUSED, f"AWS keeps throttling: {error.message}", error)
        elif isinstance(error, DailyQuotaExceeded):
            run.quota_left = 0
            run.back_to_pending(row, error.message, now)
        elif isinstance(error, AuthError | SendingPaused) or (
            isinstance(error, Rejected) and _about_sender(error, composition)
        ):
            # The same answer awaits every recipient: stop and keep them pending.
            run.back_to_pending(row, error.message, now)
            self._halt_with(run, PAUSED, error.message, error)
        elif isinstance(error, Rejected | AwsNotFound):
            run.failed += 1
            run.day_failed += 1
            run.pending -= 1
            run.updates.append(_upd(row, FAILED, None, error.message, now))
        elif isinstance(error, Unreachable):
            run.unreachable_streak += 1
            run.hold_until = time.monotonic() + min(30.0, 0.5 * 2**run.unreachable_streak)
            if error.may_have_arrived:
                # A timeout or 5xx: AWS may have sent it. Never silently again.
                run.uncertain += 1
                run.pending -= 1
                run.updates.append(_upd(row, UNCERTAIN, None, error.message, now))
            else:
                run.back_to_pending(row, error.message, now)
            if run.unreachable_streak >= MAX_UNREACHABLE_STREAK:
                self._halt_with(run, PAUSED, error.message, error)
        else:
            # Unclassified, or a bug in our code: we cannot tell whether it went out.
            run.uncertain += 1
            run.pending -= 1
            text = str(getattr(error, "message", None) or type(error).__name__)
            run.updates.append(_upd(row, UNCERTAIN, None, text, now))
            if not isinstance(error, SesdeskError) and run.bug is None:
                run.bug = error
            self._halt_with(run, PAUSED, f"unexpected failure while sending: {text}", error)

    def _report(self, run: _RunState, limiter: RateLimiter, *, force: bool = False) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if not force and now - run.last_progress < self.progress_every:
            return
        run.last_progress = now
        recent = run.recent
        while recent and recent[0] < now - 5.0:
            recent.popleft()
        window = min(5.0, max(0.5, now - recent[0])) if recent else 1.0
        rate = len(recent) / window if recent else 0.0
        pace = limiter.effective_rate
        status = replace(
            run.initial,
            state=SENDING if run.stop is None else run.stop.state,
            sent=run.sent,
            failed=run.failed,
            uncertain=run.uncertain,
            pending=run.pending - run.in_flight,  # rows in flight are not pending any more
            in_flight=run.in_flight,
        )
        seconds_left = (run.pending / pace) if pace else None
        try:
            self.on_progress(Progress(status, rate, limiter.rate, seconds_left, self.throttled))
        except Exception:
            log.exception("progress callback failed")

    def _wait_for_quota(self, ses: SesFacade) -> int:
        """Recipients the rolling window allows now; waits for them when asked to."""
        if not self.wait_for_quota:
            return 0
        self._set_state(WAITING_QUOTA, "waiting for the 24-hour quota window to roll")
        while not (self._pause.is_set() or self._cancel.is_set()):
            try:
                left = int(ses.get_account().left_24h)
            except SesdeskError as exc:
                log.info("quota check failed: %s", exc.message)
                left = 0
            if left > 0:
                self._set_state(SENDING, None)
                return left
            self._wake.wait(self.quota_poll_every)
        return 0

    def _write_or_stop(self, run: _RunState, claims: list[_Row], now: datetime) -> bool:
        """`_write`; on a full disk, stop (paused, the disk named) and record the outcomes
        in the space set aside: False when the claims were not written (nor sent)."""
        try:
            self._write(run, claims, now)
            return True
        except DiskFull as exc:
            self._halt_with(run, PAUSED, exc.message, exc)
            if not self._reserve.give_back():
                give_back_wal(self.store.engine)
            with contextlib.suppress(DiskFull):
                self._write(run, [], now)
            return False

    def _write(self, run: _RunState, claims: list[_Row], now: datetime) -> None:
        """One transaction: finished rows, newly claimed rows, and the day's counter."""
        started = time.monotonic()
        with self.store.session() as session:
            if run.updates:
                session.execute(_UPDATE, run.updates)
            if claims:
                session.execute(_CLAIM, [{"rid": row.id, "at": now} for row in claims])
            if run.day_sent or run.day_failed:
                session.execute(
                    _COUNT_DAY[self.store.engine.dialect.name],
                    {
                        "team": self.team_id,
                        "day": now.astimezone(UTC).date(),
                        "sent": run.day_sent,
                        "failed": run.day_failed,
                    },
                )
        run.updates = []
        run.day_sent = run.day_failed = 0
        run.commits.append(time.monotonic() - started)


def _upd(
    row: _Row, state: str, message_id: str | None, error: str | None, at: datetime
) -> dict[str, Any]:
    return {"rid": row.id, "new_state": state, "mid": message_id, "err": error, "at": at}


def _about_sender(error: Rejected, composition: Composition) -> bool:
    """True when SES refused the *sender* (then every recipient would fail the same way)."""
    sender = (parseaddr(composition.from_address)[1] or composition.from_address).lower()
    text = error.message.lower()
    return "mailfrom" in (error.code or "").lower() or ("not verified" in text and sender in text)


# --------------------------------------------------------------------------- conveniences


def send_broadcast(
    store: Store,
    team_id: int,
    broadcast_id: int,
    *,
    wait_for_quota: bool = False,
    resend_uncertain: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> RunResult:
    """Send (or resume) a broadcast until done or a stop."""
    return BroadcastRunner(
        store,
        team_id,
        broadcast_id,
        wait_for_quota=wait_for_quota,
        resend_uncertain=resend_uncertain,
        on_progress=on_progress,
    ).run()


def send_test_email(
    store: Store,
    team_id: int,
    *,
    to: str,
    composition: Composition,
    name: str | None = None,
) -> RunResult:
    """Send one test email; refused before any AWS call when the sandbox would refuse it."""
    draft = create_test_email(store, team_id, to=to, composition=composition, name=name)
    try:
        return BroadcastRunner(store, team_id, draft.id).run()
    except NotAllowed as exc:
        with store.session() as session:
            row = _require_broadcast(session, team_id, draft.id)
            row.state, row.stop_reason, row.finished_at = STOPPED, exc.message, utcnow()
        raise


@dataclass(frozen=True)
class RecipientInfo:
    """One recipient of a broadcast and where its send stands."""

    email: str
    name: str | None
    state: str
    message_id: str | None
    error: str | None
    attempts: int


def recipients(
    store: Store,
    team_id: int,
    broadcast_id: int,
    *,
    state: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[RecipientInfo]:
    """A page of a broadcast's recipients (optionally in one state), in send order."""
    with store.session() as session:
        _require_broadcast(session, team_id, broadcast_id)
        query = select(Recipient).where(Recipient.broadcast_id == broadcast_id)
        if state is not None:
            query = query.where(Recipient.state == state)
        rows = session.scalars(query.order_by(Recipient.id).offset(offset).limit(limit)).all()
        return [
            RecipientInfo(r.email, r.name, r.state, r.message_id, r.error, r.attempts) for r in rows
        ]
