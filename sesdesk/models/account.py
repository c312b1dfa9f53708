"""What SES said about the account: sandbox or production, review, sending, quota."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sesdesk.models.base import Base, utcnow

if TYPE_CHECKING:
    from sesdesk.models.team import Team


class AccountStatus(Base):
    """The last SESv2 GetAccount answer for a team's mailer (one row per team)."""

    __tablename__ = "account_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    production: Mapped[bool] = mapped_column(default=False)
    # PENDING | GRANTED | DENIED | FAILED, or None when no request was ever made.
    review_status: Mapped[str | None] = mapped_column(String(16))
    review_case_id: Mapped[str | None]
    sending_enabled: Mapped[bool] = mapped_column(default=True)
    # HEALTHY | PROBATION | SHUTDOWN
    enforcement_status: Mapped[str | None] = mapped_column(String(16))
    max_24h: Mapped[float] = mapped_column(default=0.0)
    sent_24h: Mapped[float] = mapped_column(default=0.0)
    max_rate: Mapped[float] = mapped_column(default=0.0)
    # MARKETING | TRANSACTIONAL as given in the production-access request (None: unknown).
    mail_type: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship(back_populates="account")

    @property
    def left_24h(self) -> float:
        """Recipients still allowed in the rolling 24 hours (never negative)."""
        return max(0.0, self.max_24h - self.sent_24h)

    def __repr__(self) -> str:
        return (
            f"AccountStatus(team_id={self.team_id!r}, production={self.production!r}, "
            f"review_status={self.review_status!r}, sent_24h={self.sent_24h!r}/"
            f"{self.max_24h!r})"
        )
