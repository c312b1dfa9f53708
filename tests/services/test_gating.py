"""The gating table (what each state allows), checked over every combination of stored state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from sesdesk.services.gating import Fix, decide, reputation_page
from sesdesk.services.state import AccountView, IdentityView, MailerView, TeamSnapshot

REVIEW_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

MAILERS = {
    "none": None,
    "ok": MailerView("123456789012", "eu-west-1", "WXYZ", "ok", None, None),
    "unknown": MailerView("123456789012", "eu-west-1", "WXYZ", "unknown", None, None),
    "lost": MailerView("123456789012", "eu-west-1", "WXYZ", "lost", "keys revoked", None),
}


def _identity(name: str, status: str, error: str | None = None) -> IdentityView:
    return IdentityView(name, "email" if "@" in name else "domain", status, error)


IDENTITIES = {
    "none": (),
    "pending_email": (_identity("me@acme.test", "PENDING"),),
    "pending_domain": (_identity("acme.test", "PENDING"),),
    "temporary_failure": (_identity("acme.test", "TEMPORARY_FAILURE"),),
    "failed": (_identity("acme.test", "FAILED", "HOST_NOT_FOUND"),),
    "verified": (_identity("acme.test", "SUCCESS"),),
    "verified_and_failed": (
        _identity("acme.test", "SUCCESS"),
        _identity("old.test", "FAILED", "HOST_NOT_FOUND"),
    ),
    "verified_and_pending": (
        _identity("acme.test", "SUCCESS"),
        _identity("me@acme.test", "PENDING"),
    ),
}


def _account(
    production: bool,
    review: str | None,
    *,
    sent: float,
    sending: bool = True,
    enforcement: str = "HEALTHY",
) -> AccountView:
    max_24h, rate = (50000.0, 14.0) if production else (200.0, 1.0)
    return AccountView(
        production=production,
        review_status=review,
        sending_enabled=sending,
        max_24h=max_24h,
        sent_24h=min(sent, max_24h),
        max_rate=rate,
        left_24h=max(0.0, max_24h - sent),
        enforcement_status=enforcement,
        review_since=REVIEW_AT if review == "PENDING" else None,
    )


ACCOUNTS = {
    "unchecked": lambda sent: None,
    "sandbox": lambda sent: _account(False, None, sent=sent),
    "review_pending": lambda sent: _account(False, "PENDING", sent=sent),
    "review_denied": lambda sent: _account(False, "DENIED", sent=sent),
    "review_failed": lambda sent: _account(False, "FAILED", sent=sent),
    "production": lambda sent: _account(True, "GRANTED", sent=sent),
    "paused": lambda sent: _account(False, None, sent=sent, sending=False, enforcement="PROBATION"),
    "shutdown": lambda sent: _account(True, None, sent=sent, enforcement="SHUTDOWN"),
}
QUOTA_USE = {"fresh": 3.0, "low": 195.0, "used_up": 10**9}


def expected(mailer: str, identities: str, account: str, quota: str) -> tuple[tuple, Fix | None]:
    """The gating table written out row by row: ((test email, campaign, broadcast), fix)."""
    no = (False, False, False)
    if mailer == "none":
        return no, Fix.CONNECT  # "Connect AWS" wizard
    if mailer == "lost":
        return no, Fix.RECONNECT  # red banner: Reconnect · Delete mailer
    if account in ("paused", "shutdown"):
        return no, Fix.REPUTATION  # reason and link to the reputation page
    has_verified = identities.startswith("verified")
    if not has_verified:
        if identities in ("pending_email", "pending_domain", "temporary_failure"):
            return no, Fix.VERIFY  # "waiting for AWS to verify X" + records / inbox hint
        if identities == "failed":
            return no, Fix.RETRY  # Retry · Replace
        return no, Fix.ADD_IDENTITY
    if account == "unchecked":
        return no, Fix.REFRESH
    used_up = quota == "used_up"
    if account == "production":
        return ((False, False, False), Fix.WAIT) if used_up else ((True, True, True), None)
    # sandbox, review pending, denied: test email and campaign to verified recipients only
    broadcast_fix = Fix.WAIT if account == "review_pending" else Fix.APPLY
    if used_up:
        return (False, False, False), broadcast_fix
    return (True, True, False), broadcast_fix


CASES = list(itertools.product(MAILERS, IDENTITIES, ACCOUNTS, QUOTA_USE))


@pytest.mark.parametrize(("mailer", "identities", "account", "quota"), CASES)
def test_every_state_combination_follows_the_table(mailer, identities, account, quota):
    snapshot = TeamSnapshot(
        1, "acme", MAILERS[mailer], ACCOUNTS[account](QUOTA_USE[quota]), IDENTITIES[identities]
    )
    gate = decide(snapshot)
    allowed, fix = expected(mailer, identities, account, quota)
    decisions = (gate.test_email, gate.test_campaign, gate.broadcast)
    assert tuple(d.allowed for d in decisions) == allowed
    for decision in decisions:
        assert decision.reason.strip(), "every answer carries a reason"
        if not decision.allowed:
            assert decision.fix is not None, "every no carries the fix"
    # The fix of the most important "no" (the broadcast's) is the table's action.
    assert gate.broadcast.fix == fix
    if allowed[0] and not allowed[2]:
        assert gate.test_email.verified_recipients_only
        assert gate.test_campaign.verified_recipients_only
    if allowed == (True, True, True):
        assert not gate.test_email.verified_recipients_only
    codes = {w.code for w in gate.warnings}
    assert codes <= {
        "lost_access",
        "sandbox",
        "identity_pending",
        "identity_failed",
        "review_pending",
        "review_denied",
        "sending_paused",
        "quota_low",
    }


def _snap(mailer="ok", identities="verified", account="sandbox", sent=3.0) -> TeamSnapshot:
    return TeamSnapshot(1, "acme", MAILERS[mailer], ACCOUNTS[account](sent), IDENTITIES[identities])


def test_no_mailer_says_connect_aws():
    gate = decide(_snap(mailer="none"))
    assert "connect AWS" in gate.test_email.reason
    assert gate.warnings == ()


def test_lost_access_is_the_first_warning_and_names_the_reason():
    gate = decide(_snap(mailer="lost", identities="failed"))
    assert gate.warnings[0].code == "lost_access"
    assert "keys revoked" in gate.broadcast.reason
    assert "reconnect" in gate.broadcast.reason


def test_pending_identity_names_it_and_says_what_to_do():
    email = decide(_snap(identities="pending_email"))
    assert "me@acme.test" in email.test_email.reason
    assert "link" in email.test_email.reason  # the inbox hint
    domain = decide(_snap(identities="pending_domain"))
    assert "DNS records" in domain.test_email.reason
    assert domain.warnings[0].code == "identity_pending"


def test_failed_identity_offers_retry_or_replace():
    gate = decide(_snap(identities="failed"))
    assert "retry" in gate.broadcast.reason and "replace" in gate.broadcast.reason
    assert "identity_failed" in {w.code for w in gate.warnings}


def test_sandbox_shows_quota_and_apply():
    gate = decide(_snap())
    assert "3 of 200" in gate.test_email.reason and "197 left" in gate.test_email.reason
    assert "1 a second" in gate.test_campaign.reason
    assert "apply for production access" in gate.broadcast.reason
    assert [w.code for w in gate.warnings] == ["sandbox"]


def test_review_pending_says_since_when():
    gate = decide(_snap(account="review_pending"))
    assert "review pending since 2025-03-01 09:30" in gate.broadcast.reason
    assert gate.test_email.allowed and gate.test_email.verified_recipients_only
    assert "review_pending" in {w.code for w in gate.warnings}


def test_production_says_quota_and_rate():
    gate = decide(_snap(account="production"))
    assert gate.broadcast.allowed
    assert "14 a second" in gate.broadcast.reason
    assert gate.warnings == ()


def test_paused_links_to_the_reputation_page():
    gate = decide(_snap(account="paused"))
    assert gate.broadcast.link == reputation_page("eu-west-1")
    assert gate.warnings[0].code == "sending_paused"
    assert "PROBATION" in gate.broadcast.reason


def test_quota_low_and_used_up():
    low = decide(_snap(sent=195.0))
    assert "quota_low" in {w.code for w in low.warnings}
    assert low.test_email.allowed
    used = decide(_snap(account="production", sent=50000.0))
    assert not used.test_email.allowed and used.test_email.fix is Fix.WAIT
    assert "rolls" in used.broadcast.reason
