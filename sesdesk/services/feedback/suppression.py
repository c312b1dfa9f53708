"""The team's suppression list as feedback keeps it: entries from bounces and complaints
(with the reason and what SES said), SES's account-level list merged in (`source: ses`), and
sesdesk's own entries written to SES (PutSuppressedDestination) so every tool on the account
honours them. Sends skip every address on the list (the engine's `_suppress_locally`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from sesdesk.aws.errors import AwsError
from sesdesk.aws.sending import SendingFacade
from sesdesk.errors import BadInput
from sesdesk.models import Store, Suppression, utcnow
from sesdesk.models.sending import SUPPRESSION_REASONS
from sesdesk.services.contacts import clean_email, require_team
from sesdesk.services.json_fields import json_fields

log = logging.getLogger(__name__)

LOCAL = "local"
SES = "ses"
# SES's account-level list knows only these two reasons.
TO_SES = {"bounce": "BOUNCE", "complaint": "COMPLAINT"}


def suppress_in_session(
    session: Any, team_id: int, email: str, reason: str, detail: str | None
) -> bool:
    """Add an address (lower case) inside an open session; False when already listed."""
    existing = session.scalar(
        select(Suppression).where(Suppression.team_id == team_id, Suppression.email_lower == email)
    )
    if existing is not None:
        if existing.source == SES:
            # Now sesdesk's own finding too: keep it even if SES's list drops it.
            existing.source, existing.detail = LOCAL, detail or existing.detail
        return False
    session.add(
        Suppression(
            team_id=team_id,
            email_lower=email,
            reason=reason,
            source=LOCAL,
            detail=detail,
            created_at=utcnow(),
        )
    )
    return True


@dataclass(frozen=True)
class SuppressionEntry:
    """One entry of `suppression list --json`."""

    email: str
    reason: str  # BOUNCE | COMPLAINT | UNSUBSCRIBE | MANUAL
    source: str  # local | ses
    detail: str | None
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The `--json` document's keys."""
        return json_fields(self)


def suppression_entries(store: Store, team_id: int) -> list[SuppressionEntry]:
    """The team's list, oldest first, reasons in SES's spelling."""
    with store.session() as session:
        rows = session.scalars(
            select(Suppression)
            .where(Suppression.team_id == team_id)
            .order_by(Suppression.created_at, Suppression.id)
        ).all()
        return [
            SuppressionEntry(r.email_lower, r.reason.upper(), r.source, r.detail, r.created_at)
            for r in rows
        ]


@dataclass(frozen=True)
class SyncResult:
    """What one exchange with SES's account-level list did."""

    added_from_ses: int
    removed_from_ses: int
    written_to_ses: int


def sync_with_ses(store: Store, team_id: int, sender: SendingFacade) -> SyncResult:
    """Merge SES's list in (paged) and write sesdesk's own bounce/complaint entries to it."""
    remote = {d.email.strip().lower(): d for d in sender.list_suppressed()}
    added = removed = 0
    with store.session() as session:
        rows = {
            r.email_lower: r
            for r in session.scalars(select(Suppression).where(Suppression.team_id == team_id))
        }
        for email, entry in remote.items():
            if email not in rows:
                reason = "complaint" if entry.reason.upper() == "COMPLAINT" else "bounce"
                session.add(
                    Suppression(
                        team_id=team_id,
                        email_lower=email,
                        reason=reason,
                        source=SES,
                        detail="on SES's account-level suppression list",
                        created_at=utcnow(),
                        synced_at=utcnow(),
                    )
                )
                added += 1
        for email, row in rows.items():
            if row.source == SES and email not in remote:
                # Taken off SES's list (in the console or by another tool): follow it.
                session.delete(row)
                removed += 1
        to_write = [
            (email, TO_SES[row.reason])
            for email, row in rows.items()
            if row.source == LOCAL
            and row.synced_at is None
            and row.reason in TO_SES
            and email not in remote
        ]
        already = [email for email, row in rows.items() if row.source == LOCAL and email in remote]
        for email in already:
            rows[email].synced_at = rows[email].synced_at or utcnow()
    written: list[str] = []
    for email, reason in to_write:
        try:
            sender.suppress(email, reason)
            written.append(email)
        except AwsError as exc:
            log.info("could not write %s to SES's suppression list: %s", email, exc.message)
            break
    if written:
        with store.session() as session:
            for row in session.scalars(
                select(Suppression).where(
                    Suppression.team_id == team_id, Suppression.email_lower.in_(written)
                )
            ):
                row.synced_at = utcnow()
    return SyncResult(added, removed, len(written))


# --------------------------------------------------------------------------- by hand


@dataclass(frozen=True)
class SuppressionInfo:
    """One address on the team's local suppression list."""

    email: str
    reason: str
    created_at: datetime


def suppress(store: Store, team_id: int, email: str, reason: str = "manual") -> bool:
    """Put an address on the team's suppression list; False when it was already there."""
    if reason not in SUPPRESSION_REASONS:
        raise BadInput("reason", f"must be one of {', '.join(SUPPRESSION_REASONS)}")
    address = clean_email(email)
    with store.session() as session:
        require_team(session, team_id)
        existing = session.scalar(
            select(Suppression).where(
                Suppression.team_id == team_id, Suppression.email_lower == address.lower()
            )
        )
        if existing is not None:
            return False
        session.add(Suppression(team_id=team_id, email_lower=address.lower(), reason=reason))
        return True


def unsuppress(store: Store, team_id: int, email: str) -> bool:
    """Take an address off the team's suppression list; False when it was not there."""
    with store.session() as session:
        gone = session.execute(
            delete(Suppression).where(
                Suppression.team_id == team_id,
                Suppression.email_lower == email.strip().lower(),
            )
        )
        return bool(getattr(gone, "rowcount", 0))


def list_suppressions(store: Store, team_id: int) -> list[SuppressionInfo]:
    """The team's suppression list, oldest first."""
    with store.session() as session:
        require_team(session, team_id)
        rows = session.scalars(
            select(Suppression)
            .where(Suppression.team_id == team_id)
            .order_by(Suppression.created_at, Suppression.id)
        ).all()
        return [SuppressionInfo(r.email_lower, r.reason, r.created_at) for r in rows]
