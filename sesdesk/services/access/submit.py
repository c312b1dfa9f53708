"""Sending the request: through PutAccountDetails, or prepared for the AWS console."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sesdesk.aws.errors import Rejected
from sesdesk.aws.ses import AccountDetailsRequest, SesFacade
from sesdesk.errors import BadInput, NotAllowed, SesdeskError
from sesdesk.models import Store, utcnow
from sesdesk.models.access import VIA_API, VIA_CONSOLE, AccessRequest
from sesdesk.services.access.checks import CheckResult, require_valid
from sesdesk.services.access.form import (
    CONSOLE_EXTRA_QUESTIONS,
    LANGUAGE_NAMES,
    MAIL_TYPE_SHORT,
    TYPICAL_REVIEW,
    AccessForm,
)
from sesdesk.services.access.readiness import readiness
from sesdesk.services.access.requests import record_request
from sesdesk.services.access.review import sync_outcome
from sesdesk.services.access_templates import (
    ComposerAnswers,
)
from sesdesk.services.mailers import open_mailer, watching_access
from sesdesk.services.state import load_snapshot

# --- submit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    """What a submission did."""

    request_id: int
    region: str
    submitted_at: datetime
    review_status: str | None
    case_id: str | None
    warnings: tuple[CheckResult, ...] = ()
    refresh_problem: str | None = None

    def to_document(self, team: str) -> dict[str, Any]:
        """As `access submit --json` prints it."""
        return {
            "team": team,
            "request_id": self.request_id,
            "region": self.region,
            "submitted_at": self.submitted_at.isoformat(),
            "review": self.review_status or "none",
            "case_id": self.case_id,
            "warnings": [w.to_document() for w in self.warnings],
            "refresh_problem": self.refresh_problem,
        }


def submit(
    store: Store,
    team_id: int,
    form: AccessForm,
    *,
    answers: ComposerAnswers | None = None,
    facade: SesFacade | None = None,
) -> SubmitResult:
    """Check, send PutAccountDetails (ProductionAccessEnabled), keep the request, refresh once.

    Bad input raises BadInput naming the field and nothing reaches AWS; a team that cannot
    apply (no mailer, keys lost, nothing verified, already production or under review)
    raises NotAllowed with the reason. AWS failures arrive classified.
    """
    from sesdesk.services.refresh import refresh_team

    clean, warnings = require_valid(form)
    ready = readiness(store, team_id)
    if not ready.ready:
        raise NotAllowed(ready.reason)
    ses = facade or open_mailer(store, team_id)
    # The form's fields are PutAccountDetails' own, under the same names.
    request = AccountDetailsRequest(**asdict(clean), production_access=True)
    try:
        with watching_access(store, team_id):
            ses.put_account_details(request)
    except Rejected as exc:
        if exc.code in {"BadRequestException", "ValidationException", "InvalidParameterValue"}:
            # Our checks let through something AWS refuses: still the user's input.
            raise BadInput("form", f"AWS refused the request: {exc.message}") from None
        raise
    now = utcnow()
    region = ready.region or ses.region
    request_id = record_request(
        store, team_id, clean, via=VIA_API, region=region, answers=answers, at=now
    )
    problem: str | None = None
    try:
        refresh_team(store, team_id, ses)
    except SesdeskError as exc:
        # The request is in: a failed refresh only means the store shows it a poll later.
        problem = exc.message
    sync_outcome(store, team_id)
    with store.session() as session:
        row = session.get(AccessRequest, request_id)
        status, case_id = (row.outcome, row.case_id) if row else (None, None)
    return SubmitResult(
        request_id=request_id,
        region=region,
        submitted_at=now,
        review_status=status,
        case_id=case_id,
        warnings=tuple(warnings),
        refresh_problem=problem,
    )


# --- prepare for the console ---------------------------------------------------------------


def console_url(region: str | None) -> str:
    """The SES console's account dashboard for `region` (where "Request production access" is)."""
    if not region:
        return "https://console.aws.amazon.com/ses/"
    return f"https://{region}.console.aws.amazon.com/ses/home?region={region}#/account"


@dataclass(frozen=True)
class ConsoleField:
    """One answer of the console's form, ready to copy."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class ConsoleExport:
    """Everything needed to submit the request by hand in the SES console."""

    region: str | None
    url: str
    fields: tuple[ConsoleField, ...]
    steps: tuple[str, ...]

    def as_text(self) -> str:
        """The whole export as plain text (for the clipboard or a terminal)."""
        lines = [f"Open: {self.url}", ""]
        lines += [f"{n}. {step}" for n, step in enumerate(self.steps, 1)]
        for item in self.fields:
            lines += ["", f"== {item.label} =="]
            if item.note:
                lines.append(f"({item.note})")
            lines.append(item.value)
        return "\n".join(lines)


def console_export(
    form: AccessForm, region: str | None, *, owns_domain: bool = True
) -> ConsoleExport:
    """The manual path, for those who apply in the SES console themselves: each field ready
    to copy and the console address."""
    clean = form.normalized()
    url = console_url(region)
    where = f"the {region} region" if region else "your region"
    steps = (
        f"Open the SES console at the address above (or https://console.aws.amazon.com/ses/ "
        f"and switch to {where}: the sandbox is per region).",
        'Click "Account dashboard" in the left sidebar; it shows your current sending limits.',
        'In "Sending limits" you see "Your account is in the Amazon SES sandbox": click '
        '"Request production access".',
        "Fill in the form with the answers below, then review all information.",
        'Click "Submit request"; you will see "Your request has been submitted".',
        f"Wait for approval: typically {TYPICAL_REVIEW}. AWS emails you when it decides; "
        'the Account dashboard shows "Pending", "Approved" or "Rejected".',
    )
    domain_answer = (
        ("Yes", "you send from a verified domain")
        if owns_domain
        else (
            "No",
            "explain you are using verified email addresses for initial testing",
        )
    )
    fields = (
        ConsoleField(
            "Mail type", clean.mail_type.title(), MAIL_TYPE_SHORT.get(clean.mail_type, "")
        ),
        ConsoleField("Website URL", clean.website_url),
        ConsoleField("Use case description", clean.use_case_description, "be detailed"),
        ConsoleField(
            "Additional contacts",
            ", ".join(clean.additional_contacts),
            "optional, up to 4 addresses",
        ),
        ConsoleField(
            "Preferred contact language",
            LANGUAGE_NAMES.get(clean.contact_language, clean.contact_language),
        ),
        *(ConsoleField(question, answer) for question, answer in CONSOLE_EXTRA_QUESTIONS),
        ConsoleField("Do you own or operate the domains you will send from?", *domain_answer),
    )
    return ConsoleExport(region=region, url=url, fields=fields, steps=steps)


def export_for_console(
    store: Store,
    team_id: int,
    form: AccessForm,
    *,
    answers: ComposerAnswers | None = None,
) -> ConsoleExport:
    """Check the form, keep it as a console request, and return the export."""
    clean, _warnings = require_valid(form)
    snapshot = load_snapshot(store, team_id)
    region = snapshot.mailer.region if snapshot.mailer else None
    owns_domain = any(i.kind == "domain" and i.status == "SUCCESS" for i in snapshot.identities)
    record_request(
        store, team_id, clean, via=VIA_CONSOLE, region=region, answers=answers, at=utcnow()
    )
    return console_export(clean, region, owns_domain=owns_domain)
