"""`sesdesk send-test`, `sesdesk broadcast create|send|status|list|cancel`,
`sesdesk suppression list|add|remove`.

`broadcast send` runs to completion or to a stop and always prints the broadcast's status
(with `--json`, the `broadcast status --json` document). Its exit code says how it ended:
0 done (or paused/cancelled on purpose); 3 stopped by the daily quota (state
`waiting_quota`: run it again later, or pass `--wait-quota` to wait in the process) or by
AWS pausing sending; 4 the mailer lost access (state `paused`); 5 AWS unreachable or
throttling persistently (state `paused`); 6 the disk is full (state `paused`); 130
interrupted by Ctrl+C, SIGTERM or SIGHUP (in-flight sends land first; state `paused`).
While another broadcast of the same AWS account sends, it waits (`queued`) and then sends.
With `--json` the status document is printed in every case, refusals and signals included
(with an "error" member when it did not run). Recipients left `uncertain` by a crash are
re-sent only with `--resend-uncertain`.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import Any

from sesdesk.cli import Context, emit_json, note, record_id, say
from sesdesk.cli.parsing import Handler, command, show_rows, team_of
from sesdesk.errors import BadInput, SesdeskError
from sesdesk.models.states import BroadcastState


def register(sub: Any) -> None:
    """Add `send-test`, `broadcast` and `suppression`."""
    test = command(sub, "send-test", "send one test email", _send_test)
    test.add_argument("--from", required=True, dest="from_address", metavar="ADDR")
    test.add_argument("--to", required=True, metavar="ADDR")
    test.add_argument("--name", help="the recipient's name, for {{name}}")
    _message_options(test)

    broadcast = sub.add_parser("broadcast", help="create, send and follow broadcasts")
    actions = broadcast.add_subparsers(dest="broadcast_command", metavar="ACTION", required=True)

    create = command(actions, "create", "a draft broadcast to a contact list", _create)
    create.add_argument("--list", required=True, dest="list_name", metavar="LIST")
    create.add_argument("--from", required=True, dest="from_address", metavar="ADDR")
    _message_options(create)
    create.add_argument(
        "--test-campaign",
        action="store_true",
        help="a test campaign: allowed in the sandbox when every recipient is verified "
        "and the list fits in today's quota",
    )

    send = _broadcast_command(
        actions, "send", "send (or resume) a broadcast until done or a stop", _send
    )
    send.add_argument(
        "--resend-uncertain",
        action="store_true",
        help="also send to recipients whose earlier send is uncertain (may duplicate)",
    )
    send.add_argument(
        "--wait-quota",
        action="store_true",
        help="when the daily quota runs out, wait for the 24-hour window instead of stopping",
    )
    _broadcast_command(actions, "status", "where a broadcast stands", _status)
    command(actions, "list", "the team's broadcasts and test sends", _list)
    _broadcast_command(actions, "cancel", "stop a broadcast for good", _cancel)

    from sesdesk.cli.feedback_cmd import register_broadcast

    register_broadcast(actions)  # report, resend

    suppression = sub.add_parser("suppression", help="the team's local suppression list")
    sup = suppression.add_subparsers(dest="suppression_command", metavar="ACTION", required=True)
    command(sup, "list", "addresses never sent to", _suppression_list)
    sup_add = command(sup, "add", "never send to an address again", _suppression_add, json=False)
    sup_add.add_argument("email", metavar="EMAIL")
    sup_add.add_argument(
        "--reason", default="manual", choices=("manual", "bounce", "complaint", "unsubscribe")
    )
    sup_remove = command(
        sup, "remove", "allow sending to an address again", _suppression_remove, json=False
    )
    sup_remove.add_argument("email", metavar="EMAIL")


def _message_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subject", required=True, metavar="S")
    parser.add_argument("--text", metavar="T", help="the text body ({{name}}, {{email}})")
    parser.add_argument("--text-file", type=Path, metavar="FILE", help="the text body from a file")
    parser.add_argument("--html", type=Path, metavar="FILE", help="the HTML body from a file")
    parser.add_argument("--reply-to", metavar="ADDR")
    parser.add_argument(
        "--unsubscribe",
        metavar="MAILTO",
        help="address (or mailto: URL) for the List-Unsubscribe header; default: the sender",
    )


def _broadcast_command(
    actions: Any, name: str, text: str, handler: Handler
) -> argparse.ArgumentParser:
    """A subcommand on one broadcast: `--team NAME BROADCAST_ID --json`."""
    parser = command(actions, name, text, handler)
    parser.add_argument("broadcast_id", type=record_id, metavar="BROADCAST_ID")
    return parser


def _read(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(option, f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(option, f"{path} is not UTF-8 text") from None


def _composition(args: argparse.Namespace) -> Any:
    from sesdesk.services.sending import Composition

    text = args.text
    if args.text_file is not None:
        if text is not None:
            raise BadInput("--text-file", "give --text or --text-file, not both")
        text = _read(args.text_file, "--text-file")
    html = _read(args.html, "--html") if args.html is not None else None
    if text is None and html is None:
        raise BadInput("--text", "give the message body with --text T or --html FILE (or both)")
    return Composition(
        from_address=args.from_address,
        subject=args.subject,
        text_body=text,
        html_body=html,
        reply_to=args.reply_to,
        unsubscribe_mailto=args.unsubscribe,
    )


def _send_test(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import NotAllowed, ServiceUnreachable
    from sesdesk.models.sending import FAILED, UNCERTAIN
    from sesdesk.services.sending import recipients, send_test_email

    team_id = team_of(ctx, args).id
    result = send_test_email(
        ctx.store, team_id, to=args.to, composition=_composition(args), name=args.name
    )
    row = recipients(ctx.store, team_id, result.status.id, limit=1)[0]
    if args.json:
        emit_json(
            {
                "id": result.status.id,
                "to": row.email,
                "state": row.state,
                "message_id": row.message_id,
                "error": row.error,
                "stop_reason": result.status.stop_reason,
            }
        )
    if row.state == FAILED:
        raise NotAllowed(f"AWS refused the test email to {row.email}: {row.error}")
    if row.state == UNCERTAIN:
        raise ServiceUnreachable(
            f"The test email to {row.email} may or may not have been sent: {row.error}"
        )
    if result.stop_error is not None:
        raise result.stop_error
    if not args.json:
        say(f"Sent a test email to {row.email} (message id {row.message_id}).")
    return 0


def _create(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.models.sending import KIND_BROADCAST, KIND_TEST_CAMPAIGN
    from sesdesk.services.gating import decide
    from sesdesk.services.sending import create_broadcast
    from sesdesk.services.state import load_snapshot

    team_id = team_of(ctx, args).id
    kind = KIND_TEST_CAMPAIGN if args.test_campaign else KIND_BROADCAST
    status = create_broadcast(
        ctx.store, team_id, list_name=args.list_name, composition=_composition(args), kind=kind
    )
    decision = decide(load_snapshot(ctx.store, team_id)).for_kind(kind)
    if args.json:
        doc = status.as_json()
        doc["can_send"] = {"allowed": decision.allowed, "reason": decision.reason}
        emit_json(doc)
    else:
        what = "test campaign" if args.test_campaign else "broadcast"
        say(f"Created {what} {status.id} to {status.total} recipient(s) (draft).")
    if not decision.allowed:
        note(f"Note: it cannot be sent yet: {decision.reason}")
    return 0


def _print_status(status: Any) -> None:
    say(
        f"Broadcast {status.id} ({status.kind}): {status.state}. "
        f"{status.sent} sent, {status.failed} failed, {status.suppressed} suppressed, "
        f"{status.pending} pending, {status.uncertain} uncertain of {status.total}."
    )
    if status.stop_reason:
        say(f"Stopped because: {status.stop_reason}")
    if status.unsubscribe_note:
        say(status.unsubscribe_note)
    if status.uncertain:
        say(
            f"{status.uncertain} recipient(s) are uncertain (in flight when sending stopped); "
            "send them again only with `broadcast send --resend-uncertain`."
        )


def _show_status(args: argparse.Namespace, status: Any) -> int:
    """Print a broadcast's status (as JSON with --json); exit code 0."""
    if args.json:
        emit_json(status.as_json())
    else:
        _print_status(status)
    return 0


