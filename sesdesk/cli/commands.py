"""Every area's `register(subparsers)` function, in the order `--help` lists them."""

from __future__ import annotations

from sesdesk.cli import (
    access_cmd,
    connect_cmd,
    contacts_cmd,
    db_cmd,
    feedback_cmd,
    identity_cmd,
    readiness_cmd,
    send_cmd,
    simulator_cmd,
    status_cmd,
    team_cmd,
)

REGISTRARS = [
    team_cmd.register,
    connect_cmd.register,
    status_cmd.register,
    identity_cmd.register,
    access_cmd.register,
    contacts_cmd.register,
    send_cmd.register,
    feedback_cmd.register,
    readiness_cmd.register,
    simulator_cmd.register,
    db_cmd.register,
]
