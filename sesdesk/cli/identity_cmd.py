"""`sesdesk identity add|list|records|retry|replace`."""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, note, port_number, say
from sesdesk.cli.parsing import command, show_rows, team_of


def register(sub: Any) -> None:
    """Add the `identity` commands."""
    identity = sub.add_parser("identity", help="sender identities: email addresses and domains")
    actions = identity.add_subparsers(dest="identity_command", metavar="ACTION", required=True)

    add = command(actions, "add", "add an email address or a domain to send from", _add)
    add.add_argument("identity", metavar="EMAIL_OR_DOMAIN")

    listing = command(actions, "list", "the team's identities and their status (offline)", _list)
    listing.add_argument("--history", action="store_true", help="include retried/replaced ones")

    records = command(actions, "records", "the DNS records to publish for a domain", _records)
    records.add_argument("domain", metavar="DOMAIN")
    records.add_argument(
        "--format",
        choices=("table", "zone", "csv"),
        default="table",
        help="without --json: a table, a zone-file snippet, or CSV",
    )
    records.add_argument(
        "--mail-from",
        default="mail",
        metavar="SUBDOMAIN",
        help="custom MAIL FROM subdomain for the MAIL FROM MX/SPF records (default: mail)",
    )
    records.add_argument(
        "--no-mail-from", action="store_true", help="leave the MAIL FROM records out"
    )
    records.add_argument("--check", action="store_true", help="look each record up in DNS now")
    records.add_argument("--nameserver", metavar="IP", help="DNS server to ask (default: system)")
    records.add_argument("--port", type=port_number, default=53, metavar="N", help="its port (53)")

    retry = command(actions, "retry", "delete and recreate an identity to verify again", _retry)
    retry.add_argument("identity", metavar="IDENTITY")

    replace = command(actions, "replace", "replace an identity with another one", _replace)
    replace.add_argument("old", metavar="OLD")
    replace.add_argument("new", metavar="NEW")


def _change_document(change: Any) -> dict[str, Any]:
    identity = change.identity
    return {
        "name": identity.name,
        "display": identity.display,
        "type": identity.kind,
        "status": identity.status,
        "error_type": identity.error_type,
        "verified_for_sending": identity.verified_for_sending,
        "explanation": identity.explanation.text,
        "records": [record.as_dict() for record in change.records],
        "records_changed": change.records_changed,
        "previous": None if change.previous is None else change.previous.name,
        "next_step": change.next_step,
        "refresh_problem": change.refresh_problem,
    }


def _print_records(records: list[Any], checks: dict[int, Any] | None = None) -> None:
    for index, record in enumerate(records):
        value = record.value if record.priority is None else f"{record.priority} {record.value}"
        optional = "" if record.required else "  (for inbox delivery)"
        say(f"  {record.type:<5} {record.name}")
        say(f"        → {value}{optional}")
        if checks is not None:
            check = checks[index]
            say(f"        DNS: {check.verdict} — {check.message}")


def _report_change(args: argparse.Namespace, change: Any, verb: str) -> int:
    if args.json:
        emit_json(_change_document(change))
    else:
        identity = change.identity
        shown = change.checked.describe()
        say(f"{verb} {shown} ({identity.kind}): {identity.status}.")
        if change.previous is not None and change.previous.name != identity.name:
            say(f"{change.previous.display} was deleted in SES and kept in the history.")
        say(change.next_step)
        if change.records:
            _print_records(change.records)
    if change.refresh_problem:
        note(f"sesdesk: could not refresh the status at once ({change.refresh_problem}); ")
        note("the poller will catch up, or run: sesdesk poll --team NAME")
    return 0


def _add(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.identities import add_identity, validate_identity

    team = team_of(ctx, args)
    validate_identity(args.identity)  # bad input is refused before anything else
    return _report_change(args, add_identity(ctx.store, team.id, args.identity), "Added")


def _list(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.identities import list_identities

    team = team_of(ctx, args)
    return show_rows(
        args,
        list_identities(ctx.store, team.id, history=args.history),
        lambda identity: identity.as_dict(),
        _identity_line,
        f"No sender identities yet. Add one: sesdesk identity add --team {team.name!r} NAME",
    )


def _identity_line(identity: Any) -> str:
    shown = f"{identity.display} ({identity.kind}) {identity.status}"
    if identity.removed_at:
        return f"{shown}  [removed {identity.removed_at:%Y-%m-%d %H:%M}]"
    return f"{shown}\n    {identity.explanation.text}"


def _records(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.dns_records import to_csv, zone_snippet
    from sesdesk.services.identities import identity_records

    team = team_of(ctx, args)
    config = None
    if args.check:
        from sesdesk.services.dns_check import ResolverConfig

        config = ResolverConfig(nameserver=args.nameserver, port=args.port)
    records = identity_records(
        ctx.store,
        team.id,
        args.domain,
        mail_from=None if args.no_mail_from else args.mail_from,
    )
    if not any(record.purpose == "dkim" for record in records):
        note(
            "sesdesk: the DKIM tokens of this domain are not known yet; "
            f"run: sesdesk poll --team {team.name!r}"
        )
    checks: dict[int, Any] | None = None
    if config is not None:
        from sesdesk.services.dns_check import check_records

        checks = dict(enumerate(check_records(records, config)))
    if args.json:
        documents = []
        for index, record in enumerate(records):
            document = record.as_dict()
            if checks is not None:
                document["dns"] = checks[index].as_dict()
            documents.append(document)
        emit_json(documents)
    elif args.format == "zone":
        say(zone_snippet(records).rstrip("\n"))
    elif args.format == "csv":
        say(to_csv(records).rstrip("\n"))
    else:
        say(f"DNS records for {args.domain}:")
        _print_records(records, checks)
    return 0


def _retry(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.identities import retry_identity

    team = team_of(ctx, args)
    return _report_change(args, retry_identity(ctx.store, team.id, args.identity), "Recreated")


def _replace(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.identities import replace_identity, validate_identity

    team = team_of(ctx, args)
    validate_identity(args.new, field="new")
    change = replace_identity(ctx.store, team.id, args.old, args.new)
    return _report_change(args, change, "Replaced with")
