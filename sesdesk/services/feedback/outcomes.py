"""What received events do to the store, in the caller's one transaction: the event row (its
unique key makes a second copy a no-op), the recipient's outcome, an uncertain send settled,
the suppression, the counters.

Out of order is normal (a Bounce after a Delivery): a recipient's headline outcome is the worst
thing known — complained > bounced > rejected > delivered > delayed — and each kind keeps its
own time, so the order of arrival never changes the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, insert, select

from sesdesk.models import (
    Broadcast,
    FeedbackEvent,
    FeedbackSettings,
    FeedbackWiring,
    Recipient,
    RecipientOutcome,
    utcnow,
)
from sesdesk.models.feedback import BOUNCED, COMPLAINED, DELAYED, DELIVERED, REJECTED
from sesdesk.models.sending import SENT, UNCERTAIN
from sesdesk.services.addresses import UnsendableAddress, sendable_address
from sesdesk.services.feedback.parse import RecipientEvent, SesEvent, Unrecognised
from sesdesk.services.feedback.suppression import suppress_in_session
from sesdesk.services.feedback.tags import RECIPIENT_TAG, TEAM_TAG

RANK = {DELAYED: 1, DELIVERED: 2, REJECTED: 3, BOUNCED: 4, COMPLAINED: 5}
EFFECT = {
    "Delivery": DELIVERED,
    "Bounce": BOUNCED,
    "Complaint": COMPLAINED,
    "Reject": REJECTED,
    "RenderingFailure": REJECTED,
    "DeliveryDelay": DELAYED,
}
_CHUNK = 500


@dataclass
class BatchResult:
    """What one batch did (counts per message, as `feedback drain` reports them)."""

    processed: int = 0
    duplicates: int = 0
    unrecognised: int = 0
    unmatched: int = 0
    settled: int = 0
    broadcasts: set[int] = field(default_factory=set)  # whose outcomes changed

    def add(self, batch: BatchResult) -> None:
        """Fold another batch's counts in."""
        self.processed += batch.processed
        self.duplicates += batch.duplicates
        self.unrecognised += batch.unrecognised
        self.unmatched += batch.unmatched
        self.settled += batch.settled
        self.broadcasts |= batch.broadcasts


@dataclass
class _Target:
    recipient_id: int
    broadcast_id: int
    team_id: int
    email_lower: str  # as the store keeps it (an internationalised domain in Unicode)
    state: str
    ses_email: str = ""  # as SES names it in events (that domain in punycode)

    def __post_init__(self) -> None:
        self.ses_email = self.ses_email or _ses_form(self.email_lower)


def _ses_form(email: str) -> str:
    """`email` as SES writes it in its events: an internationalised domain in punycode."""
    if email.isascii():
        return email
    try:
        return sendable_address(email).lower()
    except UnsendableAddress:
        return email


def settings_of(session: Any, team_id: int) -> FeedbackSettings:
    """The team's feedback settings (defaults when never changed)."""
    row = session.get(FeedbackSettings, team_id)
    if row is None:
        row = FeedbackSettings(
            team_id=team_id,
            pause_bounce_rate=0.05,
            pause_complaint_rate=0.001,
            pause_min_outcomes=100,
            transient_limit=3,
            transient_days=30,
        )
    return row


def _bare(address: str) -> str:
    if "<" not in address and '"' not in address:
        return address.strip().lower()  # SES's usual form: parsing it costs 40 µs
    return (parseaddr(address)[1] or address).strip().lower()


def _keys_of(item: SesEvent | Unrecognised) -> list[str]:
    if isinstance(item, Unrecognised):
        return [item.key]
    if not item.recipients:
        return [f"{item.key}|"[:400]]
    return [item.recipient_key(_bare(r.email)) for r in item.recipients]


