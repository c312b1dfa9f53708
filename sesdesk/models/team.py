"""A team: one project, one AWS account, at most one mailer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sesdesk.models.base import Base, utcnow

if TYPE_CHECKING:
    from sesdesk.models.account import AccountStatus
    from sesdesk.models.identity import SenderIdentity
    from sesdesk.models.mailer import Mailer


class Team(Base):
    """A workspace for one project / one AWS account. Names are unique, ignoring case."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NOCASE makes both the unique constraint and `Team.name == "Acme"` ignore ASCII case.
    name: Mapped[str] = mapped_column(String(200, collation="NOCASE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # passive_deletes: the database cascades; the ORM need not load children to delete them.
    mailer: Mapped[Mailer | None] = relationship(
        back_populates="team", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )
    identities: Mapped[list[SenderIdentity]] = relationship(
        back_populates="team",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SenderIdentity.id",
    )
    active_identities: Mapped[list[SenderIdentity]] = relationship(
        viewonly=True,
        primaryjoin="and_(SenderIdentity.team_id == Team.id, SenderIdentity.removed_at.is_(None))",
        order_by="SenderIdentity.id",
    )
    account: Mapped[AccountStatus | None] = relationship(
        back_populates="team", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )
    # No relationship to StatusEvent on purpose: the ORM would try to delete or orphan loaded
    # events, which the append-only triggers refuse. The database cascade removes them.

    def __repr__(self) -> str:
        return f"Team(id={self.id!r}, name={self.name!r})"