def _send(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.cli.signals import graceful_stop
    from sesdesk.services.sending import BroadcastRunner, Progress

    last = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if p.status.state == BroadcastState.QUEUED:
            note(f"Broadcast {p.status.id} is queued: {p.status.stop_reason}")
            return
        if now - last[0] < 2.0:
            return
        last[0] = now
        left = f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
        note(
            f"{p.status.sent} sent, {p.status.failed} failed, {p.status.pending} pending "
            f"of {p.status.total} — {p.rate:.1f}/s (limit {p.allowed_rate:g}/s){left}"
        )

    team_id: int | None = None
    try:
        team_id = team_of(ctx, args).id
        runner = BroadcastRunner(
            ctx.store,
            team_id,
            args.broadcast_id,
            wait_for_quota=args.wait_quota,
            resend_uncertain=args.resend_uncertain,
            on_progress=progress,
            on_sync=lambda p: (
                note(f"Syncing contacts to SES: {p.done} of {p.total}")
                if p.total and (p.done == p.total or p.done % 5000 == 0)
                else None
            ),
        )
        with graceful_stop(runner.pause) as stop:
            result = runner.run()
    except SesdeskError as exc:
        # The JSON document comes in every case, a refusal before sending included.
        if args.json:
            emit_json(_send_failure(ctx, team_id, args.broadcast_id, exc.message, exc.exit_code))
        raise
    except KeyboardInterrupt:
        if args.json:
            emit_json(_send_failure(ctx, team_id, args.broadcast_id, "interrupted", 130))
        raise
    if args.json:
        doc = result.status.as_json()
        doc["throttled"] = result.throttled
        emit_json(doc)
    else:
        _print_status(result.status)
    if result.stop_error is not None:
        note(f"sesdesk: {result.stop_error.message}")
        if result.stop_error.hint:
            note(result.stop_error.hint)
    if stop.signum is not None:
        note(f"sesdesk: interrupted by {stop.name}")
        return 130
    return result.exit_code


def _send_failure(
    ctx: Context, team_id: int | None, broadcast_id: int, message: str, exit_code: int
) -> dict[str, Any]:
    """`broadcast send --json`'s document when it could not run to a status of its own: the
    broadcast's status as stored (when readable) and the error."""
    from sesdesk.services.sending import broadcast_status
    from sesdesk.services.sending.queries import STATUS_KEYS

    doc: dict[str, Any] = dict.fromkeys(STATUS_KEYS)
    doc["id"] = broadcast_id
    if team_id is not None:
        with contextlib.suppress(SesdeskError):
            doc = broadcast_status(ctx.store, team_id, broadcast_id).as_json()
    doc["throttled"] = 0
    doc["error"] = {"message": message, "exit_code": exit_code}
    return doc


def _status(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.sending import broadcast_status

    return _show_status(args, broadcast_status(ctx.store, team_of(ctx, args).id, args.broadcast_id))


def _list(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.sending import list_broadcasts

    return show_rows(
        args,
        list_broadcasts(ctx.store, team_of(ctx, args).id),
        lambda row: row.as_json(),
        lambda row: (
            f"{row.id}\t{row.kind}\t{row.state}\t{row.sent}/{row.total} sent\t{row.subject}"
        ),
        "No broadcasts yet.",
    )


def _cancel(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.sending import cancel_broadcast

    return _show_status(args, cancel_broadcast(ctx.store, team_of(ctx, args).id, args.broadcast_id))


def _suppression_list(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.cli.feedback_cmd import suppression_document
    from sesdesk.services.feedback.suppression import list_suppressions

    team_id = team_of(ctx, args).id
    rows = list_suppressions(ctx.store, team_id)
    if args.json:
        emit_json(suppression_document(ctx, team_id))
    elif not rows:
        say("The suppression list is empty.")
    else:
        for r in rows:
            say(f"{r.email}\t{r.reason}\t{r.created_at:%Y-%m-%d %H:%M}")
    return 0


def _suppression_add(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services.feedback.suppression import suppress

    added = suppress(ctx.store, team_of(ctx, args).id, args.email, args.reason)
    say(f"{args.email.strip()} {'added to' if added else 'was already on'} the suppression list.")
    return 0


def _suppression_remove(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import NotFound
    from sesdesk.services.feedback.suppression import unsuppress

    if not unsuppress(ctx.store, team_of(ctx, args).id, args.email):
        raise NotFound("email", f"{args.email.strip()} is not on the suppression list")
    say(f"{args.email.strip()} removed from the suppression list.")
    return 0
