"""Sender identities: email addresses and domains, kept as history once removed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sesdesk.models.base import Base, utcnow
from sesdesk.models.states import IdentityStatus

if TYPE_CHECKING:
    from sesdesk.models.team import Team

KIND_EMAIL = "email"
KIND_DOMAIN = "domain"

# SES VerificationStatus values (aliases of the enum members).
PENDING = IdentityStatus.PENDING
SUCCESS = IdentityStatus.SUCCESS
FAILED = IdentityStatus.FAILED
TEMPORARY_FAILURE = IdentityStatus.TEMPORARY_FAILURE
NOT_STARTED = IdentityStatus.NOT_STARTED


class SenderIdentity(Base):
    """An SES email or domain identity of a team and its last known verification state.

    Retried or replaced identities get `removed_at` set instead of being deleted. Among the
    rows not removed, a name appears once per team, ignoring case.
    """

    __tablename__ = "sender_identity"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'domain')", name="kind"),
        Index(
            "uq_sender_identity_active_name",
            "team_id",
            "name",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    # NOCASE: domains and SES identities compare without regard to case.
    name: Mapped[str] = mapped_column(String(320, collation="NOCASE"))
    kind: Mapped[str] = mapped_column(String(16))
    # Not a CHECK: SES may add statuses, and the poller must still store what it saw.
    status: Mapped[str] = mapped_column(String(32), default=PENDING)
    verified_for_sending: Mapped[bool] = mapped_column(default=False)
    error_type: Mapped[str | None]
    dkim_status: Mapped[str | None]
    dkim_tokens: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_checked: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship(back_populates="identities")

    @property
    def is_active(self) -> bool:
        """True until the identity is retried, replaced or deleted."""
        return self.removed_at is None

    def __repr__(self) -> str:
        return (
            f"SenderIdentity(id={self.id!r}, team_id={self.team_id!r}, name={self.name!r}, "
            f"kind={self.kind!r}, status={self.status!r})"
        )
