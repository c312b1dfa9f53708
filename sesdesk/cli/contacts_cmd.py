"""`sesdesk contacts import|export|lists|list|add|remove|unsubscribe|sync`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sesdesk.cli import Context, emit_json, note, say
from sesdesk.cli.parsing import Handler, command, show_rows, team_of


def register(sub: Any) -> None:
    """Add the `contacts` commands."""
    contacts = sub.add_parser("contacts", help="contact lists: import, export, add, remove")
    actions = contacts.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)

    imp = _list_command(actions, "import", "import a CSV file (header row) into a list", _import)
    imp.add_argument("file", metavar="FILE.csv", type=Path)
    imp.add_argument("--email-column", help="the column with the addresses (header name or number)")
    imp.add_argument("--name-column", help="the column with the names (header name or number)")

    exp = _list_command(actions, "export", "write a list as CSV (email, name, status)", _export)
    exp.add_argument("file", metavar="FILE.csv", type=Path)
    exp.add_argument("--excel", action="store_true", help="UTF-8 with BOM, formulas defused")

    command(actions, "lists", "the team's contact lists", _lists)
    _list_command(actions, "list", "the contacts of a list", _show)

    add = _list_command(actions, "add", "add one address to a list", _add)
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--name")

    remove = _list_command(actions, "remove", "remove an address from a list", _remove, json=False)
    remove.add_argument("email", metavar="EMAIL")

    unsub = _list_command(
        actions,
        "unsubscribe",
        "unsubscribe an address (kept, never sent to)",
        _unsubscribe,
        json=False,
    )
    unsub.add_argument("email", metavar="EMAIL")
    unsub.add_argument("--undo", action="store_true", help="subscribe it again")

    _list_command(
        actions,
        "sync",
        "tell SES's contact list about a list's contacts (one-click unsubscribe)",
        _sync,
    )


def _list_command(
    actions: Any, name: str, text: str, handler: Handler, *, json: bool = True
) -> argparse.ArgumentParser:
    """A subcommand on one list: `--team NAME --list LIST` (and `--json` unless told not)."""
    parser = command(actions, name, text, handler, json=json)
    parser.add_argument("--list", required=True, metavar="LIST", dest="list_name")
    return parser


def _import(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import import_csv

    result = import_csv(
        ctx.store,
        team_of(ctx, args).id,
        args.list_name,
        args.file,
        email_column=args.email_column,
        name_column=args.name_column,
    )
    if args.json:
        emit_json(result.as_json())
        return 0
    say(
        f"Imported {result.imported} contact(s) into {result.list_name!r}; "
        f"{result.duplicates} duplicate(s) skipped; {len(result.rejected)} row(s) refused."
    )
    for row in result.rejected[:50]:
        note(f"  row {row.row}: {row.value!r}: {row.reason}")
    if len(result.rejected) > 50:
        note(f"  … and {len(result.rejected) - 50} more (use --json for all)")
    return 0


def _export(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import export_csv

    written = export_csv(
        ctx.store, team_of(ctx, args).id, args.list_name, args.file, excel=args.excel
    )
    if args.json:
        emit_json({"exported": written, "file": str(args.file)})
    else:
        say(f"Wrote {written} contact(s) to {args.file}.")
    return 0


def _lists(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import list_lists
    from sesdesk.services.json_fields import json_fields

    return show_rows(
        args,
        list_lists(ctx.store, team_of(ctx, args).id),
        lambda item: json_fields(item, "id", "name", "subscribed", "unsubscribed"),
        lambda item: f"{item.name}: {item.subscribed} subscribed, {item.unsubscribed} unsubscribed",
        "No contact lists yet. Import one with: sesdesk contacts import --team T --list L F",
    )


def _show(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import list_contacts
    from sesdesk.services.json_fields import json_fields

    rows = list_contacts(ctx.store, team_of(ctx, args).id, args.list_name)
    if args.json:
        emit_json(
            [json_fields(r, "email", "name", "status", "unsubscribed_at", "source") for r in rows]
        )
    else:
        for r in rows:
            via = " (via SES unsubscribe link)" if r.source == "ses" else ""
            say(f"{r.email}\t{r.name or ''}\t{r.status}{via}")
    return 0


def _add(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import add_contact

    row = add_contact(ctx.store, team_of(ctx, args).id, args.list_name, args.email, args.name)
    if args.json:
        emit_json({"email": row.email, "name": row.name, "status": row.status})
    else:
        say(f"Added {row.email}.")
    return 0


def _remove(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import remove_contact

    remove_contact(ctx.store, team_of(ctx, args).id, args.list_name, args.email)
    say(f"Removed {args.email.strip()}.")
    return 0


def _unsubscribe(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import set_subscribed

    row = set_subscribed(
        ctx.store, team_of(ctx, args).id, args.list_name, args.email, subscribed=args.undo
    )
    say(f"{row.email} is now {row.status}.")
    return 0


def _sync(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.contacts import get_list
    from sesdesk.services.lists import SyncProgress, sync_list
    from sesdesk.services.lists.account import lists_facade
    from sesdesk.services.mailers import open_mailer, watching_access

    team_id = team_of(ctx, args).id
    info = get_list(ctx.store, team_id, args.list_name)

    def progress(p: SyncProgress) -> None:
        note(f"synced {p.done} of {p.total} contact(s), {p.calls} call(s)")

    with watching_access(ctx.store, team_id):
        facade = lists_facade(open_mailer(ctx.store, team_id).factory)
        result = sync_list(ctx.store, team_id, info.id, facade, on_progress=progress)
    if args.json:
        emit_json(result.as_json())
    else:
        say(
            f"{info.name}: {result.created} added to SES, {result.updated} updated, "
            f"{result.unsubscribed_in_ses} unsubscribed through SES, {result.failed} failed "
            f"({result.calls} call(s))."
        )
    return 0
