"""One refresh of a team's state from AWS into the store: the unit the poller repeats.

A cycle costs a handful of calls — GetAccount, ListEmailIdentities, and GetEmailIdentity only
for identities that are not settled yet — and appends every observed change to the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sesdesk.aws.errors import AwsError, Throttled, Unreachable
from sesdesk.aws.ses import AccountInfo, IdentityDetail, SesFacade
from sesdesk.models import (
    AccountStatus,
    SenderIdentity,
    StatusEvent,
    Store,
    record_event,
    utcnow,
)
from sesdesk.models.states import IdentityStatus, MailerAccess
from sesdesk.services.identity_status import record_status, retire_identity
from sesdesk.services.mailers import mailer_row, open_mailer, set_access, watching_access
from sesdesk.services.mailers import mark_lost as mark_lost  # re-exported: callers use it here

SETTLED = {IdentityStatus.SUCCESS, IdentityStatus.FAILED}


@dataclass(frozen=True)
class ObservedChange:
    """One change a refresh recorded in the history (a copy of its StatusEvent)."""

    subject: str
    field: str
    old: str | None
    new: str | None
    message: str
    at: datetime


def _observed(event: StatusEvent) -> ObservedChange:
    return ObservedChange(
        event.subject, event.field, event.old_value, event.new_value, event.message, event.at
    )


@dataclass
class RefreshResult:
    """What one refresh saw."""

    changes: list[str] = field(default_factory=list)
    anything_pending: bool = False
    events: list[ObservedChange] = field(default_factory=list)
    #: How many AWS calls the cycle made (GetAccount + List + one Get per unsettled identity).
    calls: int = 0


def refresh_team(store: Store, team_id: int, facade: SesFacade | None = None) -> RefreshResult:
    """Read the account and identities from AWS and record what changed.

    Authentication failures mark the mailer lost and are re-raised; network failures record
    "offline since" and are re-raised. The store keeps the last known state either way.
    """
    ses = facade or open_mailer(store, team_id)
    try:
        with watching_access(store, team_id):
            account = ses.get_account()
            listed = ses.list_identities()
            known = _known_identities(store, team_id)
            to_detail = [
                item.name
                for item in listed
                if item.status not in SETTLED
                or item.name.lower() not in known
                or known[item.name.lower()].status != item.status
            ]
            details = {name: ses.get_identity(name) for name in to_detail}
    except (Unreachable, Throttled) as exc:
        mark_offline(store, team_id, exc)
        raise
    except AwsError:
        raise

    now = utcnow()
    result = RefreshResult(calls=2 + len(details))
    events: list[StatusEvent] = []
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is not None:
            if mailer.access != MailerAccess.OK:
                message = "AWS accepts the mailer's keys again."
                events.append(set_access(session, mailer, MailerAccess.OK, message, now))
            if mailer.offline_since is not None:
                events.append(
                    record_event(
                        session,
                        team_id,
                        "mailer",
                        "network",
                        "offline",
                        "online",
                        "AWS can be reached again.",
                        at=now,
                    )
                )
                mailer.offline_since = None
            mailer.last_checked = now
        events += _record_account(session, team_id, account, now)
        events += _record_identities(session, team_id, listed, details, now)
        result.events = [_observed(event) for event in events]
        result.changes = [change.message for change in result.events]
        result.anything_pending = account.review_status == "PENDING" or any(
            item.status not in SETTLED for item in listed
        )
    return result


@dataclass(frozen=True)
class _Known:
    status: str


def _known_identities(store: Store, team_id: int) -> dict[str, _Known]:
    with store.session() as session:
        rows = session.execute(
            select(SenderIdentity.name, SenderIdentity.status).where(
                SenderIdentity.team_id == team_id, SenderIdentity.removed_at.is_(None)
            )
        ).all()
    return {name.lower(): _Known(status) for name, status in rows}


def mark_offline(store: Store, team_id: int, error: AwsError, at: datetime | None = None) -> bool:
    """Remember since when AWS has been unreachable (first failure only); True if news."""
    now = at or utcnow()
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is not None and mailer.offline_since is None:
            mailer.offline_since = now
            record_event(
                session,
                team_id,
                "mailer",
                "network",
                "online",
                "offline",
                f"AWS could not be reached: {error.message}",
                at=now,
            )
            return True
    return False


def _record_account(
    session: Session, team_id: int, info: AccountInfo, now: datetime
) -> list[StatusEvent]:
    row = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
    changes: list[StatusEvent] = []
    if row is None:
        row = AccountStatus(team_id=team_id)
        session.add(row)
        changes.append(
            record_event(
                session,
                team_id,
                "account",
                "production",
                None,
                "production" if info.production else "sandbox",
                f"Account is in {'production' if info.production else 'the sandbox'} "
                f"({info.max_24h:g} a day, {info.max_rate:g} a second).",
                at=now,
            )
        )
    else:
        # (field, changed, old, new, message) for each account fact AWS may change.
        facts = (
            (
                "production",
                row.production != info.production,
                "production" if row.production else "sandbox",
                "production" if info.production else "sandbox",
                "Production access granted: you can send to anyone."
                if info.production
                else "The account is back in the sandbox.",
            ),
            (
                "review_status",
                row.review_status != info.review_status,
                row.review_status,
                info.review_status,
                f"Production-access review is now {info.review_status or 'none'}.",
            ),
            (
                "sending_enabled",
                row.sending_enabled != info.sending_enabled,
                str(row.sending_enabled).lower(),
                str(info.sending_enabled).lower(),
                "AWS resumed sending for the account."
                if info.sending_enabled
                else "AWS paused sending for the account.",
            ),
            (
                "quota",
                (row.max_24h, row.max_rate) != (info.max_24h, info.max_rate),
                f"{row.max_24h:g}/day {row.max_rate:g}/s",
                f"{info.max_24h:g}/day {info.max_rate:g}/s",
                f"Sending quota is now {info.max_24h:g} a day, {info.max_rate:g} a second.",
            ),
        )
        changes.extend(
            record_event(session, team_id, "account", field, old, new, message, at=now)
            for field, changed, old, new, message in facts
            if changed
        )
    row.production = info.production
    row.review_status = info.review_status
    row.review_case_id = info.review_case_id
    row.sending_enabled = info.sending_enabled
    row.enforcement_status = info.enforcement_status
    row.max_24h, row.sent_24h, row.max_rate = info.max_24h, info.sent_24h, info.max_rate
    # The production-access request's mail type decides whether a broadcast is marketing.
    row.mail_type = info.mail_type or row.mail_type
    row.updated_at = now
    return changes


def _record_identities(
    session: Session,
    team_id: int,
    listed: list,  # type: ignore[type-arg]
    details: dict[str, IdentityDetail],
    now: datetime,
) -> list[StatusEvent]:
    changes: list[StatusEvent] = []
    rows = {
        row.name.lower(): row
        for row in session.scalars(
            select(SenderIdentity).where(
                SenderIdentity.team_id == team_id, SenderIdentity.removed_at.is_(None)
            )
        )
    }
    seen: set[str] = set()
    for item in listed:
        key = item.name.lower()
        seen.add(key)
        detail = details.get(item.name)
        status = detail.status if detail else item.status
        row = rows.get(key)
        if row is None:
            row = SenderIdentity(
                team_id=team_id, name=item.name, kind=item.kind, status=status, created_at=now
            )
            session.add(row)
            changes.append(
                record_status(
                    session,
                    team_id,
                    item.name,
                    None,
                    status,
                    f"Sender identity {item.name} found in SES ({status}).",
                    at=now,
                )
            )
        elif row.status != status:
            changes.append(
                record_status(
                    session,
                    team_id,
                    item.name,
                    row.status,
                    status,
                    _identity_change_message(item.name, status, detail),
                    at=now,
                )
            )
        row.status = status
        if detail is not None:
            row.verified_for_sending = detail.verified_for_sending
            row.error_type = detail.error_type
            row.dkim_status = detail.dkim_status
            if detail.dkim_tokens:
                row.dkim_tokens = list(detail.dkim_tokens)
        elif status == IdentityStatus.SUCCESS:
            row.verified_for_sending = True
        row.last_checked = now
        row.updated_at = now
    for key, row in rows.items():
        if key not in seen:
            changes.append(
                retire_identity(
                    session,
                    row,
                    "REMOVED",
                    f"Sender identity {row.name} no longer exists in SES.",
                    at=now,
                )
            )
    return changes


def _identity_change_message(name: str, status: str, detail: IdentityDetail | None) -> str:
    if status == IdentityStatus.SUCCESS:
        return f"{name} is verified: you can send from it."
    if status == IdentityStatus.FAILED:
        why = f" ({detail.error_type})" if detail and detail.error_type else ""
        return f"Verification of {name} failed{why}: retry or replace it."
    if status == IdentityStatus.TEMPORARY_FAILURE:
        return f"AWS could not check {name} for now; it will try again."
    return f"{name} is now {status}."
