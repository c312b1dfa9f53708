"""Read-only snapshots of a team's stored state: what the dashboard and `status` show.

Everything here reads the local store only, so it works offline and with lost credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import or_, select

from sesdesk.errors import NotFound
from sesdesk.models import AccountStatus, Mailer, SenderIdentity, StatusEvent, Store, Team
from sesdesk.services.identity_status import Explanation, display_name, explain

_View = TypeVar("_View")


def from_row(view: type[_View], row: object, **computed: Any) -> _View:
    """The read model `view` (a dataclass) from `row`'s attributes of the same names; the
    fields that are not a plain copy come in `computed`."""
    copied = {
        field.name: getattr(row, field.name)
        for field in fields(view)  # type: ignore[arg-type]
        if field.name not in computed
    }
    return view(**copied, **computed)


@dataclass(frozen=True)
class MailerView:
    """The team's connection to SES, without any secret."""

    account_id: str
    region: str
    key_last4: str
    access: str  # a MailerAccess value
    access_reason: str | None
    last_checked: datetime | None
    offline_since: datetime | None = None
    is_root: bool = False


@dataclass(frozen=True)
class IdentityView:
    """A sender identity as last observed, with its state explained (`identity list` rows too)."""

    name: str
    kind: str
    status: str
    error_type: str | None
    verified_for_sending: bool = False
    dkim_tokens: tuple[str, ...] = ()
    created_at: datetime | None = None
    last_checked: datetime | None = None
    id: int = 0
    dkim_status: str | None = None
    removed_at: datetime | None = None

    @property
    def display(self) -> str:
        """The Unicode form of the name."""
        return display_name(self.name)

    @property
    def explanation(self) -> Explanation:
        """The status in words and the fix."""
        return explain(self.kind, self.name, self.status, self.error_type)

    def as_dict(self) -> dict[str, object]:
        """The `identity list --json` shape."""
        return {
            "name": self.name,
            "display": self.display,
            "type": self.kind,
            "status": self.status,
            "error_type": self.error_type,
            "verified_for_sending": self.verified_for_sending,
            "explanation": self.explanation.text,
            "dkim_status": self.dkim_status,
            "created_at": _iso(self.created_at),
            "last_checked": _iso(self.last_checked),
            "removed_at": _iso(self.removed_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def identity_view(row: SenderIdentity) -> IdentityView:
    """The read model of one stored identity row."""
    return from_row(IdentityView, row, dkim_tokens=tuple(row.dkim_tokens or ()))


@dataclass(frozen=True)
class AccountView:
    """Sandbox / production, review and quota as last observed."""

    production: bool
    review_status: str | None
    sending_enabled: bool
    max_24h: float
    sent_24h: float
    max_rate: float
    left_24h: float
    enforcement_status: str | None = None
    updated_at: datetime | None = None
    #: When the review was last seen turning PENDING (from the history), if it is pending.
    review_since: datetime | None = None
    review_case_id: str | None = None


@dataclass(frozen=True)
class TeamSnapshot:
    """Everything the gating rules and the dashboard need about one team."""

    team_id: int
    team_name: str
    mailer: MailerView | None
    account: AccountView | None
    identities: tuple[IdentityView, ...]


def load_snapshot(store: Store, team_id: int) -> TeamSnapshot:
    """The team's state from the store (no AWS call)."""
    with store.session() as session:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound("team", f"no team with id {team_id}")
        mailer = session.scalar(select(Mailer).where(Mailer.team_id == team_id))
        account = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
        review_since = None
        if account is not None and account.review_status == "PENDING":
            review_since = session.scalar(
                select(StatusEvent.at)
                .where(
                    StatusEvent.team_id == team_id,
                    StatusEvent.subject == "account",
                    StatusEvent.field == "review_status",
                    StatusEvent.new_value == "PENDING",
                )
                .order_by(StatusEvent.at.desc(), StatusEvent.id.desc())
                .limit(1)
            )
        identities = session.scalars(
            select(SenderIdentity)
            .where(SenderIdentity.team_id == team_id, SenderIdentity.removed_at.is_(None))
            .order_by(SenderIdentity.name)
        ).all()
        return TeamSnapshot(
            team_id=team.id,
            team_name=team.name,
            mailer=None if mailer is None else from_row(MailerView, mailer),
            account=None
            if account is None
            else from_row(
                AccountView,
                account,
                left_24h=max(0.0, account.max_24h - account.sent_24h),
                review_since=review_since,
            ),
            identities=tuple(identity_view(i) for i in identities),
        )


@dataclass(frozen=True)
class EventView:
    """One entry of a team's history of observed changes."""

    id: int
    at: datetime
    subject: str
    field: str
    old_value: str | None
    new_value: str | None
    message: str


HISTORY_LIMIT = 2000


def recent_events(
    store: Store,
    team_id: int,
    *,
    text: str = "",
    limit: int = HISTORY_LIMIT,
    newest: int | None = None,
) -> list[EventView]:
    """The team's newest status events first; `text` filters on subject or message.

    A text filter reads every event it passes; `newest` bounds it to the team's newest that
    many events (the history card's search), so it stays quick in a years-long history.
    """
    with store.session() as session:
        # Columns, not ORM objects: no identity map to fill for 500 rows.
        query = select(
            StatusEvent.id,
            StatusEvent.at,
            StatusEvent.subject,
            StatusEvent.field,
            StatusEvent.old_value,
            StatusEvent.new_value,
            StatusEvent.message,
        ).where(StatusEvent.team_id == team_id)
        if text.strip():
            pattern = f"%{text.strip()}%"
            if session.get_bind().dialect.name == "sqlite":
                # SQLite's LIKE already ignores (ASCII) case, as its lower() does; without
                # lower() on both columns the scan runs about three times faster.
                query = query.where(
                    or_(StatusEvent.subject.like(pattern), StatusEvent.message.like(pattern))
                )
            else:
                query = query.where(
                    or_(StatusEvent.subject.ilike(pattern), StatusEvent.message.ilike(pattern))
                )
            if newest is not None:
                oldest = session.scalar(
                    select(StatusEvent.at)
                    .where(StatusEvent.team_id == team_id)
                    .order_by(StatusEvent.at.desc(), StatusEvent.id.desc())
                    .offset(max(0, newest - 1))
                    .limit(1)
                )
                if oldest is not None:
                    query = query.where(StatusEvent.at >= oldest)
        rows = session.execute(
            query.order_by(StatusEvent.at.desc(), StatusEvent.id.desc()).limit(limit)
        ).all()
        return [EventView(**row._asdict()) for row in rows]


@dataclass(frozen=True)
class DaySends:
    """Recipients sent on one UTC day."""

    day: date
    sent: int


def daily_sends(
    store: Store, team_id: int, *, days: int = 14, today: date | None = None
) -> list[DaySends]:
    """Recipients sent per UTC day over the last `days` days, oldest first.

    The sending engine's per-day counter is the source (zero for days without sends); the
    dashboard charts them against the daily quota (AccountView.max_24h / sent_24h).
    """
    from sesdesk.models.sending import SendDay

    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    with store.session() as session:
        rows = session.execute(
            select(SendDay.day, SendDay.sent).where(
                SendDay.team_id == team_id, SendDay.day >= first, SendDay.day <= last
            )
        ).all()
    counts = {day: int(sent) for day, sent in rows}
    return [
        DaySends(day=day, sent=counts.get(day, 0))
        for day in (last - timedelta(days=offset) for offset in range(days - 1, -1, -1))
    ]
