"""The command line end to end, as a user or a script runs it (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import database_env

__all__ = ["database_env"]  # a fixture: these tests run on SQLite and on PostgreSQL
#: The tests that read or write records run on both backends; those about the SQLite file
#: itself (damaged, empty), the home folder or no records at all run once.
both = pytest.mark.usefixtures("database_env")


def run_cli(home: Path, *args: str, stdin: str | None = None, env: dict | None = None):
    environment = {**os.environ, "SESDESK_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=environment,
        timeout=60,
    )


@both
def test_team_create_and_list(tmp_path):
    home = tmp_path / "home"
    created = run_cli(home, "team", "create", "Acme")
    assert created.returncode == 0, created.stderr
    listed = run_cli(home, "team", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [t["name"] for t in json.loads(listed.stdout)] == ["Acme"]
    assert json.loads(listed.stdout)[0]["has_mailer"] is False
    # The records are where the URL says: with a server, no SQLite file appears.
    assert (home / "sesdesk.db").exists() is not bool(os.environ.get("SESDESK_DATABASE_URL"))


@both
def test_duplicate_team_is_bad_input(tmp_path):
    home = tmp_path / "home"
    assert run_cli(home, "team", "create", "Acme").returncode == 0
    again = run_cli(home, "team", "create", "acme")
    assert again.returncode == 2
    assert "name" in again.stderr and "already exists" in again.stderr
    assert "Traceback" not in again.stderr


@both
def test_status_of_team_without_mailer(tmp_path):
    home = tmp_path / "home"
    run_cli(home, "team", "create", "acme")
    status = run_cli(home, "status", "--team", "acme", "--json")
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    assert doc["team"] == "acme"
    assert doc["mailer"] is None
    assert all(not decision["allowed"] for decision in doc["can"].values())
    assert all(decision["reason"] for decision in doc["can"].values())


@both
def test_unknown_team_is_bad_input(tmp_path):
    result = run_cli(tmp_path / "home", "status", "--team", "nope")
    assert result.returncode == 2
    assert "team" in result.stderr


def test_bad_usage_exits_2(tmp_path):
    result = run_cli(tmp_path / "home", "team", "frobnicate")
    assert result.returncode == 2


def test_corrupt_database_is_a_clear_message_and_untouched(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    db = home / "sesdesk.db"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    result = run_cli(home, "team", "list")
    assert result.returncode == 6
    assert str(db) in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


def test_an_empty_database_file_is_damaged_not_a_fresh_start(tmp_path):
    home = tmp_path / "home"
    assert run_cli(home, "team", "create", "acme").returncode == 0
    db = home / "sesdesk.db"
    db.write_bytes(b"")  # truncated by a crash, a full disk or another program
    result = run_cli(home, "status", "--team", "acme")
    assert result.returncode == 6, result.stderr
    assert str(db) in result.stderr
    assert "empty" in result.stderr and "damaged" in result.stderr
    assert "no team called" not in result.stderr
    assert "Traceback" not in result.stderr
    assert db.stat().st_size == 0


@both
def test_no_keyring_is_an_environment_problem(tmp_path):
    home = tmp_path / "home"
    assert run_cli(home, "team", "create", "acme").returncode == 0
    result = run_cli(
        home,
        "connect",
        "--team",
        "acme",
        "--region",
        "us-east-1",
        env={
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never reached: refused before AWS
        },
    )
    assert result.returncode == 6, result.stderr
    assert "keyring" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_home_is_a_clear_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli(blocker, "team", "list")
    assert result.returncode == 6
    assert "SESDESK_HOME" in result.stderr
    assert "Traceback" not in result.stderr


def test_simulator_command_prints_its_endpoint_first(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sesdesk", "simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SESDESK_HOME": str(tmp_path / "home")},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("endpoint: http://127.0.0.1:")
        endpoint = first.split(" ", 1)[1]
        import boto3

        client = boto3.client(
            "sesv2",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="any-secret-works-without-iam",
        )
        account = client.get_account()
        assert account["ProductionAccessEnabled"] is False
        assert account["SendQuota"]["Max24HourSend"] == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert proc.returncode == 0


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help(tmp_path, argv):
    result = run_cli(tmp_path / "home", *argv)
    assert result.returncode == 0
    assert "sesdesk" in result.stdout


@both
def test_team_rename_and_delete(tmp_path):
    home = tmp_path / "home"
    assert run_cli(home, "team", "create", "Acme").returncode == 0
    renamed = run_cli(home, "team", "rename", "acme", "Acme Ltd")
    assert renamed.returncode == 0, renamed.stderr
    unconfirmed = run_cli(home, "team", "delete", "Acme Ltd")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert run_cli(home, "team", "delete", "Acme Ltd", "--yes").returncode == 0
    assert json.loads(run_cli(home, "team", "list", "--json").stdout) == []
