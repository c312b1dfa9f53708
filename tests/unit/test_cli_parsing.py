"""The subcommand shapes in `sesdesk.cli.parsing`: declaring `--team`/`--json`, and printing
rows as JSON or one line each."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from types import SimpleNamespace

import pytest

from sesdesk.cli.identity_cmd import _identity_line
from sesdesk.cli.parsing import command, show_rows
from sesdesk.services.state import IdentityView


def _handler(args: argparse.Namespace, ctx: object) -> int:
    return 0


def test_command_requires_team_and_offers_json() -> None:
    parser = argparse.ArgumentParser()
    actions = parser.add_subparsers(dest="action", required=True)
    command(actions, "show", "show it", _handler).add_argument("thing")
    command(actions, "plain", "no team, no json", _handler, team=False, json=False)

    args = parser.parse_args(["show", "--team", "Acme", "x", "--json"])
    assert (args.team, args.thing, args.json, args.handler) == ("Acme", "x", True, _handler)
    assert parser.parse_args(["show", "--team", "Acme", "x"]).json is False
    with pytest.raises(SystemExit):
        parser.parse_args(["show", "x"])  # --team is required
    assert not hasattr(parser.parse_args(["plain"]), "team")
    with pytest.raises(SystemExit):
        parser.parse_args(["plain", "--json"])


@pytest.mark.parametrize(
    ("json_flag", "rows", "expected"),
    [
        (False, [], "nothing yet\n"),
        (False, [1, 2], "row 1\nrow 2\n"),
        (True, [1, 2], json.dumps([{"n": 1}, {"n": 2}], indent=2) + "\n"),
        (True, [], "[]\n"),
    ],
)
def test_show_rows(capsys, json_flag, rows, expected) -> None:
    args = SimpleNamespace(json=json_flag)
    code = show_rows(args, rows, lambda n: {"n": n}, lambda n: f"row {n}", "nothing yet")  # type: ignore[arg-type]
    assert code == 0
    assert capsys.readouterr().out == expected


def test_identity_line_explains_a_current_identity_and_dates_a_removed_one() -> None:
    current = IdentityView("acme.example", "domain", "PENDING", None)
    assert _identity_line(current) == (
        f"acme.example (domain) PENDING\n    {current.explanation.text}"
    )
    removed = IdentityView(
        "old.example", "domain", "SUCCESS", None, removed_at=datetime(2026, 1, 2, 3, 4)
    )
    assert _identity_line(removed) == "old.example (domain) SUCCESS  [removed 2026-01-02 03:04]"
