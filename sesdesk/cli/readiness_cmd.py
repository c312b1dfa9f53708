"""`sesdesk readiness` (will this reach Gmail, Yahoo and Outlook inboxes?) and
`sesdesk mail-from setup` (the custom MAIL FROM subdomain it asks for)."""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, port_number, say

_MARK = {True: "✓", False: "✗", None: "?"}


def register(sub: Any) -> None:
    """Add the `readiness` and `mail-from` commands."""
    readiness = sub.add_parser(
        "readiness", help="will mail from an address reach Gmail, Yahoo and Outlook inboxes?"
    )
    readiness.add_argument("--team", required=True, metavar="NAME")
    readiness.add_argument(
        "--from",
        dest="from_address",
        metavar="ADDR",
        help="the From address (default: the address the team sent from last, or its "
        "verified sender)",
    )
    readiness.add_argument(
        "--kind",
        choices=("broadcast", "test_campaign", "test_email"),
        default="broadcast",
        help="the kind of send to judge (only a marketing broadcast can be blocked)",
    )
    readiness.add_argument("--json", action="store_true")
    readiness.add_argument("--nameserver", metavar="IP", help="DNS server to ask (default: system)")
    readiness.add_argument(
        "--port", type=port_number, default=53, metavar="N", help="its port (53)"
    )
    readiness.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="how long to wait for DNS and AWS in all (default 2.2; 0.5 to 60)",
    )
    readiness.set_defaults(handler=_readiness)

    mail_from = sub.add_parser("mail-from", help="custom MAIL FROM subdomain (SPF alignment)")
    actions = mail_from.add_subparsers(dest="mail_from_command", metavar="ACTION", required=True)
    setup = actions.add_parser("setup", help="set it in SES and print the records to publish")
    setup.add_argument("--team", required=True, metavar="NAME")
    setup.add_argument("domain", metavar="DOMAIN")
    setup.add_argument(
        "--subdomain", metavar="NAME", help="a label (default: mail) or the full name"
    )
    setup.add_argument("--json", action="store_true")
    setup.set_defaults(handler=_setup)


def _seconds(text: str) -> float:
    """argparse type for --timeout: seconds from 0.5 to 60."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.5 <= value <= 60:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0.5 to 60")
    return value


def _readiness(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.dns_check import ResolverConfig
    from sesdesk.services.readiness import check_readiness
    from sesdesk.services.teams import find_team

    config = ResolverConfig(nameserver=args.nameserver, port=args.port)
    team = find_team(ctx.store, args.team)
    result = check_readiness(
        ctx.store, team.id, args.from_address, kind=args.kind, dns=config, budget=args.timeout
    )
    if args.json:
        emit_json(result.as_json())
        return 0  # a report: failed checks are not a failed command
    say(f"Will mail from {result.from_address} reach Gmail, Yahoo and Outlook inboxes?")
    for check in result.checks:
        say(f"  {_MARK[check.ok]} {check.code}: {check.message}")
        if check.fix and check.ok is not True:
            say(f"      → {check.fix}")
            command = _command(check.fix_code, team.name, result.domain_identity)
            if command:
                say(f"        {command}")
    if result.blocking:
        say(
            "A marketing broadcast from this address cannot be sent until the ✗ above that "
            "blocks it is fixed."
        )
    return 0


def _command(fix_code: Any, team: str, domain: str | None) -> str:
    """The command that performs a fix, where there is one."""
    if not domain:
        return ""
    if fix_code == "mail_from":
        return f"sesdesk mail-from setup --team {team!r} {domain}"
    if fix_code in ("records", "verify"):
        return f"sesdesk identity records --team {team!r} {domain} --check"
    return ""


def _setup(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.readiness.mail_from import set_up_mail_from
    from sesdesk.services.teams import find_team

    team = find_team(ctx.store, args.team)
    setup = set_up_mail_from(ctx.store, team.id, args.domain, args.subdomain)
    if args.json:
        emit_json(
            {
                "identity": setup.identity,
                "mail_from_domain": setup.mail_from_domain,
                "status": setup.status,
                "records": [record.as_dict() for record in setup.records],
            }
        )
        return 0
    say(
        f"MAIL FROM for {setup.identity} is now {setup.mail_from_domain} in SES "
        f"({setup.status or 'PENDING'}). Publish these records:"
    )
    for record in setup.records:
        value = record.value if record.priority is None else f"{record.priority} {record.value}"
        say(f"  {record.type:<5} {record.name}")
        say(f"        → {value}")
    return 0
