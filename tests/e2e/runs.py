"""Shared set-up of the reliability tests that interrupt `broadcast send` (kills, signals)."""

from __future__ import annotations

import json
from collections import Counter
from email.utils import parseaddr
from pathlib import Path
from typing import Any


def accepted(simulator: Any) -> Counter[str]:
    """How many times the simulator accepted each recipient: the ground truth for duplicates."""
    return Counter(
        parseaddr(d)[1].lower() for m in simulator.sent_messages() for d in m.destinations
    )


def import_list(team: Any, folder: Path, recipients: int) -> None:
    """Import `recipients` contacts (user0@example.com, …) into the team's list "all"."""
    csv_path = folder / "list.csv"
    csv_path.write_text(
        "email,name\n" + "".join(f"user{i}@example.com,User {i}\n" for i in range(recipients)),
        encoding="utf-8",
    )
    imported = team.run("contacts", "import", "--team", team.name, "--list", "all", str(csv_path))
    assert imported.returncode == 0, imported.stderr


def create_broadcast(team: Any, subject: str = "Hi {{name}}") -> str:
    """Create a broadcast to the list "all" with `subject`; its id."""
    create = team.run(
        "broadcast", "create", "--team", team.name, "--list", "all",
        "--from", "news@acme.example", "--subject", subject, "--text", "x", "--json",
    )  # fmt: skip
    assert create.returncode == 0, create.stderr
    return str(json.loads(create.stdout)["id"])


def broadcast_to(team: Any, folder: Path, recipients: int) -> str:
    """Import `recipients` contacts into the list "all" and create a broadcast to it; its id."""
    import_list(team, folder, recipients)
    return create_broadcast(team)
