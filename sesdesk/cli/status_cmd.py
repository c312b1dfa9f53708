"""`sesdesk status` and `sesdesk poll`."""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, note, say
from sesdesk.cli.parsing import command, team_of


def register(sub: Any) -> None:
    """Add the `status` and `poll` commands."""
    status = command(sub, "status", "what the team's mailer may do now, and why", _status)
    status.add_argument("--refresh", action="store_true", help="ask AWS first (else: the store)")

    poll = command(sub, "poll", "run one poll cycle now, then exit", _poll, json=False)
    poll.add_argument(
        "--watch",
        action="store_true",
        help="keep polling on the adaptive schedule until interrupted",
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def status_document(snapshot: Any, gate: Any) -> dict[str, Any]:
    """The `status --json` document for a snapshot and its gate."""
    mailer = snapshot.mailer
    account = snapshot.account
    return {
        "team": snapshot.team_name,
        "mailer": None
        if mailer is None
        else {
            "account_id": mailer.account_id,
            "region": mailer.region,
            "access": mailer.access,
            "last_checked": _iso(mailer.last_checked),
            "key_last4": mailer.key_last4,
            "access_reason": mailer.access_reason,
            "offline_since": _iso(mailer.offline_since),
        },
        "account": None
        if account is None
        else {
            "production": account.production,
            "review": account.review_status or "none",
            "sending_enabled": account.sending_enabled,
            "enforcement": account.enforcement_status,
            "review_since": _iso(account.review_since),
            "quota": {
                "max_24h": account.max_24h,
                "sent_24h": account.sent_24h,
                "left_24h": account.left_24h,
                "max_rate": account.max_rate,
            },
        },
        "identities": [
            {"name": i.name, "type": i.kind, "status": i.status, "error_type": i.error_type}
            for i in snapshot.identities
        ],
        "can": {
            kind: {
                "allowed": decision.allowed,
                "reason": decision.reason,
                "fix": decision.fix.value if decision.fix else None,
                "verified_recipients_only": decision.verified_recipients_only,
                "link": decision.link,
            }
            for kind, decision in (
                ("test_email", gate.test_email),
                ("test_campaign", gate.test_campaign),
                ("broadcast", gate.broadcast),
            )
        },
        "warnings": [
            {"code": w.code, "message": w.message, "fix": w.fix.value if w.fix else None}
            for w in gate.warnings
        ],
    }


def _print_human(doc: dict[str, Any]) -> None:
    say(f"Team: {doc['team']}")
    mailer = doc["mailer"]
    if mailer is None:
        say("Mailer: none — connect AWS with: sesdesk connect --team NAME --region REGION")
    else:
        if mailer["offline_since"]:
            say(f"Offline since {mailer['offline_since']}: showing the last known state.")
        say(
            f"Mailer: account {mailer['account_id']} in {mailer['region']}, "
            f"key …{mailer['key_last4']}, access {mailer['access']}"
            + (f" (last checked {mailer['last_checked']})" if mailer["last_checked"] else "")
        )
    account = doc["account"]
    if account is not None:
        quota = account["quota"]
        say(
            f"Account: {'production' if account['production'] else 'sandbox'}, review "
            f"{account['review']}, "
            f"sending {'enabled' if account['sending_enabled'] else 'PAUSED'}; "
            f"{quota['sent_24h']:g}/{quota['max_24h']:g} sent in 24 h, "
            f"{quota['left_24h']:g} left, {quota['max_rate']:g}/s"
        )
    for identity in doc["identities"]:
        say(f"Identity: {identity['name']} ({identity['type']}) {identity['status']}")
    for kind, decision in doc["can"].items():
        answer = "yes" if decision["allowed"] else "no"
        say(f"{kind.replace('_', ' ')}: {answer} — {decision['reason']}")
    for warning in doc["warnings"]:
        say(f"! {warning['message']}")


def _cycle(store: Any, team_id: int) -> Any:
    """One poll cycle on a plain asyncio loop (the same poller the window runs)."""
    import asyncio

    from sesdesk.services.poll_watch import poll_once

    return asyncio.run(poll_once(store, team_id))


def _failure_of(outcome: Any) -> Any:
    """The domain error a failed cycle ends the command with (a bug is re-raised)."""
    from sesdesk.errors import SesdeskError
    from sesdesk.services.poller import CycleState

    if outcome.state is CycleState.OK:
        return None
    error = outcome.error
    if error is not None and not isinstance(error, SesdeskError):
        raise error
    return error


def _status(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.gating import decide
    from sesdesk.services.state import load_snapshot

    team = team_of(ctx, args)
    failure = None
    if args.refresh:
        if not team.has_mailer:
            note("This team has no mailer: nothing to refresh.")
        else:
            failure = _failure_of(_cycle(ctx.store, team.id))
    snapshot = load_snapshot(ctx.store, team.id)
    doc = status_document(snapshot, decide(snapshot))
    from sesdesk.cli.feedback_cmd import add_to_status

    add_to_status(doc, ctx, team.id)
    if args.json:
        emit_json(doc)
    else:
        _print_human(doc)
    if failure is not None:
        if failure.exit_code == 5:
            note(f"sesdesk: AWS could not be reached: {failure.message}")
            note("The status above is the last one sesdesk knew.")
        else:
            note(f"sesdesk: {failure.message}")
            if failure.hint:
                note(failure.hint)
        return int(failure.exit_code)
    return 0


def _poll(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import NotAllowed

    team = team_of(ctx, args)
    if not team.has_mailer:
        raise NotAllowed("This team has no mailer yet: connect AWS first.")
    if args.watch:
        return _watch(ctx, team.id)
    outcome = _cycle(ctx.store, team.id)
    failure = _failure_of(outcome)
    if failure is not None:
        raise failure
    for change in outcome.changes:
        say(change)
    if not outcome.changes:
        say("No changes.")
    return 0


def _watch(ctx: Context, team_id: int) -> int:
    import asyncio

    from sesdesk.services.poll_watch import watch
    from sesdesk.services.poller import CycleState

    def show(outcome: Any) -> None:
        if outcome.state is CycleState.OK:
            for change in outcome.changes:
                say(change)
        else:
            note(f"sesdesk: {outcome.message}")
        note(f"next check in {outcome.next_delay:g} s")

    try:
        asyncio.run(watch(ctx.store, team_id, on_cycle=show))
    except KeyboardInterrupt:
        return 0
    return 0
