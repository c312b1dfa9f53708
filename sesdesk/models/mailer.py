"""A team's connection to SES. The secret lives in the OS keyring, never here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sesdesk.models.base import Base, utcnow
from sesdesk.models.states import MailerAccess

if TYPE_CHECKING:
    from sesdesk.models.team import Team

ACCESS_OK = MailerAccess.OK
ACCESS_LOST = MailerAccess.LOST
ACCESS_UNKNOWN = MailerAccess.UNKNOWN
ACCESS_VALUES: tuple[str, ...] = tuple(MailerAccess)


class Mailer(Base):
    """AWS account id, region, which keyring entry holds the keys, and whether they still work.

    `team_id` is UNIQUE: at most one mailer per team, enforced by the database.
    """

    __tablename__ = "mailer"
    __table_args__ = (CheckConstraint("access IN ('ok', 'lost', 'unknown')", name="access"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    key_last4: Mapped[str] = mapped_column(String(4))
    # The keyring entry's name: a random uuid hex, neither the secret nor the key id.
    keyring_ref: Mapped[str] = mapped_column(String(64), unique=True)
    access: Mapped[str] = mapped_column(String(16), default=ACCESS_UNKNOWN)
    access_reason: Mapped[str | None]
    access_changed_at: Mapped[datetime | None]
    last_checked: Mapped[datetime | None]
    offline_since: Mapped[datetime | None]
    arn: Mapped[str | None]
    is_root: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="mailer")

    def __repr__(self) -> str:
        # Only what the UI shows anyway: never the keyring ref next to a key fragment in logs.
        return (
            f"Mailer(id={self.id!r}, team_id={self.team_id!r}, account_id={self.account_id!r}, "
            f"region={self.region!r}, access={self.access!r})"
        )
