"""The append-only history of every change sesdesk observed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from sesdesk.models.base import Base, utcnow


class StatusEvent(Base):
    """One observed change: `subject`'s `field` went from `old_value` to `new_value` at `at`.

    The database refuses UPDATE and DELETE on this table (triggers in migration 0001); the
    only way rows leave is the cascade when their team is deleted.
    """

    __tablename__ = "status_event"
    __table_args__ = (Index("ix_status_event_team_id_at_id", "team_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "mailer", "identity:acme.com", "account"
    subject: Mapped[str] = mapped_column(String(400))
    # "access", "status", "review_status"
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)

    @classmethod
    def record(
        cls,
        session: Session,
        team_id: int,
        subject: str,
        field: str,
        old: str | None,
        new: str | None,
        message: str,
        at: datetime | None = None,
    ) -> StatusEvent:
        """Add one event to `session` (written when the session commits) and return it."""
        event = cls(
            team_id=team_id,
            at=at if at is not None else utcnow(),
            subject=subject,
            field=field,
            old_value=old,
            new_value=new,
            message=message,
        )
        session.add(event)
        return event

    def __repr__(self) -> str:
        return (
            f"StatusEvent(id={self.id!r}, team_id={self.team_id!r}, at={self.at!r}, "
            f"subject={self.subject!r}, field={self.field!r}, {self.old_value!r} -> "
            f"{self.new_value!r})"
        )


#: Add one StatusEvent to a session and return it: the module-level name for `StatusEvent.record`.
record_event = StatusEvent.record
