"""`sesdesk team create|list`."""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, say


def register(sub: Any) -> None:
    """Add the `team` commands."""
    team = sub.add_parser("team", help="create, list, rename and delete teams")
    actions = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a team")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", help="list teams")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    rename = actions.add_parser("rename", help="rename a team")
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEW_NAME")
    rename.set_defaults(handler=_rename)

    delete = actions.add_parser("delete", help="delete a team that has no mailer, with its records")
    delete.add_argument("name", metavar="NAME")
    delete.add_argument("--yes", action="store_true", help="confirm: its records go too")
    delete.set_defaults(handler=_delete)


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

    teams = list_teams(ctx.store)
    if args.json:
        emit_json([{"id": t.id, "name": t.name, "has_mailer": t.has_mailer} for t in teams])
    elif not teams:
        say("No teams yet. Create one with: sesdesk team create NAME")
    else:
        for t in teams:
            say(f"{t.name}{'' if t.has_mailer else '  (no mailer)'}")
    return 0


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
