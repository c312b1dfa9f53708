"""`sesdesk access draft` and `sesdesk access submit` end to end: `python -m sesdesk` subprocesses
against the simulator.

Setting up a connected team: until this file can use `sesdesk connect`, each test writes the
team and mailer straight into the test's SESDESK_HOME store in-process
(`services.mailers.save_mailer`), with the keys in keyrings.alt's PlaintextKeyring under a
per-test XDG_DATA_HOME. The subprocesses use that same backend (PYTHON_KEYRING_BACKEND) and
XDG_DATA_HOME, so they read the very keys the test stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.models import Store
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.teams import create_team
from sesdesk.simulator import SesSimulator
from tests.access_samples import written_text
from tests.postgres import database_env

REGION = "us-east-1"
__all__ = ["database_env"]  # a fixture
# Every test runs on SQLite and on PostgreSQL (SESDESK_DATABASE_URL, inherited by the CLI).
pytestmark = pytest.mark.usefixtures("database_env")
DOMAIN = "smartcart.app"
BACKEND = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture(scope="module")
def _cli_simulator() -> Iterator[SesSimulator]:
    sim = SesSimulator(iam=True)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def simulator(_cli_simulator: SesSimulator) -> SesSimulator:
    _cli_simulator.reset()
    return _cli_simulator


@pytest.fixture
def env(tmp_path, simulator, monkeypatch) -> dict[str, str]:
    """The subprocess environment; the same keyring backend is active in-process."""
    xdg = tmp_path / "xdg"
    values = {
        "SESDESK_HOME": str(tmp_path / "home"),
        "AWS_ENDPOINT_URL": simulator.endpoint,
        "PYTHON_KEYRING_BACKEND": BACKEND,
        "XDG_DATA_HOME": str(xdg),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    keyring.set_keyring(PlaintextKeyring())  # the autouse fixture restores the previous one
    return values


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **env},
        timeout=60,
    )


def _store(env: dict[str, str]) -> Store:
    """The records the CLI uses: the home's SQLite file, or the PostgreSQL database."""
    return Store.open_configured(
        Path(env["SESDESK_HOME"]) / "sesdesk.db", os.environ.get("SESDESK_DATABASE_URL")
    )


def connect(env: dict[str, str], simulator: SesSimulator, *, verify: bool = True) -> None:
    """Team "smartcart" with a mailer and the domain identity, written in-process."""
    keys = simulator.create_user("shop")
    facade = SesFacade(ClientFactory(REGION, keys, endpoint=simulator.endpoint))
    Path(env["SESDESK_HOME"]).mkdir(parents=True, exist_ok=True)
    with _store(env) as store:
        team = create_team(store, "smartcart")
        save_mailer(store, team.id, region=REGION, keys=keys, caller=facade.caller_identity())
        facade.create_identity(DOMAIN)
        if verify:
            simulator.set_identity_status(DOMAIN, "SUCCESS")
        refresh_team(store, team.id, facade)


