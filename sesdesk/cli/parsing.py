"""The one shape most subcommands share: `--team NAME`, `--json`, and a handler."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sesdesk.cli import Context
    from sesdesk.services.teams import TeamInfo

Handler = Callable[[argparse.Namespace, "Context"], int]


def command(
    actions: Any, name: str, text: str, handler: Handler, *, team: bool = True, json: bool = True
) -> argparse.ArgumentParser:
    """Add subcommand `name` (help `text`) with a required `--team NAME` and a `--json` switch
    (either can be left out); its own arguments go on the parser it returns."""
    parser: argparse.ArgumentParser = actions.add_parser(name, help=text)
    if team:
        parser.add_argument("--team", required=True, metavar="NAME")
    if json:
        parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=handler)
    return parser


def team_of(ctx: Context, args: argparse.Namespace) -> TeamInfo:
    """The team named by `--team` (NotFound when there is none)."""
    from sesdesk.services.teams import find_team

    return find_team(ctx.store, args.team)
