"""The shapes most subcommands share: `--team NAME`, `--json` and a handler to declare them;
rows printed as JSON documents or as one line each."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sesdesk.cli import emit_json, say

if TYPE_CHECKING:
    from sesdesk.cli import Context
    from sesdesk.services.teams import TeamInfo

_Row = TypeVar("_Row")
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


def show_rows(
    args: argparse.Namespace,
    rows: Sequence[_Row],
    document: Callable[[_Row], Any],
    line: Callable[[_Row], str],
    empty: str,
) -> int:
    """Print `rows`: a JSON list of `document(row)` with --json, else `line(row)` each (or
    `empty` when there are none); exit code 0."""
    if args.json:
        emit_json([document(row) for row in rows])
    elif not rows:
        say(empty)
    else:
        for row in rows:
            say(line(row))
    return 0
