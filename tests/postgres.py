"""A real PostgreSQL server the tests start themselves, and one fresh database per test.

Debian's postgresql (scripts/dev.py installs it): `initdb` and `pg_ctl` run as the
`postgres` user when the tests run as root (initdb refuses root), in a temporary folder,
listening on 127.0.0.1 and a free port, trust authentication, fsync off. A template database
is migrated once; each test gets `CREATE DATABASE … TEMPLATE` it (a file copy: fast).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TEMPLATE = "sesdesk_template"
#: The store backends a parametrised test runs on; the PostgreSQL run is marked `postgresql`
#: (it needs the server this module starts), so `-m "not sim and not postgresql"` is the
#: quickest lane.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    # Debian keeps the server programs out of PATH.
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One throw-away PostgreSQL cluster: `start`, `create_database`, `url`, `stop`."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError(
                "PostgreSQL's initdb/pg_ctl are missing: run `python3 scripts/dev.py setup` "
                "(installs Debian's postgresql) or install PostgreSQL 15+"
            )
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="sesdesk-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        self._run(
            "initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) as the superuser."""
        import psycopg

        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, *, template: str | None = TEMPLATE) -> str:
        """A new database (a copy of the migrated template by default); its name."""
        name = f"t{os.getpid()}_{next(self._names)}"
        copy = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{copy}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop `name`, ending any connection still open to it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, with a migrated template database."""
    from sesdesk.models import Store

    server = PostgresServer()
    server.start()
    try:
        server.execute(f"CREATE DATABASE {TEMPLATE}")
        Store.open_url(server.url(TEMPLATE)).close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, migrated database of its own for this test."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(params=BACKENDS)
def database_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """Run the test once on SQLite and once on a fresh PostgreSQL database, named in this
    process's SESDESK_DATABASE_URL (the in-process CLI and every subprocess started with
    `os.environ` use it); the URL, or None for SQLite. Modules take it with
    `pytestmark = pytest.mark.usefixtures("database_env")` (or per test)."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("SESDESK_DATABASE_URL", url)
        return url
    monkeypatch.delenv("SESDESK_DATABASE_URL", raising=False)
    return None


def open_test_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A migrated, empty store on `backend` ("sqlite": a file under tmp_path)."""
    from sesdesk.models import Store

    if backend == "postgresql":
        return Store.open_url(request.getfixturevalue("postgres_url"))
    return Store.open(tmp_path / "sesdesk.db")