def write_form(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "form.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def drafted(env: dict[str, str]) -> dict:
    result = run_cli(env, "access", "draft", "--team", "smartcart", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def filled_draft(env: dict[str, str]) -> dict:
    doc = drafted(env)
    return {**doc, "UseCaseDescription": written_text(doc["UseCaseDescription"])}


def test_draft_then_submit_then_status_shows_pending(tmp_path, env, simulator):
    connect(env, simulator)
    doc = drafted(env)
    for key in (
        "MailType",
        "WebsiteURL",
        "ContactLanguage",
        "UseCaseDescription",
        "AdditionalContactEmailAddresses",
    ):
        assert key in doc
    assert doc["MailType"] == "TRANSACTIONAL"
    assert doc["WebsiteURL"] == f"https://{DOMAIN}"
    assert doc["region"] == REGION and doc["ready"] is True
    assert doc["console_url"].startswith("https://us-east-1.console.aws.amazon.com/ses/")
    # The draft starts from the team's business and marks what only the user can write.
    assert {c["check"] for c in doc["checks"] if c["verdict"] == "block"} == {"placeholders"}
    doc["UseCaseDescription"] = written_text(doc["UseCaseDescription"])

    doc["AdditionalContactEmailAddresses"] = ["ops@smartcart.app"]
    submitted = run_cli(
        env,
        "access",
        "submit",
        "--team",
        "smartcart",
        "--form",
        str(write_form(tmp_path, doc)),
        "--json",
    )
    assert submitted.returncode == 0, submitted.stderr
    result = json.loads(submitted.stdout)
    assert result["review"] == "PENDING" and result["region"] == REGION
    details = simulator.account_status()["Details"]
    assert details["AdditionalContactEmailAddresses"] == ["ops@smartcart.app"]
    assert details["UseCaseDescription"] == doc["UseCaseDescription"]

    status = run_cli(env, "status", "--team", "smartcart", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["account"]["review"] == "PENDING"

    # The draft now comes from the request just made.
    assert drafted(env)["source"] == "last_request"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"MailType": "BULK"}, "MailType"),
        ({"WebsiteURL": "not a url"}, "WebsiteURL"),
        ({"ContactLanguage": "FR"}, "ContactLanguage"),
        ({"AdditionalContactEmailAddresses": ["nobody"]}, "AdditionalContactEmailAddresses"),
        ({"UseCaseDescription": "x" * 5001}, "UseCaseDescription"),
    ],
)
def test_bad_fields_exit_2_naming_the_field_and_send_nothing(
    tmp_path, env, simulator, change, field
):
    connect(env, simulator)
    doc = {**drafted(env), **change}
    result = run_cli(
        env, "access", "submit", "--team", "smartcart", "--form", str(write_form(tmp_path, doc))
    )
    assert result.returncode == 2, result.stderr
    assert field in result.stderr
    assert "Traceback" not in result.stderr
    assert "Details" not in simulator.account_status()


def test_unreadable_form_files_exit_2(tmp_path, env, simulator):
    connect(env, simulator)
    missing = run_cli(env, "access", "submit", "--team", "smartcart", "--form", "nope.json")
    assert missing.returncode == 2 and "--form" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = run_cli(env, "access", "submit", "--team", "smartcart", "--form", str(broken))
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_submit_without_verified_identity_exits_3_with_the_reason(tmp_path, env, simulator):
    connect(env, simulator, verify=False)
    doc = filled_draft(env)
    assert doc["ready"] is False
    doc["WebsiteURL"] = f"https://{DOMAIN}"
    result = run_cli(
        env, "access", "submit", "--team", "smartcart", "--form", str(write_form(tmp_path, doc))
    )
    assert result.returncode == 3, result.stderr
    assert "verif" in result.stderr and DOMAIN in result.stderr
    assert "Details" not in simulator.account_status()


def test_submit_with_revoked_keys_exits_4(tmp_path, env, simulator):
    connect(env, simulator)
    doc = filled_draft(env)
    # Revoke the mailer's key in the simulator: AWS no longer knows it.
    from sesdesk.aws import keychain
    from sesdesk.services.mailers import mailer_row

    with (
        _store(env) as store,
        store.session() as session,
    ):
        ref = mailer_row(session, 1).keyring_ref
    simulator.revoke_key(keychain.load_keys(ref).access_key_id)
    result = run_cli(
        env, "access", "submit", "--team", "smartcart", "--form", str(write_form(tmp_path, doc))
    )
    assert result.returncode == 4, result.stderr
    # The mailer is now marked lost: the next submit is refused before AWS (exit 3).
    again = run_cli(
        env, "access", "submit", "--team", "smartcart", "--form", str(write_form(tmp_path, doc))
    )
    assert again.returncode == 3, again.stderr
    assert "lost access" in again.stderr


def test_draft_human_output_has_the_console_path(env, simulator):
    connect(env, simulator)
    result = run_cli(env, "access", "draft", "--team", "smartcart")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "https://us-east-1.console.aws.amazon.com/ses/home?region=us-east-1#/account" in out
    assert "sandbox is per region" in out.lower()
    assert "Detailed enough" in out
