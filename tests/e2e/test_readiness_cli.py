"""`sesdesk readiness` and `sesdesk mail-from setup` end to end: subprocesses against the
IAM-enforcing simulator and a DNS server of our own on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.e2e.conftest import ConnectedTeam, connected_team

DOMAIN = "acme.example"
CODES = ["dkim", "mail_from", "dmarc", "one_click", "complaint_rate", "free_mail"]


@pytest.fixture
def team(tmp_path, sim) -> ConnectedTeam:
    return connected_team(tmp_path, sim, identities=(DOMAIN,))


def _dns_args(port: int, timeout: str = "15") -> list[str]:
    # What the check says is tested with a generous --timeout (a loaded CI machine must not
    # turn answers into "could not check"); the timing test keeps the default.
    args = ["--nameserver", "127.0.0.1", "--port", str(port)]
    return [*args, "--timeout", timeout] if timeout else args


def test_json_shape_then_mail_from_set_up_and_published(team, dns_server) -> None:
    result = team.run("readiness", "--team", "acme", "--json", *_dns_args(dns_server.port))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["from"] == DOMAIN  # never sent: the verified domain is the sender
    assert [check["code"] for check in document["checks"]] == CODES
    for check in document["checks"]:
        assert set(check) >= {"code", "ok", "message", "fix"}
        assert check["ok"] in (True, False, None)
        assert isinstance(check["message"], str) and check["message"]
    by_code = {check["code"]: check for check in document["checks"]}
    assert by_code["dkim"]["ok"] is True
    assert by_code["mail_from"]["ok"] is False and "MAIL FROM" in by_code["mail_from"]["fix"]

    setup = team.run("mail-from", "setup", "--team", "acme", DOMAIN, "--json")
    assert setup.returncode == 0, setup.stderr
    records = json.loads(setup.stdout)["records"]
    assert {(r["type"], r["name"]) for r in records} == {
        ("MX", f"mail.{DOMAIN}"),
        ("TXT", f"mail.{DOMAIN}"),
    }
    for record in records:
        value = record["value"]
        dns_server.add(
            record["name"],
            record["type"],
            f"10 {value}." if record["type"] == "MX" else f'"{value}"',
        )
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject"')
    team.simulator.set_mail_from_status(DOMAIN, "SUCCESS")
    again = team.run(
        "readiness", "--team", "acme", "--from", f"news@{DOMAIN}", "--json",
        *_dns_args(dns_server.port),
    )  # fmt: skip
    checks = {c["code"]: c["ok"] for c in json.loads(again.stdout)["checks"]}
    assert checks["mail_from"] is True and checks["dmarc"] is True


def test_human_output_marks_each_check_and_exits_0_on_failures(team, dns_server) -> None:
    result = team.run("readiness", "--team", "acme", *_dns_args(dns_server.port))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith("✓ dkim:") for line in lines)
    assert any(line.strip().startswith("✗ mail_from:") for line in lines)
    assert any(line.strip().startswith("? complaint_rate:") for line in lines)
    assert any("→ Set up MAIL FROM" in line for line in lines)
    assert any(f"sesdesk mail-from setup --team 'acme' {DOMAIN}" in line for line in lines)


def test_dns_unreachable_is_null_within_three_seconds(team) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # takes the queries, never answers
    try:
        started = time.monotonic()
        result = team.run(
            "readiness", "--team", "acme", "--from", f"news@{DOMAIN}", "--json",
            *_dns_args(silent.getsockname()[1], timeout=""),
        )  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    checks = {c["code"]: c for c in document["checks"]}
    assert checks["dmarc"]["ok"] is None
    assert "Could not check" in checks["dmarc"]["message"]
    assert document["seconds"] < 3.0  # the check itself
    assert elapsed < 3.0 + 3.0  # plus the interpreter's start on a busy 2-core machine


@pytest.mark.parametrize(
    ("typed", "words"),
    [("not-an-address", "from:"), ("a b@acme.example", "from:"), ("x@", "from:")],
)
def test_bad_from_exits_2_naming_the_field(team, typed, words) -> None:
    result = team.run("readiness", "--team", "acme", "--from", typed, "--json")
    assert result.returncode == 2
    assert words in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("timeout", ["0", "nan", "61", "soon"])
def test_bad_timeout_exits_2(team, timeout) -> None:
    result = team.run("readiness", "--team", "acme", "--timeout", timeout)
    assert result.returncode == 2
    assert "--timeout" in result.stderr


def test_bad_mail_from_subdomain_exits_2_and_sets_nothing(team) -> None:
    result = team.run(
        "mail-from", "setup", "--team", "acme", DOMAIN, "--subdomain", "mail.other.example"
    )
    assert result.returncode == 2
    assert "mail_from:" in result.stderr
    from sesdesk.aws.clients import ClientFactory
    from sesdesk.aws.ses import SesFacade

    facade = SesFacade(ClientFactory(team.region, team.keys, endpoint=team.simulator.endpoint))
    assert facade.get_identity(DOMAIN).mail_from_domain is None
