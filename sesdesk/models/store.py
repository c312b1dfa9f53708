"""The local SQLite store: checks the file, migrates it, and hands out one session per operation.

`Store.open` looks at an existing file read-only first. A file that is not SQLite, fails
``PRAGMA quick_check`` or carries a schema revision this version does not know is refused
with a message naming it, and is left exactly as it was (no write, no -wal/-shm beside it).
Only then is it opened for writing, switched to WAL and migrated to `HEAD_REVISION`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import URL, create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from sesdesk.diskspace import disk_full, free_bytes, is_disk_full
from sesdesk.errors import EnvironmentProblem
from sesdesk.models import server

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _head_revision() -> str:
    """The newest revision, from the file names: "0002_access.py" holds revision "0002".

    Reading names costs one directory listing, so start-up can tell "up to date" without
    importing Alembic. A test keeps this equal to Alembic's own head.
    """
    numbers = [
        entry.name[:4]
        for entry in (MIGRATIONS_DIR / "versions").iterdir()
        if entry.suffix == ".py" and entry.name[:4].isdigit()
    ]
    return max(numbers)


HEAD_REVISION = _head_revision()
BUSY_TIMEOUT_MS = 5000

_SQLITE_HEADER = b"SQLite format 3\x00"
_SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")
_MOVE_ASIDE = (
    "sesdesk left the file untouched. Move it aside (or restore a backup) and start sesdesk "
    "again to begin with an empty database."
)


class DatabaseProblem(EnvironmentProblem):
    """The database file cannot be used; the message names the file."""

    def __init__(self, path: Path | None, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.path = path


class DatabaseCorrupt(DatabaseProblem):
    """The file is not an SQLite database or is damaged. It was left untouched."""

    def __init__(self, path: Path | None, detail: str) -> None:
        where = f"The sesdesk database {path}" if path else "The sesdesk database"
        super().__init__(
            path, f"{where} is damaged and cannot be used ({detail}).", hint=_MOVE_ASIDE
        )
        self.detail = detail


class DatabaseTooNew(DatabaseProblem):
    """The file's schema revision is unknown here: a newer sesdesk wrote it. Left untouched."""

    def __init__(self, path: Path | str, revision: str) -> None:
        super().__init__(
            path if isinstance(path, Path) else None,
            f"The sesdesk database {path} was written by a newer sesdesk "
            f"(schema {revision}; this version knows up to {HEAD_REVISION}).",
            hint="Run the newer sesdesk again, or choose another folder with SESDESK_HOME. "
            "sesdesk left the file untouched.",
        )
        self.revision = revision


def _is_corruption(error: BaseException | None) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in _SIDECAR_SUFFIXES]


def _known_revisions() -> set[str]:
    """Every revision in the migration scripts (imports Alembic: only on the slow path)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return {rev.revision for rev in script.walk_revisions()}


#: Database files this process created. SQLite writes a new file's first page as soon as it
#: switches to WAL, so an empty file sesdesk did not just create was truncated or damaged:
#: opening it would silently start an empty store and hide every record the user had.
_CREATED_HERE: set[Path] = set()


def _inspect_existing(path: Path) -> str | None:
    """Look at `path` without changing it: its schema revision (None: new), or raise."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DatabaseProblem(
            path, f"The sesdesk database {path} cannot be read: {exc.strerror}."
        ) from None
    if not header:
        if path.resolve() in _CREATED_HERE:
            return None
        raise DatabaseCorrupt(path, "the file is empty: 0 bytes")
    if len(header) < 100 or not header.startswith(_SQLITE_HEADER):
        raise DatabaseCorrupt(path, "it is not an SQLite database")

    existing = {p for p in _sidecars(path) if p.exists()}
    wal = path.with_name(path.name + "-wal")
    # An empty -wal holds no frames (a clean close, or a reader on a full disk left it).
    has_wal = wal in existing and wal.stat().st_size > 0
    # immutable=1 reads the file as it stands and creates nothing beside it. When a -wal file
    # is already there (a crash, or sesdesk running elsewhere) its frames belong to the data,
    # so read through it instead.
    query = "mode=ro" if has_wal else "mode=ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?{query}"
    rejected = True
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            revision = _read_revision(path, conn)
        finally:
            conn.close()
        if revision not in (None, HEAD_REVISION) and revision not in _known_revisions():
            raise DatabaseTooNew(path, str(revision))
        rejected = False
    except sqlite3.DatabaseError as exc:
        if _is_corruption(exc):
            raise DatabaseCorrupt(path, str(exc)) from None
        raise DatabaseProblem(path, f"The sesdesk database {path} cannot be read: {exc}.") from None
    finally:
        if rejected:
            # A read-only look at a WAL file may still have made a -shm: leave no trace.
            for sidecar in _sidecars(path):
                if sidecar not in existing:
                    with contextlib.suppress(OSError):
                        sidecar.unlink()

    return revision


