"""Records on a database server (PostgreSQL): parse and check the URL, connect, migrate.

SQLite stays the default. With a server URL every desktop of a team reads and writes the
same records; secrets never go there (each desktop keeps its keys in its own keyring).
Messages show URLs with the password masked: a URL is never logged or printed whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url

from sesdesk.errors import BadInput, ServiceUnreachable

URL_VARIABLE = "SESDESK_DATABASE_URL"
CONNECT_TIMEOUT_S = 5
#: One key for pg_advisory_xact_lock: two desktops starting at once migrate one after the other.
MIGRATION_LOCK_KEY = 0x5E5DE5C
_POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg"}


class DatabaseUrlInvalid(BadInput):
    """The database URL cannot be used; the message names where it came from."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source


class DatabaseUnreachable(ServiceUnreachable):
    """The database server did not answer; the message has the reason, never the password."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            f"The database server {where} cannot be reached: {reason}",
        )
        self.where = where
        self.reason = reason


def redact_url(url: str | URL) -> str:
    """`url` as text with its password masked (unparseable text: only its scheme)."""
    try:
        parsed = url if isinstance(url, URL) else make_url(str(url))
    except (sa_exc.ArgumentError, ValueError):
        scheme = str(url).split(":", 1)[0] if ":" in str(url) else ""
        return f"{scheme}://***" if scheme else "***"
    return parsed.render_as_string(hide_password=True)


def parse_database_url(url: str, *, source: str = URL_VARIABLE) -> URL:
    """A SQLAlchemy URL for SQLite or PostgreSQL (driven by psycopg 3), or DatabaseUrlInvalid."""
    text_url = (url or "").strip()
    if not text_url:
        raise DatabaseUrlInvalid(source, "the URL is empty")
    try:
        parsed = make_url(text_url)
    except (sa_exc.ArgumentError, ValueError):
        raise DatabaseUrlInvalid(
            source,
            f"{redact_url(text_url)} is not a database URL "
            "(expected e.g. postgresql+psycopg://user@host/dbname)",
        ) from None
    scheme = parsed.drivername
    if scheme == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise DatabaseUrlInvalid(
                source, "a SQLite URL must name a file (sqlite:////path/to.db)"
            )
        return parsed
    if scheme not in _POSTGRES_SCHEMES:
        raise DatabaseUrlInvalid(
            source,
            f"{scheme!r} is not supported; use postgresql+psycopg://… (or leave {URL_VARIABLE} "
            "unset for this desktop's own SQLite file)",
        )
    if not parsed.database:
        raise DatabaseUrlInvalid(source, f"{redact_url(parsed)} names no database")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise DatabaseUrlInvalid(source, f"port {parsed.port} is out of range")
    return parsed.set(drivername="postgresql+psycopg")


def is_server(url: URL) -> bool:
    """Whether `url` points at a database server (not a SQLite file)."""
    return url.get_backend_name() == "postgresql"


def server_engine(url: URL) -> Engine:
    """An engine for `url` that checks each pooled connection before use (a restarted server
    or a dropped network is noticed and the connection replaced, not handed out broken)."""
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "sesdesk"},
    )


def unreachable(url: URL, error: BaseException) -> DatabaseUnreachable:
    """A DatabaseUnreachable for `error` with the reason, the password masked."""
    orig = getattr(error, "orig", None) or error
    reason = " ".join(str(orig).split()) or type(orig).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return DatabaseUnreachable(redact_url(url), reason)


def is_connection_error(error: BaseException) -> bool:
    """Whether `error` says the server went away (not a constraint or a bad query)."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    orig = getattr(error, "orig", None)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency
        return False
    return isinstance(orig, psycopg.OperationalError) and not isinstance(
        orig, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable
    )


def table_names(engine: Engine) -> list[str]:
    """The tables in the database's default schema."""
    return sorted(inspect(engine).get_table_names())


def read_revision(conn: Any) -> tuple[list[str], set[str]]:
    """(revisions in alembic_version, other table names) of a server database."""
    tables = set(inspect(conn).get_table_names())
    revisions: list[str] = []
    if "alembic_version" in tables:
        revisions = [
            row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
        ]
    return revisions, tables - {"alembic_version"}
