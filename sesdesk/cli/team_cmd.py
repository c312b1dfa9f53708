"""`sesdesk team create|list`."""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, say
from sesdesk.cli.parsing import command, show_rows


def register(sub: Any) -> None:
    """Add the `team` commands."""
    team = sub.add_parser("team", help="create, list, rename and delete teams")
    actions = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)

    command(actions, "create", "create a team", _create, team=False).add_argument(
        "name", metavar="NAME"
    )
    command(actions, "list", "list teams", _list, team=False)
    rename = command(actions, "rename", "rename a team", _rename, team=False, json=False)
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEW_NAME")
    delete = command(
        actions,
        "delete",
        "delete a team that has no mailer, with its records",
        _delete,
        team=False,
        json=False,
    )
    delete.add_argument("name", metavar="NAME")
    delete.add_argument("--yes", action="store_true", help="confirm: its records go too")


def _create(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.teams import create_team

    team = create_team(ctx.store, args.name)
    if args.json:
        emit_json({"id": team.id, "name": team.name, "has_mailer": team.has_mailer})
    else:
        say(f"Created team {team.name!r}.")
    return 0


def _list(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.teams import list_teams

    return show_rows(
        args,
        list_teams(ctx.store),
        lambda t: {"id": t.id, "name": t.name, "has_mailer": t.has_mailer},
        lambda t: f"{t.name}{'' if t.has_mailer else '  (no mailer)'}",
        "No teams yet. Create one with: sesdesk team create NAME",
    )


def _rename(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.teams import find_team, rename_team

    team = rename_team(ctx.store, find_team(ctx.store, args.name).id, args.new_name)
    say(f"Renamed team {args.name!r} to {team.name!r}.")
    return 0


def _delete(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import BadInput
    from sesdesk.services.teams import delete_team, find_team

    team = find_team(ctx.store, args.name)
    if not args.yes:
        raise BadInput(
            "--yes",
            f"deleting team {team.name!r} also deletes its history; add --yes to confirm",
        )
    delete_team(ctx.store, team.id)
    say(f"Deleted team {team.name!r}.")
    return 0
