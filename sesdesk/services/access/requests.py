"""Drafts and stored requests: what the team asked AWS and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from sesdesk.models import Store, record_event
from sesdesk.models.access import VIA_API, AccessRequest
from sesdesk.services.access.checks import CheckResult, check_form
from sesdesk.services.access.form import (
    AccessForm,
    form_from_template,
)
from sesdesk.services.access.readiness import Readiness, readiness_of, suggest_website
from sesdesk.services.access_templates import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    AccessTemplate,
    ComposerAnswers,
    answers_for,
)
from sesdesk.services.state import from_row, load_snapshot

# --- drafts and stored requests ------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """A stored request, detached from the database."""

    id: int
    created_at: datetime
    submitted_at: datetime | None
    region: str | None
    via: str
    form: AccessForm
    answers: ComposerAnswers | None
    case_id: str | None
    outcome: str | None
    outcome_at: datetime | None


def _view(row: AccessRequest) -> RequestView:
    return from_row(
        RequestView,
        row,
        form=AccessForm(
            mail_type=row.mail_type,
            website_url=row.website_url,
            use_case_description=row.use_case_description,
            contact_language=row.contact_language,
            additional_contacts=tuple(row.additional_contacts or ()),
        ),
        answers=ComposerAnswers.from_dict(row.composer_answers) if row.composer_answers else None,
    )


def list_requests(store: Store, team_id: int) -> list[RequestView]:
    """Every request of the team, newest first."""
    with store.session() as session:
        rows = session.scalars(
            select(AccessRequest)
            .where(AccessRequest.team_id == team_id)
            .order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())
        ).all()
        return [_view(row) for row in rows]


def last_request(store: Store, team_id: int) -> RequestView | None:
    """The team's most recent request, or None."""
    requests = list_requests(store, team_id)
    return requests[0] if requests else None


@dataclass(frozen=True)
class Draft:
    """The form as currently prepared, where it came from, and the facts around it."""

    form: AccessForm
    answers: ComposerAnswers
    source: str  # "last_request" | "template:<key>"
    readiness: Readiness
    previous: RequestView | None = None
    business: str = ""

    @property
    def checks(self) -> list[CheckResult]:
        """The checks on this draft."""
        return check_form(self.form)


def _template_for(mail_type: str) -> AccessTemplate:
    for candidate in TEMPLATES.values():
        if candidate.mail_type == mail_type:
            return candidate
    return TEMPLATES[DEFAULT_TEMPLATE]


def draft(store: Store, team_id: int, *, template_key: str | None = None) -> Draft:
    """The form to start from: the last request's answers, else a template (OTP by default)."""
    snapshot = load_snapshot(store, team_id)
    ready = readiness_of(snapshot)
    previous = last_request(store, team_id)
    if previous is not None and template_key is None:
        # A request written elsewhere (CLI) has no answers: the composer starts from the
        # template of its mail type, while the description stays exactly as written.
        answers = previous.answers or answers_for(
            _template_for(previous.form.mail_type).key, business=snapshot.team_name
        )
        return Draft(previous.form, answers, "last_request", ready, previous)
    key = template_key or DEFAULT_TEMPLATE
    website = suggest_website(snapshot.identities)
    form, answers = form_from_template(
        key,
        website_url=website,
        business=snapshot.team_name,
        domain=website.removeprefix("https://"),
    )
    return Draft(form, answers, f"template:{key}", ready, previous, snapshot.team_name)


def record_request(
    store: Store,
    team_id: int,
    form: AccessForm,
    *,
    via: str,
    region: str | None,
    answers: ComposerAnswers | None,
    at: datetime,
) -> int:
    """Store the request as sent (`via` API) or prepared for the console; returns its id."""
    with store.session() as session:
        row = AccessRequest(
            team_id=team_id,
            created_at=at,
            submitted_at=at if via == VIA_API else None,
            region=region,
            mail_type=form.mail_type,
            website_url=form.website_url,
            contact_language=form.contact_language,
            use_case_description=form.use_case_description,
            additional_contacts=list(form.additional_contacts),
            composer_answers=answers.to_dict() if answers else None,
            via=via,
        )
        session.add(row)
        how = "submitted to AWS" if via == VIA_API else "prepared for the SES console"
        record_event(
            session,
            team_id,
            "account",
            "access_request",
            None,
            via,
            f"Production-access request {how} ({form.mail_type.lower()}, {form.website_url}"
            f"{', ' + region if region else ''}).",
            at=at,
        )
        session.flush()
        return row.id
