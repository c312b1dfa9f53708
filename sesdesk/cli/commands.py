"""Every area's `register(subparsers)` function, in the order `--help` lists them."""

from __future__ import annotations

from sesdesk.cli import simulator_cmd, status_cmd, team_cmd

REGISTRARS = [
    team_cmd.register,
    status_cmd.register,
    simulator_cmd.register,
]
