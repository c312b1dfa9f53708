"""End-to-end helpers: a simulator, and a connected team set up in-process for CLI subprocesses.

`connected_team(tmp_path, simulator)` writes a team, its mailer (keys in keyrings.alt's
PlaintextKeyring file under tmp_path) and verified identities into a fresh SESDESK_HOME, and
returns the environment a `python -m sesdesk …` subprocess needs to use the very same store,
keyring file and simulator. It does not change this process's environment; the keyring
backend it installs in-process is restored by tests/conftest.py's autouse fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from sesdesk.aws.clients import AwsKeys
from sesdesk.models import Store
from sesdesk.services.refresh import refresh_team
from sesdesk.simulator import SesSimulator
from tests.conftest import connected_team as team_with_mailer
from tests.postgres import BACKENDS

KEYRING_BACKEND = "keyrings.alt.file.PlaintextKeyring"
#: Where `connected_team` puts the records when not told: set by the `both_backends` fixture.
_DEFAULT_DATABASE_URL: str | None = None


@pytest.fixture(params=BACKENDS)
def both_backends(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Run the test's CLI once on SQLite and once on a fresh PostgreSQL database
    (`pytestmark = pytest.mark.usefixtures("both_backends")` in a module)."""
    global _DEFAULT_DATABASE_URL
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    _DEFAULT_DATABASE_URL = url
    try:
        yield url
    finally:
        _DEFAULT_DATABASE_URL = None


@dataclass
class ConnectedTeam:
    """A team with a mailer, ready for CLI subprocesses."""

    name: str
    team_id: int
    region: str
    home: Path
    env: dict[str, str]
    keys: AwsKeys
    user: str
    simulator: SesSimulator
    database_url: str | None = None  # records on this PostgreSQL database, not in home

    @property
    def database(self) -> Path:
        """The store file the subprocesses use."""
        return self.home / "sesdesk.db"

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The team's store, opened in this process."""
        with Store.open_configured(self.database, self.database_url) as store:
            yield store

    def run(
        self, *args: str, stdin: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """`python -m sesdesk ARGS` with this team's environment."""
        return run_cli(self.env, *args, stdin=stdin, timeout=timeout)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """`python -m sesdesk ARGS` started in the background (stdout/stderr piped)."""
        return subprocess.Popen(
            [sys.executable, "-m", "sesdesk", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_environment(self.env),
        )


def cli_environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment plus `env` (what a CLI subprocess gets)."""
    return {**os.environ, **env}


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `python -m sesdesk ARGS` and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=cli_environment(env),
        timeout=timeout,
    )


def plaintext_keyring(xdg_data_home: Path) -> PlaintextKeyring:
    """The PlaintextKeyring a subprocess with XDG_DATA_HOME=`xdg_data_home` reads."""
    backend = PlaintextKeyring()
    # The same file keyring's Linux data root gives a subprocess: $XDG_DATA_HOME/python_keyring.
    backend.file_path = str(xdg_data_home / "python_keyring" / backend.filename)
    return backend


def connected_team(
    tmp_path: Path,
    simulator: SesSimulator,
    *,
    name: str = "acme",
    region: str = "us-east-1",
    identities: Sequence[str] = ("acme.example",),
    verify: bool = True,
    production: bool = False,
    max_rate: float | None = None,
    max_24h: float | None = None,
    user: str = "sesdesk-e2e",
    database_url: str | None = None,
) -> ConnectedTeam:
    """Set up a connected team (and the simulator's account) for CLI subprocesses."""
    database_url = database_url or _DEFAULT_DATABASE_URL
    home = tmp_path / "home"
    xdg = tmp_path / "xdg"
    home.mkdir(parents=True, exist_ok=True)
    xdg.mkdir(parents=True, exist_ok=True)
    env = {
        "SESDESK_HOME": str(home),
        "AWS_ENDPOINT_URL": simulator.endpoint,
        "PYTHON_KEYRING_BACKEND": KEYRING_BACKEND,
        "XDG_DATA_HOME": str(xdg),
    }
    if database_url:
        env["SESDESK_DATABASE_URL"] = database_url
    keyring.set_keyring(plaintext_keyring(xdg))
    with _environment(PYTHON_KEYRING_BACKEND=KEYRING_BACKEND):
        team_id, keys = _set_up(
            simulator, home, name, region, identities, verify, production, max_rate, max_24h, user,
            database_url,
        )  # fmt: skip
    return ConnectedTeam(
        name=name,
        team_id=team_id,
        region=region,
        home=home,
        env=env,
        keys=keys,
        user=user,
        simulator=simulator,
        database_url=database_url,
    )


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    # sesdesk accepts keyrings.alt only when chosen on purpose through PYTHON_KEYRING_BACKEND.
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _set_up(
    simulator: SesSimulator,
    home: Path,
    name: str,
    region: str,
    identities: Sequence[str],
    verify: bool,
    production: bool,
    max_rate: float | None,
    max_24h: float | None,
    user: str,
    database_url: str | None = None,
) -> tuple[int, AwsKeys]:
    keys = simulator.create_user(user) if simulator.iam else _any_keys()
    if production:
        simulator.set_production(True, region=region)
    if max_rate is not None or max_24h is not None:
        simulator.set_quota(max_rate=max_rate, max_24h=max_24h, region=region)
    with Store.open_configured(home / "sesdesk.db", database_url) as store:
        team = team_with_mailer(store, simulator, name, keys=keys, region=region)
        for identity in identities:
            team.facade.create_identity(identity)
            if verify:
                simulator.set_identity_status(identity, "SUCCESS", region=region)
        refresh_team(store, team.team_id, team.facade)
    return team.team_id, keys


def _any_keys() -> AwsKeys:
    # Without IAM enforcement the simulator accepts any keys: AWS's documentation example.
    return AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
