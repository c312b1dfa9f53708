"""Tracking the review: guidance for each status, and the state the dashboard shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import select

from sesdesk.models import AccountStatus, Store, utcnow
from sesdesk.models.access import AccessRequest
from sesdesk.services.access.form import (
    TYPICAL_REVIEW,
)
from sesdesk.services.access.requests import RequestView, list_requests
from sesdesk.services.gating import Fix
from sesdesk.services.state import load_snapshot

# --- tracking ------------------------------------------------------------------------------


class ReviewGuidance(NamedTuple):
    """What the UI says about the review: a title, a text, and the action that helps."""

    title: str
    text: str
    action: Fix | None


def _when(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def review_guidance(
    status: str | None,
    submitted_at: datetime | None,
    *,
    now: datetime | None = None,
    max_24h: float | None = None,
    max_rate: float | None = None,
    case_id: str | None = None,
) -> ReviewGuidance:
    """What to tell the user for a review status, and what to do next."""
    case = f" (case {case_id})" if case_id else ""
    if status == "PENDING":
        since = ""
        if submitted_at is not None:
            current = now or utcnow()
            aware = submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
            hours = max(0, int((current - aware).total_seconds() // 3600))
            since = f" Submitted {_when(submitted_at)} ({hours} h ago)."
        return ReviewGuidance(
            "Review pending",
            f"AWS is reviewing your production-access request{case}.{since} The typical wait "
            f"is {TYPICAL_REVIEW}; AWS emails you when it decides. Until then you can test "
            "with verified addresses.",
            Fix.WAIT,
        )
    if status == "GRANTED":
        quota = ""
        if max_24h is not None and max_rate is not None:
            quota = f" Your quota is now {max_24h:g} emails a day, {max_rate:g} a second."
        return ReviewGuidance(
            "Production access granted",
            f"AWS approved your request{case}: you can send to any address.{quota} "
            "No changes needed: broadcasts are now allowed.",
            None,
        )
    if status == "DENIED":
        return ReviewGuidance(
            "Request denied",
            f"AWS denied the request{case}. Read the reason in AWS's email or support case, "
            "address the concerns, add detail (what you send, to whom, how they sign up, "
            "volume per day, bounce and complaint handling) and submit a new request. The "
            "wizard reopens with your previous answers.",
            Fix.APPLY,
        )
    if status == "FAILED":
        return ReviewGuidance(
            "Request could not be processed",
            f"AWS could not process the request{case}: submit it again (the wizard reopens "
            "with your previous answers).",
            Fix.APPLY,
        )
    return ReviewGuidance(
        "In the sandbox",
        "The account is in the SES sandbox: only verified recipients, 200 emails a day. "
        "Apply for production access to send broadcasts.",
        Fix.APPLY,
    )


def sync_outcome(store: Store, team_id: int) -> str | None:
    """Copy the stored review status onto the latest request; returns that status."""
    with store.session() as session:
        account = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
        row = session.scalar(
            select(AccessRequest)
            .where(AccessRequest.team_id == team_id)
            .order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())
            .limit(1)
        )
        if account is None or row is None or account.review_status is None:
            return row.outcome if row is not None else None
        if row.outcome != account.review_status:
            row.outcome = account.review_status
            row.outcome_at = utcnow()
        if account.review_case_id:
            row.case_id = account.review_case_id
        return row.outcome


@dataclass(frozen=True)
class ReviewState:
    """The review as the dashboard shows it: status, guidance, the last request."""

    status: str | None
    production: bool
    region: str | None
    guidance: ReviewGuidance
    latest: RequestView | None = None
    history: tuple[RequestView, ...] = field(default_factory=tuple)


def review_state(store: Store, team_id: int, *, now: datetime | None = None) -> ReviewState:
    """The team's review status with guidance (store only; syncs the latest request)."""
    sync_outcome(store, team_id)
    snapshot = load_snapshot(store, team_id)
    requests = list_requests(store, team_id)
    latest = requests[0] if requests else None
    account = snapshot.account
    status = account.review_status if account else None
    submitted = None
    if latest is not None:
        submitted = latest.submitted_at or latest.created_at
    guidance = review_guidance(
        status,
        submitted,
        now=now,
        max_24h=account.max_24h if account else None,
        max_rate=account.max_rate if account else None,
        case_id=latest.case_id if latest else None,
    )
    return ReviewState(
        status=status,
        production=bool(account and account.production),
        region=snapshot.mailer.region if snapshot.mailer else None,
        guidance=guidance,
        latest=latest,
        history=tuple(requests),
    )
