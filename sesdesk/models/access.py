"""Production-access requests: every one sesdesk submitted or prepared for the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sesdesk.models.base import Base, utcnow

VIA_API = "api"
VIA_CONSOLE = "console"


class AccessRequest(Base):
    """One production-access request (SESv2 PutAccountDetails) as the user prepared it.

    `via` says whether sesdesk submitted it (api) or the user copied it into the SES console
    (console). `outcome` is the review status (PENDING, GRANTED, DENIED, FAILED) last seen
    for it, filled in later from GetAccount.
    """

    __tablename__ = "access_request"
    __table_args__ = (CheckConstraint("via IN ('api', 'console')", name="via"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for a console export: only the user knows when they pressed Submit there.
    submitted_at: Mapped[datetime | None]
    # Sandbox status is per region: a request only ever concerns the region it was made in.
    region: Mapped[str | None] = mapped_column(String(32))
    mail_type: Mapped[str] = mapped_column(String(16))
    website_url: Mapped[str] = mapped_column(String(1000))
    contact_language: Mapped[str] = mapped_column(String(2), default="EN")
    use_case_description: Mapped[str] = mapped_column(Text)
    additional_contacts: Mapped[list[str] | None] = mapped_column(JSON)
    # The guided composer's answers, so a denied request reopens exactly as it was written.
    composer_answers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    via: Mapped[str] = mapped_column(String(16), default=VIA_API)
    case_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return (
            f"AccessRequest(id={self.id!r}, team_id={self.team_id!r}, via={self.via!r}, "
            f"mail_type={self.mail_type!r}, outcome={self.outcome!r})"
        )