def _existing_keys(session: Any, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found.update(
            session.scalars(
                select(FeedbackEvent.dedupe_key).where(FeedbackEvent.dedupe_key.in_(chunk))
            )
        )
    return found


def _targets(session: Any, events: list[SesEvent]) -> tuple[dict[int, _Target], dict[str, int]]:
    """Recipient rows the events name (by tag), and by SES message id for untagged ones."""
    ids: set[int] = set()
    message_ids: set[str] = set()
    for event in events:
        tagged = event.tags.get(RECIPIENT_TAG, "")
        if tagged.isdigit():
            ids.add(int(tagged))
        elif event.ses_message_id:
            message_ids.add(event.ses_message_id)
    columns = (
        Recipient.id,
        Recipient.broadcast_id,
        Broadcast.team_id,
        Recipient.email,
        Recipient.state,
        Recipient.message_id,
    )
    rows: list[Any] = []
    # Identity notifications carry no tags: those fall back on SES's message id.
    wanted: tuple[tuple[Any, list[Any]], ...] = (
        (Recipient.id, sorted(ids)),
        (Recipient.message_id, sorted(message_ids)),
    )
    for key, values in wanted:
        for start in range(0, len(values), _CHUNK):
            rows += session.execute(
                select(*columns)
                .join(Broadcast, Broadcast.id == Recipient.broadcast_id)
                .where(key.in_(values[start : start + _CHUNK]))
            ).all()
    targets = {r[0]: _Target(r[0], r[1], r[2], _bare(r[3]), r[4]) for r in rows}
    by_message = {str(r[5]): r[0] for r in rows if r[5]}
    return targets, by_message


def _match(
    event: SesEvent, email: str, targets: dict[int, _Target], by_message: dict[str, int]
) -> _Target | None:
    tagged = event.tags.get(RECIPIENT_TAG, "")
    rid = int(tagged) if tagged.isdigit() else by_message.get(event.ses_message_id or "")
    target = targets.get(rid) if rid is not None else None
    if target is None or target.ses_email != email:
        return None
    return target


def _apply_outcome(
    session: Any,
    outcomes: dict[int, RecipientOutcome],
    target: _Target,
    event: SesEvent,
    recipient: RecipientEvent,
    now: datetime,
) -> None:
    effect = EFFECT.get(event.event_type)
    if effect is None:
        return
    when = event.occurred_at or now
    row = outcomes.get(target.recipient_id)  # preloaded for the whole batch
    if row is None:
        row = RecipientOutcome(
            recipient_id=target.recipient_id,
            broadcast_id=target.broadcast_id,
            outcome=effect,
            hard_bounce=False,
            updated_at=now,
        )
        session.add(row)
        current = 0
    else:
        current = RANK.get(row.outcome, 0)
    outcomes[target.recipient_id] = row
    if effect == DELIVERED:
        row.delivered_at = row.delivered_at or when
    elif effect == BOUNCED:
        row.bounced_at = row.bounced_at or when
        if recipient.bounce_type == "Permanent":
            row.hard_bounce = True
    elif effect == COMPLAINED:
        row.complained_at = row.complained_at or when
    if RANK[effect] >= current:
        row.outcome = effect
        row.detail = _describe(event, recipient)
    row.updated_at = now


def _describe(event: SesEvent, recipient: RecipientEvent) -> str | None:
    if event.event_type == "Bounce":
        kind = "/".join(x for x in (recipient.bounce_type, recipient.bounce_subtype) if x)
        return f"{kind}: {recipient.detail}" if recipient.detail else kind
    return recipient.detail


def _transient_count(session: Any, team_id: int, email: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(FeedbackEvent)
            .where(
                FeedbackEvent.team_id == team_id,
                FeedbackEvent.email_lower == email,
                FeedbackEvent.event_type == "Bounce",
                FeedbackEvent.bounce_type == "Transient",
                FeedbackEvent.received_at >= since,
            )
        )
        or 0
    )


@dataclass
class _Batch:
    """What one batch has done so far that the database cannot show yet (no autoflush)."""

    suppressed: set[tuple[int, str]] = field(default_factory=set)
    transient: dict[tuple[int, str], int] = field(default_factory=dict)


def _suppress_for(
    session: Any,
    batch: _Batch,
    team_id: int,
    settings: FeedbackSettings,
    event: SesEvent,
    recipient: RecipientEvent,
    email: str,
    now: datetime,
) -> None:
    if event.event_type == "Bounce" and recipient.bounce_type == "Transient":
        # Counted whether or not it suppresses: the next soft bounce needs the tally.
        key = (team_id, email)
        batch.transient[key] = batch.transient.get(key, 0) + 1
    if (team_id, email) in batch.suppressed:
        return
    if event.event_type == "Complaint":
        suppress_in_session(session, team_id, email, "complaint", "complained")
    elif event.event_type == "Bounce" and recipient.bounce_type == "Permanent":
        if _left_the_list(recipient):
            return
        suppress_in_session(session, team_id, email, "bounce", _describe(event, recipient))
    elif event.event_type == "Bounce" and recipient.bounce_type == "Transient":
        since = now - timedelta(days=settings.transient_days)
        count = _transient_count(session, team_id, email, since) + batch.transient[key]
        if count < settings.transient_limit:
            return
        suppress_in_session(
            session,
            team_id,
            email,
            "bounce",
            f"{count} soft bounces within {settings.transient_days} days "
            f"(last: {_describe(event, recipient)})",
        )
    else:
        return
    batch.suppressed.add((team_id, email))


def _left_the_list(recipient: RecipientEvent) -> bool:
    """SES's bounce for a message to a contact who opted out of its list or topic: that is
    an unsubscribe from one list (the list sync records it), not an address to never mail."""
    return "unsubscribed from the list" in (recipient.detail or "").lower()


def _outcomes_of(session: Any, ids: list[int]) -> dict[int, RecipientOutcome]:
    found: dict[int, RecipientOutcome] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in session.scalars(
            select(RecipientOutcome).where(
                RecipientOutcome.recipient_id.in_(ids[start : start + _CHUNK])
            )
        ):
            found[row.recipient_id] = row
    return found


def apply_batch(session: Any, team_id: int, items: list[SesEvent | Unrecognised]) -> BatchResult:
    """Record `items` and their effects in `session` (the caller commits)."""
    with session.no_autoflush:
        return _apply(session, team_id, items)


