"""Bulk writes of new contacts for CSV import, skipping addresses the list already holds.

SQLite: one compiled INSERT … ON CONFLICT DO NOTHING fed to the driver's executemany.
PostgreSQL: each batch is COPYed into a temporary table, then moved into `contact` by one
INSERT … SELECT … ON CONFLICT DO NOTHING: executemany runs the INSERT once per row, where COPY
streams the batch and the server moves it in one statement.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import sqlite

from sesdesk.models.sending import SUBSCRIBED, Contact


def count_contacts(session: Any, list_id: int) -> int:
    """How many contacts the list holds (an index-only count)."""
    return int(
        session.scalar(select(func.count()).select_from(Contact).where(Contact.list_id == list_id))
    )


_IMPORT_COLUMNS = ("list_id", "email", "email_lower", "name", "status", "created_at")

#: One row of a batch: (email as written, email lower-cased, name or None).
Row = tuple[str, str, str | None]


class ContactWriter(Protocol):
    """Writes batches of new contacts into one list, inside the caller's transaction."""

    def write(self, batch: list[Row]) -> None:
        """Insert the rows in order; an address the list (or an earlier row) holds is skipped."""


def contact_writer(session: Any, list_id: int, now: datetime) -> ContactWriter:
    """The fastest writer the session's database offers."""
    if session.connection().dialect.name == "postgresql":
        return CopyContactWriter(session, list_id, now)
    return NewContactWriter(session, list_id, now)


def _created_at(connection: Any, now: datetime) -> Any:
    """`now` as the driver takes it for `contact.created_at` (converted once per import)."""
    dialect = connection.dialect
    table = cast(Table, Contact.__table__)
    convert = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    return convert(now) if convert else now


class NewContactWriter:
    """SQLite: writes batches of new contacts, skipping addresses the list already holds.

    The statement is compiled once and the batch goes to the driver's executemany as it is:
    only `created_at` needs converting, and it is the same for every row, so it is converted
    once (per-row parameter processing was a third of a million-row import).
    """

    def __init__(self, session: Any, list_id: int, now: datetime) -> None:
        table = cast(Table, Contact.__table__)
        self.connection = session.connection()
        dialect = self.connection.dialect
        values: dict[str, Any] = {name: bindparam(name) for name in _IMPORT_COLUMNS}
        keys = ["list_id", "email_lower"]
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing(index_elements=keys)
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Positional drivers (sqlite3: ?) take tuples in the compiled order; named ones dicts.
        self.order = list(compiled.positiontup or []) if dialect.positional else None
        self.fixed = {"list_id": list_id, "status": SUBSCRIBED}
        self.fixed["created_at"] = _created_at(self.connection, now)

    def write(self, batch: list[Row]) -> None:
        """Insert (email, email_lower, name) rows; duplicates of the list are skipped."""
        rows = [
            {**self.fixed, "email": email, "email_lower": lowered, "name": name}
            for email, lowered, name in batch
        ]
        if self.order is not None:
            order = self.order
            self.connection.exec_driver_sql(
                self.sql, [tuple(row[key] for key in order) for row in rows]
            )
        else:
            self.connection.exec_driver_sql(self.sql, rows)


# The staging table lives in this session's temporary schema and goes at commit or rollback,
# so two imports (on two connections) never see each other's rows.
_STAGE = "sesdesk_contact_import"
_CREATE_STAGE = (
    f"CREATE TEMPORARY TABLE {_STAGE} (seq integer NOT NULL, email text NOT NULL, "
    "email_lower text NOT NULL, name text) ON COMMIT DROP"
)
_COPY = f"COPY {_STAGE} (seq, email, email_lower, name) FROM STDIN"
# ORDER BY seq: within a batch the first row of an address wins, as it does row by row.
_MOVE = (
    "INSERT INTO contact (list_id, email, email_lower, name, status, created_at) "
    f"SELECT %s, email, email_lower, name, %s, %s FROM {_STAGE} ORDER BY seq "
    "ON CONFLICT (list_id, email_lower) DO NOTHING"
)
_EMPTY = f"TRUNCATE {_STAGE}"


class CopyContactWriter:
    """PostgreSQL: COPY a batch into a temporary table, then INSERT … SELECT it into the list.

    It works on the session's own psycopg connection, inside the session's transaction: the
    import stays all-or-nothing. Driver errors are raised as SQLAlchemy's DBAPIError, as a
    statement through the session would raise them (the store turns a lost server into its
    offline error).
    """

    def __init__(self, session: Any, list_id: int, now: datetime) -> None:
        connection = session.connection()
        self.connection = connection
        self.raw = connection.connection.driver_connection
        self.params = (list_id, SUBSCRIBED, _created_at(connection, now))
        with self._cursor(_CREATE_STAGE) as cursor:
            cursor.execute(_CREATE_STAGE)

    @contextlib.contextmanager
    def _cursor(self, sql: str) -> Iterator[Any]:
        import psycopg

        try:
            with self.raw.cursor() as cursor:
                yield cursor
        except psycopg.Error as exc:
            # What SQLAlchemy does for its own statements: a connection the server dropped is
            # invalidated, so the rollback that follows does not try to use it.
            lost = self.connection.dialect.is_disconnect(exc, self.raw, None)
            if lost:
                self.connection.invalidate(exc)
            raise sa_exc.DBAPIError.instance(
                sql, None, exc, psycopg.Error, connection_invalidated=lost
            ) from exc

    def write(self, batch: list[Row]) -> None:
        """Insert (email, email_lower, name) rows; duplicates of the list are skipped."""
        with self._cursor(_COPY) as cursor, cursor.copy(_COPY) as copy:
            for seq, row in enumerate(batch):
                copy.write_row((seq, *row))
        with self._cursor(_MOVE) as cursor:
            cursor.execute(_MOVE, self.params)
            cursor.execute(_EMPTY)
