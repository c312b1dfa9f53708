"""The CLI never signs with someone else's AWS credentials (subprocesses, IAM simulator).

The mailer's keyring entry is removed while another AWS account's keys sit in
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, in ~/.aws/credentials (a temporary HOME) under the
profile AWS_PROFILE names, and behind a config file's credential_process. Every command that
would call AWS exits 4, the mailer is recorded lost with the reason, and the simulator's IAM
saw no request signed with any of those keys (moto records each access key's last use).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from sesdesk.aws import keychain
from sesdesk.models import StatusEvent
from sesdesk.services.mailers import KEYS_MISSING, mailer_row
from sesdesk.simulator import SesSimulator
from tests.ambient import OTHER_ACCOUNT, forget_key_use, used_keys, write_ambient_credentials
from tests.e2e.conftest import connected_team

# The CLI runs once on SQLite and once on PostgreSQL (tests/postgres.py).
pytestmark = pytest.mark.usefixtures("both_backends")


def _ambient_env(base: dict[str, str], sim: SesSimulator, tmp_path: Path) -> tuple[dict, Path]:
    env_keys = sim.create_user("someone-else", account_id=OTHER_ACCOUNT)
    profile_keys = sim.create_user("profile-user", account_id=OTHER_ACCOUNT)
    home = tmp_path / "user-home"
    marker = tmp_path / "credential_process-ran"
    write_ambient_credentials(home, profile_keys, marker)
    env = {**os.environ, **base}
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(name, None)  # tests/conftest.py points them at /dev/null: use ~/.aws here
    env.update(
        HOME=str(home),
        AWS_PROFILE="other-work",
        AWS_ACCESS_KEY_ID=env_keys.access_key_id,
        AWS_SECRET_ACCESS_KEY=env_keys.secret_access_key,
    )
    return env, marker


@pytest.mark.parametrize(
    "command",
    [
        ("identity", "add", "--team", "acme", "news@acme.example"),
        ("poll", "--team", "acme"),
        ("status", "--team", "acme", "--refresh", "--json"),
    ],
    ids=["identity add", "poll", "status --refresh"],
)
def test_missing_keyring_entry_with_other_keys_around_exits_4_and_sends_nothing(
    command: tuple[str, ...], sim: SesSimulator, tmp_path: Path
) -> None:
    team = connected_team(tmp_path, sim)
    with team.store() as store, store.session() as session:
        mailer = mailer_row(session, team.team_id)
        assert mailer is not None
        ref = mailer.keyring_ref
    keychain.delete_keys(ref)
    env, marker = _ambient_env(team.env, sim, tmp_path)
    forget_key_use()

    done = subprocess.run(
        [sys.executable, "-m", "sesdesk", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert done.returncode == 4, done.stderr
    assert "keyring" in done.stderr
    assert "Traceback" not in done.stderr
    assert used_keys() == set(), "a request reached AWS signed with someone's keys"
    assert not marker.exists(), "credential_process was run"
    assert "news@acme.example" not in sim.identities()
    assert "news@acme.example" not in sim.identities(account_id=OTHER_ACCOUNT)
    with team.store() as store, store.session() as session:
        mailer = mailer_row(session, team.team_id)
        assert mailer is not None
        access = (mailer.access, mailer.access_reason)
        messages = session.scalars(
            select(StatusEvent.message).where(
                StatusEvent.team_id == team.team_id, StatusEvent.new_value == "lost"
            )
        ).all()
    if team.database_url:
        # Shared records: only this desktop lacks the keys; the others' mailer stays as it was.
        assert access == ("ok", None) and messages == []
        return
    assert access == ("lost", KEYS_MISSING)
    assert messages == [f"The mailer lost access to AWS: {KEYS_MISSING}"]
