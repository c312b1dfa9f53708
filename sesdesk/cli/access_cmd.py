"""`sesdesk access draft` and `sesdesk access submit`: the production-access request.

The form file and `draft --json` use SESv2 PutAccountDetails' field names; extra
lower-case keys in the draft (team, region, checks…) are ignored when the file comes back.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sesdesk.cli import Context, emit_json, note, say
from sesdesk.cli.parsing import command, team_of

_VERDICT_MARK = {"ok": "ok   ", "warn": "WARN ", "block": "BLOCK"}


def register(sub: Any) -> None:
    """Add `access draft` and `access submit`."""
    access = sub.add_parser("access", help="the SES production-access request")
    commands = access.add_subparsers(dest="access_command", metavar="COMMAND")
    commands.required = True

    draft = command(commands, "draft", "the production-access form as prepared, checked", _draft)
    draft.add_argument(
        "--template",
        choices=["otp", "newsletter"],
        help="start from a template instead of the last request",
    )

    submit = command(
        commands, "submit", "check the form and submit it to AWS (PutAccountDetails)", _submit
    )
    submit.add_argument(
        "--form", required=True, metavar="FILE.json", help="the form ('-' reads stdin)"
    )


def _draft(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services import access

    team = team_of(ctx, args)
    prepared = access.draft(ctx.store, team.id, template_key=args.template)
    checks = prepared.checks
    ready = prepared.readiness
    export = access.console_export(prepared.form, ready.region)
    if args.json:
        doc: dict[str, Any] = prepared.form.to_document()
        doc.update(
            {
                "team": team.name,
                "region": ready.region,
                "source": prepared.source,
                "ready": ready.ready,
                "reason": ready.reason,
                "review": ready.review_status or "none",
                "verdict": access.overall(checks).value,
                "checks": [c.to_document() for c in checks],
                "console_url": export.url,
            }
        )
        emit_json(doc)
        return 0
    say(f"Production-access request for {team.name} ({prepared.source})")
    if ready.region:
        say(ready.region_note)
    if not ready.ready:
        say(f"! {ready.reason}")
    say("")
    for item in export.fields:
        say(f"== {item.label} ==")
        say(item.value or "(empty)")
        say("")
    say("Checks:")
    for check in checks:
        say(f"  {_VERDICT_MARK[check.verdict.value]} {check.title}: {check.message}")
    say("")
    say(f"Submit with: sesdesk access submit --team {team.name!r} --form FILE.json")
    say(f"Or in the SES console: {export.url}")
    return 0


#: Far more than any form needs (the description is at most 5,000 characters): a bigger file
#: is not a form, and reading it whole would only cost memory.
MAX_FORM_BYTES = 256 * 1024


def _read_form(path: str) -> dict[str, Any]:
    from sesdesk.errors import BadInput

    shown = "stdin" if path == "-" else path
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_FORM_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                raw = handle.read(MAX_FORM_BYTES + 1)
    except FileNotFoundError:
        raise BadInput("--form", f"no such file: {path}") from None
    except OSError as exc:
        raise BadInput("--form", f"cannot read {shown}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FORM_BYTES:
        raise BadInput(
            "--form", f"{shown} is too big for a form (over {MAX_FORM_BYTES // 1024} KiB)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput("--form", f"{shown} is not UTF-8 text (byte {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            "--form", f"{shown} is not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except RecursionError:
        # json gives up on deep nesting by running out of stack, not with a JSON error.
        raise BadInput("--form", f"{shown} is nested far too deeply to be a form") from None
    if not isinstance(doc, dict):
        raise BadInput("--form", "must be a JSON object with the PutAccountDetails fields")
    return doc


def _submit(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.services import access

    doc = _read_form(args.form)
    form = access.AccessForm.from_document(doc)
    for name in access.unknown_fields(doc):
        note(f"sesdesk: ignoring unknown field {name!r}")
    team = team_of(ctx, args)
    result = access.submit(ctx.store, team.id, form)
    for warning in result.warnings:
        note(f"warning: {warning.title}: {warning.message}")
    if result.refresh_problem:
        note(f"sesdesk: submitted, but the status could not be refreshed: {result.refresh_problem}")
    if args.json:
        emit_json(result.to_document(team.name))
        return 0
    case = f" (case {result.case_id})" if result.case_id else ""
    say(
        f"Submitted the production-access request for {team.name} in {result.region}{case}. "
        f"Review: {result.review_status or 'not yet visible'}."
    )
    say(
        f"AWS usually answers within {access.TYPICAL_REVIEW} and emails you; "
        f"`sesdesk status --team {team.name!r} --refresh` shows the review."
    )
    return 0
