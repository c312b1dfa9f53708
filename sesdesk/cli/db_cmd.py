"""`sesdesk db copy-to URL`: move this desktop's records to a shared PostgreSQL database."""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, note, say


def register(sub: Any) -> None:
    """Add the `db` commands."""
    db = sub.add_parser("db", help="where the records live (shared PostgreSQL database)")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy-to", help="copy this desktop's records into an empty PostgreSQL database"
    )
    copy.add_argument("url", metavar="URL", help="postgresql+psycopg://user@host/dbname")
    copy.add_argument("--json", action="store_true")
    copy.set_defaults(handler=_copy_to)


def _copy_to(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.db_copy import copy_to

    result = copy_to(ctx.store, args.url)
    if args.json:
        emit_json({"target": result.target, "tables": result.counts})
        return 0
    for table, count in result.counts.items():
        say(f"{table:24} {count}")
    say(f"Copied {sum(result.counts.values())} rows to {result.target}.")
    note(
        "To use it here and on other desktops: set SESDESK_DATABASE_URL (or File → Database…), "
        "then `sesdesk reconnect --team NAME` on each other desktop."
    )
    return 0
