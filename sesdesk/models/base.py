"""The declarative base, the naming convention and the UTC timestamp type every model uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Float, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Named constraints: SQLite can only change a table by copying it (Alembic's batch mode),
# and that needs every constraint to have a stable name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


# Row ids are 64-bit in SQLite and 32-bit (INTEGER) in PostgreSQL, which refuses a bigger
# number bound to an id column as an error rather than matching nothing.
_MAX_ID = {"postgresql": 2**31 - 1}
MAX_ID_SQLITE = 2**63 - 1


def id_fits(session: Any, value: int) -> bool:
    """True when `value` can be a row id in the session's database (else no row has it)."""
    bind = session.get_bind()
    return 0 < value <= _MAX_ID.get(bind.dialect.name, MAX_ID_SQLITE)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as timezone-aware UTC.

    Naive datetimes are refused: a naive value is a bug waiting to show the wrong hour.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Mark the stored naive UTC value as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """The declarative base of every sesdesk table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # float: FLOAT, as migration 0001 wrote it (SQLAlchemy 2.1 would otherwise say DOUBLE).
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), float: Float()}
