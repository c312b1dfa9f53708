"""`sesdesk identity …` end to end: subprocesses against the local SES simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.config import database_url, paths
from sesdesk.models import Store
from sesdesk.services.mailers import save_mailer
from sesdesk.services.teams import create_team
from sesdesk.simulator import SesSimulator
from tests.postgres import database_env

REGION = "us-east-1"
__all__ = ["database_env"]  # a fixture
# Every test runs on SQLite and on PostgreSQL (SESDESK_DATABASE_URL, inherited by the CLI).
pytestmark = pytest.mark.usefixtures("database_env")


@pytest.fixture(scope="module")
def _sim_server() -> Iterator[SesSimulator]:
    simulator = SesSimulator(iam=True)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def sim(_sim_server: SesSimulator, monkeypatch: pytest.MonkeyPatch) -> SesSimulator:
    _sim_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", _sim_server.endpoint)
    return _sim_server


@pytest.fixture
def shared_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file keyring in this test's folder that the CLI subprocesses read too."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keyring.set_keyring(PlaintextKeyring())


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


def connected(sim: SesSimulator, home: Path, team: str = "acme") -> Any:
    """A team with a mailer in `home`'s store, keys in the shared keyring; returns the keys."""
    home.mkdir(parents=True, exist_ok=True)
    store = Store.open_configured(paths(home).database, database_url())
    try:
        keys = sim.create_user(f"user-{team}")
        facade = SesFacade(ClientFactory(REGION, keys, endpoint=sim.endpoint))
        created = create_team(store, team)
        save_mailer(store, created.id, region=REGION, keys=keys, caller=facade.caller_identity())
    finally:
        store.close()
    return keys


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "SESDESK_HOME": str(home)},
        timeout=60,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_add_list_records_then_verified(sim, home, shared_keyring):
    connected(sim, home)
    added = run_cli(home, "identity", "add", "--team", "acme", "bücher.example")
    assert added.returncode == 0, added.stderr
    assert "bücher.example (xn--bcher-kva.example)" in added.stdout
    assert "._domainkey.xn--bcher-kva.example" in added.stdout
    assert sim.identities() == {"xn--bcher-kva.example": "PENDING"}

    email = as_json(run_cli(home, "identity", "add", "--team", "acme", "me@acme.test", "--json"))
    assert email["status"] == "PENDING"
    assert "open the link AWS sent to me@acme.test (expires after 24 h)" in email["explanation"]

    listed = as_json(run_cli(home, "identity", "list", "--team", "acme", "--json"))
    assert [(i["name"], i["type"], i["status"]) for i in listed] == [
        ("me@acme.test", "email", "PENDING"),
        ("xn--bcher-kva.example", "domain", "PENDING"),
    ]
    for item in listed:
        assert {
            "name",
            "type",
            "status",
            "error_type",
            "verified_for_sending",
            "explanation",
        } <= set(item)

    records = as_json(
        run_cli(home, "identity", "records", "--team", "acme", "bücher.example", "--json")
    )
    dkim = [r for r in records if r["type"] == "CNAME"]
    assert len(dkim) == 3
    for record in records:
        assert {"type", "name", "value", "purpose", "status"} <= set(record)
        assert "dns" not in record
    for record in dkim:
        token = record["name"].split("._domainkey.")[0]
        assert record["name"] == f"{token}._domainkey.xn--bcher-kva.example"
        assert record["value"] == f"{token}.dkim.amazonses.com"
        assert record["status"] == "PENDING"
    assert any(r["type"] == "MX" and REGION in r["value"] for r in records)

    zone = run_cli(
        home, "identity", "records", "--team", "acme", "bücher.example", "--format", "zone"
    )
    assert zone.returncode == 0 and "IN\tCNAME\t" in zone.stdout

    sim.set_identity_status("xn--bcher-kva.example", "SUCCESS")
    assert run_cli(home, "poll", "--team", "acme").returncode == 0
    listed = as_json(run_cli(home, "identity", "list", "--team", "acme", "--json"))
    assert listed[1]["status"] == "SUCCESS"


def test_bad_input_exits_2_and_nothing_reaches_aws(sim, home, shared_keyring):
    connected(sim, home)
    for typed in ("localhost", "10.0.0.1", "*.acme.test", "bad_label.acme.test", "me@"):
        refused = run_cli(home, "identity", "add", "--team", "acme", typed)
        assert refused.returncode == 2, (typed, refused.stderr)
        assert typed in refused.stderr
    assert sim.identities() == {}


def test_no_mailer_exits_3_and_lost_access_exits_4(sim, home, shared_keyring):
    keys = connected(sim, home)
    assert run_cli(home, "team", "create", "bare").returncode == 0
    assert run_cli(home, "identity", "add", "--team", "bare", "acme.test").returncode == 3

    sim.revoke_key(keys.access_key_id)
    lost = run_cli(home, "identity", "add", "--team", "acme", "acme.test")
    assert lost.returncode == 4, lost.stderr
    status = as_json(run_cli(home, "status", "--team", "acme", "--json"))
    assert status["mailer"]["access"] == "lost"
    # The store still answers, without an error: a lost mailer is a state.
    assert as_json(run_cli(home, "identity", "list", "--team", "acme", "--json")) == []


def test_failed_retry_and_replace(sim, home, shared_keyring):
    connected(sim, home)
    first = as_json(run_cli(home, "identity", "add", "--team", "acme", "acme.test", "--json"))
    sim.set_identity_status("acme.test", "FAILED", error_type="INVALID_VALUE")
    assert run_cli(home, "poll", "--team", "acme").returncode == 0
    (failed,) = as_json(run_cli(home, "identity", "list", "--team", "acme", "--json"))
    assert (failed["status"], failed["error_type"]) == ("FAILED", "INVALID_VALUE")
    assert "not the one AWS asked for" in failed["explanation"]

    retried = as_json(run_cli(home, "identity", "retry", "--team", "acme", "acme.test", "--json"))
    assert retried["status"] == "PENDING"
    assert retried["records_changed"] is True
    assert {r["value"] for r in retried["records"]}.isdisjoint(
        {r["value"] for r in first["records"] if r["type"] == "CNAME"}
    )

    replaced = run_cli(home, "identity", "replace", "--team", "acme", "acme.test", "me@acme.test")
    assert replaced.returncode == 0, replaced.stderr
    assert sim.identities() == {"me@acme.test": "PENDING"}
    history = as_json(run_cli(home, "identity", "list", "--team", "acme", "--history", "--json"))
    assert [(i["name"], i["removed_at"] is not None) for i in history] == [
        ("acme.test", True),
        ("acme.test", True),
        ("me@acme.test", False),
    ]
    bad_new = run_cli(home, "identity", "replace", "--team", "acme", "me@acme.test", "no-tld")
    assert bad_new.returncode == 2
    assert sim.identities() == {"me@acme.test": "PENDING"}
