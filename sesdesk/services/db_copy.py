"""Copy this desktop's records into an empty PostgreSQL database (`sesdesk db copy-to`).

The target is migrated to the same schema first, then every table is copied in dependency
order in one transaction (all of it lands, or nothing), the id sequences are moved past the
copied ids, and the row counts of both sides are compared. The database holds no secret
(keys stay in each desktop's keyring), so nothing secret can travel this way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text

from sesdesk.errors import BadInput, EnvironmentProblem
from sesdesk.models import Base, Store
from sesdesk.models.server import is_server, parse_database_url, redact_url

log = logging.getLogger(__name__)
BATCH = 2000


@dataclass(frozen=True)
class CopyResult:
    """Where the records went and how many rows each table holds there."""

    target: str
    counts: dict[str, int]


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
        }


def copy_to(source: Store, url: str) -> CopyResult:
    """Copy every record of `source` into the empty PostgreSQL database at `url`."""
    parsed = parse_database_url(url, source="URL")
    where = redact_url(parsed)
    if not is_server(parsed):
        raise BadInput("URL", f"{where} is not a PostgreSQL database (postgresql+psycopg://…)")
    if source.url is not None and source.url == parsed:
        raise BadInput("URL", f"{where} is where this desktop's records already are")
    target = Store.open_url(parsed)
    try:
        filled = {name: n for name, n in _counts(target).items() if n}
        if filled:
            names = ", ".join(f"{name} ({n})" for name, n in sorted(filled.items()))
            raise BadInput(
                "URL",
                f"the database {where} is not empty (it holds {names}); "
                "copy-to only fills an empty database",
            )
        expected = _counts(source)
        with source.engine.connect() as reading, target.engine.begin() as writing:
            for table in Base.metadata.sorted_tables:
                rows = reading.execution_options(yield_per=BATCH).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
                for batch in rows.mappings().partitions(BATCH):
                    writing.execute(insert(table), [dict(row) for row in batch])
                _reset_sequence(writing, table)
        copied = _counts(target)
        if copied != expected:
            wrong = [
                f"{t}: {expected[t]} → {copied.get(t)}"
                for t in expected
                if copied.get(t) != expected[t]
            ]
            raise EnvironmentProblem(f"The copy to {where} is incomplete ({'; '.join(wrong)}).")
        _vacuum_analyze(target)
        log.info("copied %d rows to %s", sum(copied.values()), where)
        return CopyResult(where, copied)
    finally:
        target.close()


def _vacuum_analyze(store: Store) -> None:
    """Give the planner statistics and the visibility map at once: until autovacuum gets
    round to the freshly copied tables, PostgreSQL plans their queries as if they were empty
    (a dashboard query over a million recipients took 450 ms instead of 8 ms)."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


def _reset_sequence(conn: object, table: object) -> None:
    """Move an integer primary key's sequence past the copied ids (new rows must not collide)."""
    columns = list(table.primary_key.columns)  # type: ignore[attr-defined]
    if len(columns) != 1 or columns[0].type.python_type is not int:
        return
    name, column = table.name, columns[0].name  # type: ignore[attr-defined]
    conn.execute(  # type: ignore[attr-defined]
        text(
            f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
            f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{name}" '
            f"WHERE pg_get_serial_sequence('{name}', '{column}') IS NOT NULL"
        )
    )


def check_database(url: str) -> str:
    """Connect to the database at `url` once (nothing is created or migrated) and say what
    answered; DatabaseUrlInvalid or DatabaseUnreachable otherwise."""
    from sqlalchemy import exc as sa_exc

    from sesdesk.models.server import server_engine, unreachable

    parsed = parse_database_url(url, source="Database URL")
    if not is_server(parsed):
        return f"SQLite file {parsed.database}"
    engine = server_engine(parsed)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
    except sa_exc.DBAPIError as exc:
        raise unreachable(parsed, exc) from None
    finally:
        engine.dispose()
    return f"PostgreSQL {version} at {redact_url(parsed)}"