def _apply(session: Any, team_id: int, items: list[SesEvent | Unrecognised]) -> BatchResult:
    result = BatchResult()
    now = utcnow()
    all_keys = [key for item in items for key in _keys_of(item)]
    seen = _existing_keys(session, all_keys)
    events = [item for item in items if isinstance(item, SesEvent)]
    targets, by_message = _targets(session, events)
    outcomes = _outcomes_of(session, sorted(targets))
    settings = {team_id: settings_of(session, team_id)}
    batch = _Batch()
    rows: list[dict[str, Any]] = []  # feedback_event rows, inserted at once
    for item in items:
        keys = _keys_of(item)
        if all(key in seen for key in keys):
            result.duplicates += 1
            continue
        seen.update(keys)
        if isinstance(item, Unrecognised):
            if item.notice:
                result.processed += 1
            else:
                result.unrecognised += 1
            rows.append(
                _row(
                    team_id,
                    item.key,
                    item.sns_message_id,
                    "notice" if item.notice else "unrecognised",
                    now,
                    recognised=item.notice,
                    detail=item.reason,
                    raw=None if item.notice else item.body,
                )
            )
            continue
        result.processed += 1
        if item.subscription is not None:
            _unsubscribe(session, team_id, item)
        matched_any = False
        for recipient, key in zip(item.recipients or (RecipientEvent(""),), keys, strict=False):
            email = _bare(recipient.email) if recipient.email else ""
            target = _match(item, email, targets, by_message) if email else None
            if target is not None:
                # The address as the store keeps it, so events and suppressions match contacts.
                email = target.email_lower
            owner = target.team_id if target is not None else team_id
            rows.append(
                _row(
                    owner,
                    key,
                    item.sns_message_id,
                    item.event_type,
                    now,
                    email_lower=email or None,
                    recipient_id=target.recipient_id if target else None,
                    broadcast_id=target.broadcast_id if target else None,
                    ses_message_id=item.ses_message_id,
                    bounce_type=recipient.bounce_type,
                    bounce_subtype=recipient.bounce_subtype,
                    detail=recipient.detail,
                    occurred_at=item.occurred_at,
                )
            )
            if target is None:
                # Sent by sesdesk for this team (its tag says so) but the row is gone: the
                # address still bounced or complained.
                if email and item.tags.get(TEAM_TAG) == str(team_id):
                    _suppress_for(
                        session, batch, team_id, settings[team_id], item, recipient, email, now
                    )
                continue
            matched_any = True
            result.broadcasts.add(target.broadcast_id)
            if target.state == UNCERTAIN:
                # SES saw it: the send happened. Settled, never re-sent.
                row = session.get(Recipient, target.recipient_id)
                if row is not None and row.state == UNCERTAIN:
                    row.state, row.error = SENT, None
                    row.message_id = row.message_id or item.ses_message_id
                    row.updated_at = now
                    result.settled += 1
                target.state = SENT
            _apply_outcome(session, outcomes, target, item, recipient, now)
            if owner not in settings:
                settings[owner] = settings_of(session, owner)
            _suppress_for(session, batch, owner, settings[owner], item, recipient, email, now)
        if not matched_any:
            result.unmatched += 1
    if rows:
        session.execute(insert(FeedbackEvent), rows)
    wiring = session.get(FeedbackWiring, team_id)
    if wiring is not None:
        wiring.processed = (wiring.processed or 0) + result.processed
        wiring.duplicates = (wiring.duplicates or 0) + result.duplicates
        wiring.unrecognised = (wiring.unrecognised or 0) + result.unrecognised
        wiring.last_drained = now
    return result


def _unsubscribe(session: Any, team_id: int, event: SesEvent) -> None:
    # Per list, not a suppression: see services/lists/unsubscribes.py.
    from sesdesk.services.lists.events import apply_subscription, read_subscription

    change = read_subscription(event.subscription)
    tagged = event.tags.get(TEAM_TAG, "")
    owner = int(tagged) if tagged.isdigit() else team_id
    if change is not None:
        emails = [_bare(r.email) for r in event.recipients if r.email]
        apply_subscription(session, owner, change, emails, event.occurred_at)


_EVENT_DEFAULTS: dict[str, Any] = {
    "recognised": True,
    "email_lower": None,
    "recipient_id": None,
    "broadcast_id": None,
    "ses_message_id": None,
    "bounce_type": None,
    "bounce_subtype": None,
    "detail": None,
    "occurred_at": None,
    "raw": None,
}


def _row(
    team_id: int,
    key: str,
    sns_message_id: str | None,
    event_type: str,
    now: datetime,
    **values: Any,
) -> dict[str, Any]:
    # Every row carries every column: one executemany for the whole batch.
    return {
        **_EVENT_DEFAULTS,
        "team_id": team_id,
        "dedupe_key": key,
        "sns_message_id": sns_message_id,
        "event_type": event_type,
        "received_at": now,
        **values,
    }
