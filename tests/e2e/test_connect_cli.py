"""`sesdesk connect / reconnect / mailer delete` end to end: subprocesses against an
IAM-enforcing simulator served from this test process, with a file keyring in the test's folder.
Ends with a scan proving the secrets are in no file under SESDESK_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.permissions import all_actions
from sesdesk.simulator import SesSimulator


@pytest.fixture
def cli(tmp_path: Path, sim: SesSimulator) -> Any:
    """`cli(*args, stdin=None, keys=None)` runs `python -m sesdesk` in this test's world."""
    home = tmp_path / "home"
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    }
    base.update(
        SESDESK_HOME=str(home),
        AWS_ENDPOINT_URL=sim.endpoint,
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
    )

    def run(
        *args: str, stdin: str | None = None, keys: AwsKeys | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = dict(base)
        if keys is not None:
            env["AWS_ACCESS_KEY_ID"] = keys.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = keys.secret_access_key
        return subprocess.run(
            [sys.executable, "-m", "sesdesk", *args],
            capture_output=True,
            text=True,
            input=stdin if stdin is not None else "",
            env=env,
            timeout=90,
        )

    run.home = home  # type: ignore[attr-defined]
    return run


def _stdin(keys: AwsKeys) -> str:
    return f"{keys.access_key_id}\n{keys.secret_access_key}\n"


def test_connect_lose_access_reconnect_delete_and_no_secret_on_disk(
    cli: Any, sim: SesSimulator
) -> None:
    keys = sim.create_user("full", all_actions())
    assert cli("team", "create", "acme").returncode == 0

    connected = cli(
        "connect", "--team", "acme", "--region", "us-east-1", "--stdin", "--json",
        stdin=_stdin(keys),
    )  # fmt: skip
    assert connected.returncode == 0, connected.stderr
    doc = json.loads(connected.stdout)
    assert doc["account_id"] == "123456789012"
    assert doc["key_last4"] == keys.access_key_id[-4:]
    assert doc["permissions"]["missing"] == []

    status = cli("status", "--team", "acme", "--json")
    assert status.returncode == 0, status.stderr
    mailer = json.loads(status.stdout)["mailer"]
    assert mailer["access"] == "ok" and mailer["account_id"] == "123456789012"
    assert json.loads(status.stdout)["account"] is not None  # the first refresh ran

    again = cli("connect", "--team", "acme", "--region", "us-east-1", keys=keys)
    assert again.returncode == 3

    sim.revoke_key(keys.access_key_id)
    refreshed = cli("status", "--team", "acme", "--refresh", "--json")
    assert refreshed.returncode == 4
    assert json.loads(refreshed.stdout)["mailer"]["access"] == "lost"
    offline = cli("status", "--team", "acme", "--json")
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["mailer"]["access"] == "lost"

    stranger = sim.create_user("stranger", all_actions(), account_id="210987654321")
    refused = cli("reconnect", "--team", "acme", keys=stranger)
    assert refused.returncode == 4
    assert "210987654321" in refused.stderr and "new team" in refused.stderr

    new_keys = sim.issue_key("full")
    reconnected = cli("reconnect", "--team", "acme", "--stdin", stdin=_stdin(new_keys))
    assert reconnected.returncode == 0, reconnected.stderr
    after = json.loads(cli("status", "--team", "acme", "--json").stdout)["mailer"]
    assert after["access"] == "ok" and after["key_last4"] == new_keys.access_key_id[-4:]

    not_confirmed = cli("mailer", "delete", "--team", "acme")
    assert not_confirmed.returncode == 2 and "--yes" in not_confirmed.stderr

    # Every byte under SESDESK_HOME (database, -wal, logs, settings): no secret anywhere.
    secrets = [
        s.encode()
        for s in (keys.secret_access_key, new_keys.secret_access_key, stranger.secret_access_key)
    ]
    files = [p for p in cli.home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret not in content, f"a secret leaked into {path}"

    deleted = cli("mailer", "delete", "--team", "acme", "--yes", "--json")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout)["deleted"] is True
    gone = json.loads(cli("status", "--team", "acme", "--json").stdout)
    assert gone["mailer"] is None


def test_bad_input_and_missing_permissions(cli: Any, sim: SesSimulator) -> None:
    assert cli("team", "create", "acme").returncode == 0
    malformed = cli(
        "connect", "--team", "acme", "--region", "us-east-1", "--stdin",
        stdin="AKIA-not-a-key\nsecret\n",
    )  # fmt: skip
    assert malformed.returncode == 2
    assert "access key id" in malformed.stderr
    bad_region = cli("connect", "--team", "acme", "--region", "moon-1", "--stdin", stdin="")
    assert bad_region.returncode == 2 and "region" in bad_region.stderr
    no_keys = cli("connect", "--team", "acme", "--region", "us-east-1")
    assert no_keys.returncode == 2 and "AWS_ACCESS_KEY_ID" in no_keys.stderr

    unknown = cli(
        "connect", "--team", "acme", "--region", "us-east-1",
        keys=AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    )  # fmt: skip
    assert unknown.returncode == 4
    assert "does not know this access key id" in unknown.stderr

    weak = sim.create_user("ses-only", [a for a in all_actions() if not a.startswith("sns:")])
    lacking = cli("connect", "--team", "acme", "--region", "us-east-1", keys=weak)
    assert lacking.returncode == 4
    for action in ("sns:CreateTopic", "sns:GetTopicAttributes", "sns:Subscribe"):
        assert action in lacking.stderr
    listed = json.loads(cli("team", "list", "--json").stdout)
    assert listed[0]["has_mailer"] is False

    sim.set_unreachable(True)
    full = sim.create_user("full", all_actions())
    down = cli("connect", "--team", "acme", "--region", "us-east-1", keys=full)
    assert down.returncode == 5

    policy = cli("policy")
    assert policy.returncode == 0
    assert json.loads(policy.stdout)["Version"] == "2012-10-17"
