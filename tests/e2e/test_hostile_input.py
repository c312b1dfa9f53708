"""Hostile input on the command line: exit 2 naming the field, never a traceback, nothing
stored or sent (subprocesses, as a script or an attacker runs them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sesdesk.services import access
from sesdesk.simulator import SesSimulator
from tests.e2e.conftest import ConnectedTeam, connected_team
from tests.postgres import database_env

__all__ = ["database_env"]  # a fixture
#: Tests that look at stored records run on SQLite and on PostgreSQL; those refused by the
#: argument parser before any store is opened run once.
both = pytest.mark.usefixtures("database_env")


def run(home: Path, *args: str | bytes, env: dict[str, str] | None = None):
    """`python -m sesdesk ARGS`; bytes arguments reach argv exactly as given."""
    return subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        capture_output=True,
        env={**os.environ, "SESDESK_HOME": str(home), **(env or {})},
        timeout=60,
    )


def team_names(home: Path) -> list[str]:
    listed = run(home, "team", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return [team["name"] for team in json.loads(listed.stdout)]


def refused(result: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle.lower() in stderr.lower(), stderr
    return stderr


@both
@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (b"bad\xffname", "UTF-8"),
        (b"\xc3\x28", "UTF-8"),
        ("abc\u202egpj.exe".encode(), "U+202E"),
        ("\u2066x\u2069".encode(), "U+2066"),
        ("\u200b\u200b\u200b".encode(), "no visible characters"),
        ("\ufeff".encode(), "no visible characters"),
        (b"ac\x7fme", "U+007F"),
        (b"\x1b[2Jcleared", "U+001B"),
        (b"x" * 101, "at most"),
    ],
    ids=[
        "invalid utf-8",
        "bad sequence",
        "rlo",
        "isolate",
        "zero-width",
        "bom",
        "del",
        "esc",
        "long",
    ],
)
def test_hostile_team_names_exit_2_and_store_nothing(
    tmp_path: Path, name: bytes, rule: str
) -> None:
    home = tmp_path / "home"
    refused(run(home, "team", "create", name), rule, "name")
    assert team_names(home) == []

    assert run(home, "team", "create", "Acme").returncode == 0
    refused(run(home, "team", "rename", "Acme", name), rule, "name")
    assert team_names(home) == ["Acme"]


@both
def test_an_undecodable_team_option_exits_2_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "team", "create", "Acme").returncode == 0
    refused(run(home, "status", "--team", b"Acme\xff"), "--team", "UTF-8")


@pytest.mark.parametrize(
    "value", [str(2**63), str(2**64 + 5), "9" * 40, "0", "-1", "1e3", "\u0661\u0662"]
)
@pytest.mark.parametrize("command", ["status", "send", "cancel"])
def test_out_of_range_broadcast_ids_exit_2_naming_the_argument(
    tmp_path: Path, command: str, value: str
) -> None:
    result = run(tmp_path / "home", "broadcast", command, "--team", "acme", value)
    refused(result, "BROADCAST_ID")


def test_the_largest_id_is_accepted_by_the_parser(tmp_path: Path, database_env: str | None) -> None:
    # PostgreSQL's ids are 32-bit: a bigger one matches no row there, it is not an error.
    home = tmp_path / "home"
    assert run(home, "team", "create", "acme").returncode == 0
    result = run(home, "broadcast", "status", "--team", "acme", str(2**63 - 1))
    stderr = refused(result, "broadcast")
    assert "BROADCAST_ID" not in stderr  # parsed; then simply not found


@pytest.fixture
def team(tmp_path: Path, sim: SesSimulator, both_backends: str | None) -> ConnectedTeam:
    """A connected team whose records are on SQLite, then on PostgreSQL (`both_backends`)."""
    return connected_team(tmp_path, sim, database_url=both_backends)


def good_form() -> dict[str, object]:
    form, _ = access.form_from_template("otp", website_url="https://acme.example")
    return form.to_document()


def submit(team: ConnectedTeam, form_file: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sesdesk",
            *("access", "submit", "--team", team.name),
            "--form",
            str(form_file),
        ],
        capture_output=True,
        env={**os.environ, **team.env},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested far too deeply"),
        (b'{"a":' * 40_000 + b"1" + b"}" * 40_000, "nested far too deeply"),
        (b'{"MailType": "TRANSACTIONAL", "WebsiteURL": "\xff\xfe"}', "not UTF-8"),
        (b"[1, 2, 3]", "must be a JSON object"),
        (b'"just a string"', "must be a JSON object"),
        (b'{"UseCaseDescription": "' + b"x" * 2_000_000 + b'"}', "too big"),
    ],
    ids=["deep list", "deep object", "not utf-8", "a list", "a string", "huge"],
)
def test_hostile_form_files_exit_2_and_send_nothing(
    team: ConnectedTeam, sim: SesSimulator, tmp_path: Path, content: bytes, rule: str
) -> None:
    form_file = tmp_path / "form.json"
    form_file.write_bytes(content)
    refused(submit(team, form_file), "--form", rule)
    assert "Details" not in sim.account_status()


@pytest.mark.parametrize(
    ("description", "rule"),
    [
        ("\x00" * 200, "NUL"),
        ("x", "one character repeated"),
        ("x" * 300, "one character repeated"),
        ("We send codes\x1b[2J to customers who sign up, 100 a day.", "U+001B"),
        ("Transactional OTP codes for customers.", "Only 5 words"),
    ],
    ids=["nul bytes", "x", "x repeated", "control characters", "five words"],
)
def test_unreadable_use_case_descriptions_are_never_submitted(
    team: ConnectedTeam, sim: SesSimulator, tmp_path: Path, description: str, rule: str
) -> None:
    form_file = tmp_path / "form.json"
    form_file.write_text(json.dumps({**good_form(), "UseCaseDescription": description}))
    refused(submit(team, form_file), "UseCaseDescription", rule)
    assert "Details" not in sim.account_status()


@pytest.mark.parametrize("value", [str(2**64), "65536", "-1"])
def test_out_of_range_ports_exit_2_naming_the_option(tmp_path: Path, value: str) -> None:
    refused(run(tmp_path / "home", "simulator", "--port", value), "--port")
    records = run(
        tmp_path / "home", "identity", "records", "--team", "acme", "acme.example", "--port", value
    )
    refused(records, "--port")
