"""Other AWS credentials on the machine, and a way to tell whether any request used them.

moto records the last use of every access key it knows (on each request, before its IAM check),
so clearing those records after a test's set-up and reading them afterwards tells which keys
signed anything in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sesdesk.aws.clients import AwsKeys
from sesdesk.simulator import patches
from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID

#: Another AWS account entirely: the keys a developer's machine may hold for other work.
OTHER_ACCOUNT = "210987654321"


def _keys_of(account_id: str) -> dict[str, Any]:
    return dict(patches.iam_backend(account_id).access_keys)


def forget_key_use() -> None:
    """Clear moto's last-used record of every access key (after the test's own set-up)."""
    for account_id in (DEFAULT_ACCOUNT_ID, OTHER_ACCOUNT):
        for key in _keys_of(account_id).values():
            key.last_used = None


def used_keys() -> set[str]:
    """Access key ids the simulator has seen a request signed with since `forget_key_use`."""
    return {
        key_id
        for account_id in (DEFAULT_ACCOUNT_ID, OTHER_ACCOUNT)
        for key_id, key in _keys_of(account_id).items()
        if key.last_used is not None
    }


def write_ambient_credentials(home: Path, profile_keys: AwsKeys, marker: Path) -> None:
    """~/.aws/credentials with a named profile, and a config whose credential_process leaves
    `marker` behind if anything ever runs it."""
    aws = home / ".aws"
    aws.mkdir(parents=True)
    (aws / "credentials").write_text(
        "[default]\n"
        f"aws_access_key_id = {profile_keys.access_key_id}\n"
        f"aws_secret_access_key = {profile_keys.secret_access_key}\n"
        "[other-work]\n"
        f"aws_access_key_id = {profile_keys.access_key_id}\n"
        f"aws_secret_access_key = {profile_keys.secret_access_key}\n"
    )
    process = f"/bin/sh -c 'touch {marker}; exit 1'"
    (aws / "config").write_text(
        f"[default]\ncredential_process = {process}\n"
        f"[profile other-work]\ncredential_process = {process}\n"
        "[profile process-only]\n"
        f"credential_process = {process}\n"
    )
