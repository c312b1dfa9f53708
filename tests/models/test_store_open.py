"""Opening the store: migrations from nothing, WAL, and refusing damaged or newer files."""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

import sesdesk.models
from sesdesk.errors import EnvironmentProblem
from sesdesk.models import (
    HEAD_REVISION,
    Base,
    DatabaseCorrupt,
    DatabaseProblem,
    DatabaseTooNew,
    Store,
    Team,
    record_event,
)
from sesdesk.models.store import MIGRATIONS_DIR

TABLES = {"team", "mailer", "sender_identity", "account_status", "status_event"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sidecars(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def _tables(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def _populated_db(path: Path, events: int = 0) -> Path:
    """A real, closed sesdesk database at `path` with one team and `events` history rows."""
    store = Store.open(path)
    with store.session() as session:
        team = Team(name="acme")
        session.add(team)
        session.flush()
        for number in range(events):
            record_event(
                session, team.id, "account", "sent", str(number), str(number + 1), "x" * 80
            )
    store.close()
    assert _sidecars(path) == []  # closing checkpointed the WAL and removed it
    return path


def test_head_revision_is_the_script_directory_head() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert script.get_heads() == [HEAD_REVISION]
    revisions = [rev.revision for rev in script.walk_revisions()]
    # Short sequential ids, one per file, each file named after its revision.
    assert revisions[::-1] == [f"{n:04d}" for n in range(1, len(revisions) + 1)]
    for rev in script.walk_revisions():
        assert Path(rev.path).name.startswith(f"{rev.revision}_")


@pytest.mark.parametrize("start", ["missing", "empty file sesdesk just created"])
def test_open_migrates_a_new_file_to_head(
    tmp_path: Path, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sesdesk.db"
    if start == "empty file sesdesk just created":
        # SQLite has created the file when the first connection's set-up fails: the file
        # stays empty, and opening it again in this run must carry on.
        def failing(*_: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr("sesdesk.models.store._on_connect", failing)
        with pytest.raises(DatabaseProblem):
            Store.open(path)
        monkeypatch.undo()
        assert path.exists() and path.stat().st_size == 0
    store = Store.open(path)
    try:
        assert store.path == path
        assert store.schema_revision() == HEAD_REVISION
        assert _tables(store) >= TABLES | {"alembic_version"}
        with store.engine.connect() as conn:
            triggers = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).all()
        assert {row[0] for row in triggers} == {"status_event_no_update", "status_event_no_delete"}
    finally:
        store.close()


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    # Every model module, exported or not, so no table escapes the comparison.
    for module in pkgutil.iter_modules(sesdesk.models.__path__):
        if module.name not in {"store", "migrations"}:
            importlib.import_module(f"sesdesk.models.{module.name}")
    store = Store.open(tmp_path / "sesdesk.db")
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    store = Store.open(tmp_path / "sesdesk.db")
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert _tables(store) & TABLES == set()
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _tables(store) >= TABLES
        assert store.schema_revision() == HEAD_REVISION
    finally:
        store.close()


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    path = _populated_db(tmp_path / "sesdesk.db", events=3)
    store = Store.open(path)
    try:
        assert store.schema_revision() == HEAD_REVISION
        with store.session() as session:
            assert session.scalars(select(Team.name)).all() == ["acme"]
    finally:
        store.close()


def test_wal_foreign_keys_and_busy_timeout_are_on(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "sesdesk.db")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        store.close()
    # WAL is a property of the file: a plain connection sees it too.
    plain = sqlite3.connect(tmp_path / "sesdesk.db")
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        plain.close()


def _assert_refused_untouched(
    path: Path, error: type[DatabaseProblem], *, expect: str = ""
) -> DatabaseProblem:
    before = _digest(path)
    with pytest.raises(error) as caught:
        Store.open(path)
    assert str(path) in caught.value.message
    assert caught.value.path == path
    assert expect in caught.value.message
    assert isinstance(caught.value, EnvironmentProblem)
    assert _digest(path) == before
    assert _sidecars(path) == []
    return caught.value


def test_random_bytes_are_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "sesdesk.db"
    path.write_bytes(os.urandom(8192))
    problem = _assert_refused_untouched(path, DatabaseCorrupt, expect="damaged")
    assert "not an SQLite database" in problem.message
    assert "untouched" in problem.hint


def test_an_empty_file_sesdesk_did_not_create_is_refused_and_left_alone(tmp_path: Path) -> None:
    # Opening it would silently start an empty store and hide every record the user had.
    path = tmp_path / "sesdesk.db"
    path.touch()
    problem = _assert_refused_untouched(path, DatabaseCorrupt, expect="damaged")
    assert "empty" in problem.message
    assert problem.exit_code == 6


def test_a_short_file_with_the_sqlite_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sesdesk.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20)
    _assert_refused_untouched(path, DatabaseCorrupt)


def test_a_truncated_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = _populated_db(tmp_path / "sesdesk.db", events=400)
    data = path.read_bytes()
    assert data[18:20] == b"\x02\x02"  # the header says WAL: a read would normally make -shm
    path.write_bytes(data[: len(data) // 2])
    _assert_refused_untouched(path, DatabaseCorrupt, expect="damaged")


def test_a_database_with_damaged_pages_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = _populated_db(tmp_path / "sesdesk.db", events=400)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Scribble over the b-tree headers of the last pages (the history's leaves).
    for page in range(len(data) // page_size - 4, len(data) // page_size):
        start = page * page_size
        data[start : start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    _assert_refused_untouched(path, DatabaseCorrupt)


def test_a_newer_revision_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = _populated_db(tmp_path / "sesdesk.db")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    assert _sidecars(path) == []
    problem = _assert_refused_untouched(path, DatabaseTooNew, expect="newer sesdesk")
    assert isinstance(problem, DatabaseTooNew)
    assert problem.revision == "9999"


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "sesdesk.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE team (id INTEGER PRIMARY KEY, colour TEXT)")
    conn.close()
    problem = _assert_refused_untouched(path, DatabaseProblem, expect="not a sesdesk database")
    assert not isinstance(problem, DatabaseCorrupt)


def _crashed_copy(tmp_path: Path, *, revision: str | None = None) -> Path:
    """A database and its -wal as a crash leaves them: the last commits only in the WAL."""
    live = tmp_path / "live" / "sesdesk.db"
    live.parent.mkdir()
    store = Store.open(live)
    try:
        with store.session() as session:
            session.add(Team(name="only in the wal"))
        if revision is not None:
            with store.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (revision,))
        crashed = tmp_path / "crashed" / "sesdesk.db"
        crashed.parent.mkdir()
        shutil.copy(live, crashed)
        shutil.copy(live.with_name("sesdesk.db-wal"), crashed.with_name("sesdesk.db-wal"))
    finally:
        store.close()
    return crashed


def test_a_database_left_by_a_crash_opens_with_the_data_in_its_wal(tmp_path: Path) -> None:
    path = _crashed_copy(tmp_path)
    store = Store.open(path)
    try:
        with store.session() as session:
            assert session.scalars(select(Team.name)).all() == ["only in the wal"]
    finally:
        store.close()
    assert _sidecars(path) == []


def test_a_refused_database_keeps_its_wal_as_it_was(tmp_path: Path) -> None:
    path = _crashed_copy(tmp_path, revision="9999")
    wal = path.with_name("sesdesk.db-wal")
    wal_before = _digest(wal)
    before = _digest(path)
    with pytest.raises(DatabaseTooNew, match="9999"):
        Store.open(path)
    assert _digest(path) == before
    assert _digest(wal) == wal_before
    assert _sidecars(path) == ["sesdesk.db-wal"]  # no -shm left behind either


def test_an_interrupted_migration_leaves_no_half_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command

    real_upgrade = command.upgrade

    def upgrade_then_fail(*args: object, **kwargs: object) -> None:
        real_upgrade(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("power cut")

    path = tmp_path / "sesdesk.db"
    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        Store.open(path)
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("SELECT name FROM sqlite_master").fetchall() == []
    finally:
        plain.close()
    monkeypatch.setattr(command, "upgrade", real_upgrade)
    store = Store.open(path)
    try:
        assert store.schema_revision() == HEAD_REVISION
    finally:
        store.close()


def test_an_unopenable_path_is_a_database_problem(tmp_path: Path) -> None:
    path = tmp_path / "no such folder" / "sesdesk.db"
    with pytest.raises(DatabaseProblem, match="cannot be opened") as caught:
        Store.open(path)
    assert str(path) in caught.value.message
    assert not path.parent.exists()


def test_writers_on_several_threads_all_land(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "sesdesk.db")
    try:
        with store.session() as session:
            team = Team(name="busy")
            session.add(team)
        team_id = team.id

        def write(worker: int) -> None:
            for number in range(20):
                with store.session() as session:
                    record_event(session, team_id, f"w{worker}", "n", None, str(number), "tick")

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write, range(4)))
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM status_event").scalar() == 80
    finally:
        store.close()


def test_in_memory_store_is_migrated_and_private() -> None:
    first, second = Store.in_memory(), Store.in_memory()
    try:
        assert first.path is None
        assert first.schema_revision() == HEAD_REVISION
        with first.session() as session:
            session.add(Team(name="only here"))
        with second.session() as session:
            assert session.scalars(select(Team)).all() == []
        with first.session() as session:
            assert session.scalars(select(Team.name)).all() == ["only here"]
    finally:
        first.close()
        second.close()
