"""`sesdesk connect`, `sesdesk reconnect`, `sesdesk mailer delete` and `sesdesk policy`.

Secrets never come from argv (it leaks through `ps`): AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY from the environment, a hidden prompt on a TTY, or two lines on stdin
with --stdin (which wins when given).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from sesdesk.cli import Context, emit_json, note, say
from sesdesk.cli.parsing import command, team_of
from sesdesk.errors import BadInput


def register(sub: Any) -> None:
    """Add the connect, reconnect, mailer and policy commands."""
    connect = command(sub, "connect", "connect a team to Amazon SES with AWS keys", _connect)
    connect.add_argument("--region", required=True, metavar="REGION", help="an SES region")
    reconnect = command(sub, "reconnect", "give a mailer new keys of the same account", _reconnect)
    for parser in (connect, reconnect):
        parser.add_argument(
            "--stdin", action="store_true", help="read the key id and the secret as two lines"
        )

    mailer = sub.add_parser("mailer", help="manage a team's mailer")
    actions = mailer.add_subparsers(dest="mailer_command", metavar="ACTION", required=True)
    delete = command(
        actions, "delete", "delete the team's mailer and its stored keys (history stays)", _delete
    )
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    delete.add_argument(
        "--delete-identities",
        action="store_true",
        help="also delete the team's sender identities in SES (needs working keys)",
    )

    command(
        sub,
        "policy",
        "print the least-privilege IAM policy sesdesk needs",
        _policy,
        team=False,
        json=False,
    )


# --- reading the keys -------------------------------------------------------------------


def read_keys(use_stdin: bool) -> tuple[str, str]:
    """(key id, secret) from stdin (--stdin), the environment, or a hidden TTY prompt."""
    if use_stdin:
        key_id = sys.stdin.readline()
        secret = sys.stdin.readline()
        if not key_id.strip() or not secret.strip():
            raise BadInput(
                "--stdin", "expected two lines: the access key id, then the secret access key"
            )
        return key_id.strip(), secret.strip()
    env_id = os.environ.get("AWS_ACCESS_KEY_ID", "").strip()
    env_secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if env_id and env_secret:
        return env_id, env_secret
    if env_id or env_secret:
        missing = "AWS_SECRET_ACCESS_KEY" if env_id else "AWS_ACCESS_KEY_ID"
        raise BadInput(missing, "is not set (set both variables, or neither)")
    if sys.stdin.isatty():
        import getpass

        key_id = input("AWS access key id: ")
        secret = getpass.getpass("AWS secret access key (hidden): ")
        return key_id.strip(), secret.strip()
    raise BadInput(
        "keys",
        "no AWS keys given: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --stdin "
        "and write the key id and the secret as two lines",
    )


def _progress_printer(enabled: bool) -> Any:
    def show(event: Any) -> None:
        # Per-action lines only for the ones that matter; the summary line covers the rest.
        if event.action is not None and event.verdict is not None:
            if event.verdict.value == "allowed":
                return
            mark = "✗" if event.verdict.value == "missing" else "?"
            note(f"  {mark} {event.message}")
            return
        if event.state in ("done", "failed"):
            note(f"{'✓' if event.state == 'done' else '✗'} {event.message}")

    def silent(_: Any) -> None:
        return None

    return show if enabled else silent


def _result_document(team: Any, result: Any) -> dict[str, Any]:
    report = result.report
    return {
        "team": team.name,
        "account_id": report.caller.account_id,
        "arn": report.caller.arn,
        "root": report.caller.is_root,
        "region": result.region,
        "key_last4": result.key_last4,
        "permissions": {
            "checked_by": report.method,
            "missing": list(report.missing),
            "not_checked": list(report.unverified),
        },
        "warnings": list(report.warnings),
        "refreshed": result.refreshed,
        "refresh_error": result.refresh_error,
    }


def _report_success(args: argparse.Namespace, team: Any, result: Any, verb: str) -> None:
    report = result.report
    for warning in report.warnings:
        note(f"! {warning}")
    if report.unverified:
        note(
            f"Not checked (they would change the account): {', '.join(report.unverified)}. "
            "Allow iam:SimulatePrincipalPolicy for an exact check."
        )
    if result.refresh_error:
        note(f"The first status read failed ({result.refresh_error}); the poller will retry.")
    if args.json:
        emit_json(_result_document(team, result))
    else:
        say(
            f"{verb} team {team.name!r} to AWS account {report.caller.account_id} in "
            f"{result.region} (key …{result.key_last4})."
        )


# --- handlers ---------------------------------------------------------------------------


def _connect(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.aws.clients import AwsKeys
    from sesdesk.aws.credentials import clean_region
    from sesdesk.errors import NotAllowed
    from sesdesk.services.connect import connect, validate_connect_input

    # Everything that needs no network and no secret first.
    region = clean_region(args.region)
    team = team_of(ctx, args)
    if team.has_mailer:
        raise NotAllowed(
            f"Team {team.name!r} already has a mailer: one mailer per team.",
            hint="Use `sesdesk reconnect` for new keys, or create a new team for another account.",
        )
    key_id, secret = read_keys(args.stdin)
    keys = validate_connect_input(region, key_id, secret)
    result = connect(
        ctx.store,
        team.id,
        region,
        AwsKeys(keys.access_key_id, keys.secret_access_key),
        progress=_progress_printer(not args.json),
    )
    _report_success(args, team, result, "Connected")
    return 0


def _reconnect(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import NotAllowed
    from sesdesk.services.connect import reconnect, validate_connect_input

    team = team_of(ctx, args)
    if not team.has_mailer:
        raise NotAllowed(
            f"Team {team.name!r} has no mailer to reconnect.",
            hint="Connect AWS first: sesdesk connect --team NAME --region REGION",
        )
    key_id, secret = read_keys(args.stdin)
    keys = validate_connect_input(None, key_id, secret)
    result = reconnect(ctx.store, team.id, keys, progress=_progress_printer(not args.json))
    _report_success(args, team, result, "Reconnected")
    return 0


def _delete(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import NotFound
    from sesdesk.services.connect import delete_mailer

    team = team_of(ctx, args)
    if not team.has_mailer:
        raise NotFound("team", f"team {team.name!r} has no mailer to delete")
    if not args.yes:
        what = "its sender identities in SES, " if args.delete_identities else ""
        raise BadInput(
            "--yes",
            f"deleting the mailer of {team.name!r} removes {what}the local mailer and its AWS "
            "keys from the keyring; the history stays. Add --yes to confirm.",
        )
    result = delete_mailer(ctx.store, team.id, delete_identities=args.delete_identities)
    if args.json:
        emit_json(
            {
                "team": team.name,
                "deleted": True,
                "account_id": result.account_id,
                "identities_deleted": list(result.deleted_identities),
                "identities_already_gone": list(result.already_gone),
                "identities_kept_in_ses": list(result.kept_identities),
            }
        )
    else:
        say(f"Deleted the mailer of team {team.name!r} (AWS account {result.account_id}).")
        if result.deleted_identities:
            say(f"Deleted in SES: {', '.join(result.deleted_identities)}")
        if result.kept_identities:
            say(f"Still in SES (not deleted): {', '.join(result.kept_identities)}")
    return 0


def _policy(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.aws.permissions import least_privilege_policy_json

    say(least_privilege_policy_json())
    return 0