#: quick_check reads every page (seconds for a store of a million contacts): bigger files are
#: opened on their schema alone, and a damaged page is reported as DatabaseCorrupt when read.
QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024


def _read_revision(path: Path, conn: sqlite3.Connection) -> str | None:
    if path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            raise DatabaseCorrupt(path, "; ".join(str(row[0]) for row in rows[:3]))
    tables = {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not row[0].startswith("sqlite_")
    }
    revisions: list[str] = []
    if "alembic_version" in tables:
        revisions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    if not revisions and tables - {"alembic_version"}:
        raise DatabaseProblem(
            path,
            f"{path} is not a sesdesk database (it holds other tables).",
            hint="Choose another folder with SESDESK_HOME. sesdesk left the file untouched.",
        )
    if len(revisions) > 1:
        # Our history is linear: several heads mean someone else's branches.
        raise DatabaseTooNew(path, ", ".join(sorted(revisions)))
    return revisions[0] if revisions else None


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection settings: SQLite forgets these when a connection closes."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # FULL syncs the WAL on every commit: a power cut never forgets a recipient marked sent.
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


class Store:
    """One SQLite database: an engine, migrated to `HEAD_REVISION`, and its sessions."""

    def __init__(self, engine: Engine, path: Path | None, url: URL | None = None) -> None:
        self.engine = engine
        self.path = path
        self.url = url  # the server's URL (records shared by several desktops), else None
        self.full_disk = False  # opened read-only because the disk was full
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Check, then open `path` (created if missing) in WAL mode, migrated to head."""
        path = Path(path)
        revision = _inspect_existing(path)
        if revision is None and not path.exists():
            _CREATED_HERE.add(path.resolve())
        engine = create_engine(
            URL.create("sqlite", database=str(path)),
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _on_connect)
        store = cls(engine, path)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
            store._migrate(revision)
        except sa_exc.DBAPIError as exc:
            engine.dispose()
            if _is_corruption(exc.orig):
                raise DatabaseCorrupt(path, str(exc.orig)) from None
            if is_disk_full(exc) or (revision == HEAD_REVISION and free_bytes(path.parent) == 0):
                if revision != HEAD_REVISION:
                    raise disk_full(path.parent) from None
                # No room even for SQLite's shared-memory file: still let people read.
                return cls._open_reading_only(path)
            raise DatabaseProblem(
                path, f"The sesdesk database {path} cannot be opened: {exc.orig}."
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def open_url(cls, url: str | URL, *, source: str = server.URL_VARIABLE) -> Store:
        """Open the database at `url`: a SQLite file as `open` does, or a PostgreSQL server,
        migrated to head. Bad URL: DatabaseUrlInvalid (naming `source`); no answer from the
        server: DatabaseUnreachable with the reason. Nothing is created on this disk."""
        parsed = url if isinstance(url, URL) else server.parse_database_url(url, source=source)
        if not server.is_server(parsed):
            return cls.open(Path(str(parsed.database)))
        engine = server.server_engine(parsed)
        store = cls(engine, None, parsed)
        try:
            store._migrate_server()
        except sa_exc.OperationalError as exc:
            engine.dispose()
            raise server.unreachable(parsed, exc) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def open_configured(cls, path: Path, url: str | None) -> Store:
        """The server at `url` when one is configured, else the SQLite file at `path`."""
        return cls.open_url(url) if url else cls.open(path)

    def _migrate_server(self) -> None:
        """Check a server database's revision, then upgrade it to head in one transaction."""
        assert self.url is not None
        where = server.redact_url(self.url)
        with self.engine.connect() as conn:
            # Two desktops starting at once: the second waits, then finds the schema at head.
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": server.MIGRATION_LOCK_KEY}
            )
            revisions, others = server.read_revision(conn)
            if not revisions and others:
                raise DatabaseProblem(
                    None,
                    f"The database {where} is not a sesdesk database (it holds other tables: "
                    f"{', '.join(sorted(others)[:5])}).",
                    hint=f"Give {server.URL_VARIABLE} an empty database of its own.",
                )
            if len(revisions) > 1 or (
                revisions
                and revisions[0] != HEAD_REVISION
                and revisions[0] not in _known_revisions()
            ):
                raise DatabaseTooNew(where, ", ".join(sorted(revisions)))
            if revisions != [HEAD_REVISION]:
                # Alembic only when there is something to migrate: importing it costs a
                # tenth of a second or more of every start.
                from alembic import command
                from alembic.config import Config

                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS_DIR))
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            conn.commit()

    @classmethod
    def _open_reading_only(cls, path: Path) -> Store:
        """`path` opened read-only, for a disk too full to open it for writing: reads work
        (SQLite keeps its WAL index in memory), and any write is a DiskFull."""
        wal = path.with_name(path.name + "-wal")
        try:
            settled = wal.stat().st_size == 0
        except FileNotFoundError:
            settled = True
        # With an empty WAL every page is in the file itself, and on a full disk nothing can
        # be writing more: read it as it stands, which needs no shared-memory file.
        uri = f"{path.resolve().as_uri()}?{'mode=ro&immutable=1' if settled else 'mode=ro'}"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            ),
        )
        store = cls(engine, path)
        store.full_disk = True
        return store

    @classmethod
    def in_memory(cls) -> Store:
        """A migrated private in-memory database on one shared connection (for tests)."""
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        event.listen(engine, "connect", _on_connect)
        store = cls(engine, None)
        store._migrate(None)
        return store

    def _migrate(self, revision: str | None) -> None:
        """Upgrade to head in one transaction: all of it applies, or none."""
        if revision == HEAD_REVISION:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.connect() as conn:
            # SQLite's DDL is transactional, but pysqlite only opens transactions before DML:
            # begin explicitly (IMMEDIATE: take the write lock now, so two starts serialize).
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one operation: commits on success, rolls back on any error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except sa_exc.DBAPIError as exc:
                session.rollback()
                if self.url is not None and server.is_connection_error(exc):
                    # pool_pre_ping replaces the dead connection on the next session.
                    self.engine.pool.dispose()
                    raise server.unreachable(self.url, exc) from exc
                if _is_corruption(exc.orig):
                    raise DatabaseCorrupt(self.path, str(exc.orig)) from exc
                if self.path is not None and (self.full_disk or is_disk_full(exc)):
                    raise disk_full(self.path.parent) from exc
                raise
            except BaseException:
                session.rollback()
                raise

    def schema_revision(self) -> str | None:
        """The revision recorded in alembic_version, or None for an unmigrated database."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    @property
    def is_shared(self) -> bool:
        """Whether the records live on a server that other desktops may use too."""
        return self.url is not None

    @property
    def where(self) -> str:
        """Where the records are, for messages: the file, or the server URL (password masked)."""
        if self.url is not None:
            return server.redact_url(self.url)
        return str(self.path) if self.path else ":memory:"

    def close(self) -> None:
        """Close every pooled connection (the last one checkpoints and removes the -wal)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.where})"
