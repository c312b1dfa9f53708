"""`sesdesk feedback setup|status|drain`, `sesdesk broadcast report|resend`, and the feedback
parts of `status` (reputation, warnings) and `suppression list` (source, reason).

`feedback drain` exits 0 when the queue was drained; when it stopped early it still prints
what it committed, then exits with the problem's code (3: the queue is gone — repair it with
`feedback setup`; 4: the keys may not; 5: AWS unreachable).
"""

from __future__ import annotations

import argparse
from typing import Any

from sesdesk.cli import Context, emit_json, note, say
from sesdesk.cli.parsing import command, team_of


def register(sub: Any) -> None:
    """Add `feedback`."""
    feedback = sub.add_parser("feedback", help="SES bounces, complaints and deliveries")
    actions = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    for name, handler, text in (
        ("setup", _setup, "create or repair the feedback wiring (idempotent)"),
        ("status", _status, "the wiring's health, waiting messages, last drain"),
        ("drain", _drain, "take in every waiting event now"),
    ):
        command(actions, name, text, handler)


def register_broadcast(actions: Any) -> None:
    """Add `broadcast report` and `broadcast resend` to the broadcast command."""
    for name, handler, text in (
        ("report", _report, "every recipient's outcome (who did not get it)"),
        (
            "resend",
            _resend,
            "send again only to uncertain recipients SES never reported (probably not sent)",
        ),
    ):
        command(actions, name, text, handler).add_argument(
            "broadcast_id", type=int, metavar="BROADCAST_ID"
        )


def _print_status(doc: dict[str, Any]) -> None:
    if not doc["configured"]:
        say("Feedback: not set up. Run: sesdesk feedback setup --team NAME")
        return
    say(f"Feedback: configuration set {doc['configuration_set']}")
    say(f"  topic {doc['topic_arn']}")
    say(f"  queue {doc['queue_url']}")
    waiting = "unknown" if doc["waiting"] is None else str(doc["waiting"])
    say(f"  waiting {waiting}, last drained {doc['last_drained'] or 'never'}")
    for problem in doc["problems"]:
        say(f"! {problem}")


def _show_wiring(args: argparse.Namespace, ctx: Context, read: Any) -> int:
    """Print the wiring status `read(store, team_id)` returns, as JSON or as text."""
    doc = read(ctx.store, team_of(ctx, args).id).as_json()
    if args.json:
        emit_json(doc)
    else:
        _print_status(doc)
    return 0


def _setup(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.feedback.wiring import set_up_feedback

    return _show_wiring(args, ctx, set_up_feedback)


def _status(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.feedback.wiring import feedback_status

    return _show_wiring(args, ctx, feedback_status)


def _drain(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.feedback.intake import drain

    result = drain(ctx.store, team_of(ctx, args).id)
    if args.json:
        emit_json(result.as_json())
    else:
        say(
            f"{result.processed} processed, {result.duplicates} duplicates, "
            f"{result.unrecognised} unrecognised"
            + (f", {result.unmatched} for unknown recipients" if result.unmatched else "")
            + (f", {result.settled} uncertain sends settled" if result.settled else "")
        )
    if result.error is not None:
        note(f"sesdesk: {result.error.message}")
        if result.error.hint:
            note(result.error.hint)
        return int(result.error.exit_code)
    return 0


def _report(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.feedback.report import broadcast_report

    rows = broadcast_report(ctx.store, team_of(ctx, args).id, args.broadcast_id)
    if args.json:
        emit_json([row.as_json() for row in rows])
        return 0
    for row in rows:
        when = f"{row.time:%Y-%m-%d %H:%M}" if row.time else ""
        say(f"{row.email}\t{row.state}\t{row.outcome or '-'}\t{row.detail or ''}\t{when}")
    return 0


def _resend(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.feedback.uncertain import release_probably_not_sent

    count = release_probably_not_sent(ctx.store, team_of(ctx, args).id, args.broadcast_id)
    if args.json:
        emit_json({"released": count})
    else:
        say(
            f"{count} recipients probably not sent are pending again: "
            f"run `sesdesk broadcast send --team {args.team} {args.broadcast_id}`."
        )
    return 0


def add_to_status(doc: dict[str, Any], ctx: Context, team_id: int) -> None:
    """`status`: the reputation and the feedback warnings."""
    from sesdesk.services.feedback.reputation import reputation, reputation_warnings
    from sesdesk.services.feedback.wiring import feedback_warnings

    rep = reputation(ctx.store, team_id)
    doc["reputation"] = rep.as_json()
    # Missing feedback matters once something can be sent (nothing to come back before).
    can_send = any(decision["allowed"] for decision in doc.get("can", {}).values())
    found = feedback_warnings(ctx.store, team_id, doc.get("mailer") is not None and can_send)
    found += reputation_warnings(rep)
    fixes = {"feedback_missing": "repair_feedback", "feedback_broken": "repair_feedback"}
    for code, message in found:
        doc["warnings"].append({"code": code, "message": message, "fix": fixes.get(code)})


def suppression_document(ctx: Context, team_id: int) -> list[dict[str, Any]]:
    """`suppression list --json` with source and reason (BOUNCE, COMPLAINT, …)."""
    from sesdesk.services.feedback.suppression import suppression_entries

    return [entry.as_json() for entry in suppression_entries(ctx.store, team_id)]
