"""Before applying: is the team ready, and which website to suggest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sesdesk.models import Store
from sesdesk.services.access.form import (
    SANDBOX_IS_PER_REGION,
    TYPICAL_REVIEW,
)
from sesdesk.services.gating import Fix, decide
from sesdesk.services.state import IdentityView, TeamSnapshot, load_snapshot

# --- before: is the team ready to apply? ---------------------------------------------------

_FREEMAIL = {
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "proton.me",
    "protonmail.com",
    "yandex.com",
    "mail.com",
}


@dataclass(frozen=True)
class Readiness:
    """Whether the team can apply now, and the facts the wizard's first page shows."""

    ready: bool
    reason: str
    region: str | None
    verified_identities: tuple[str, ...]
    production: bool
    review_status: str | None
    fix: Fix | None = None

    @property
    def region_note(self) -> str:
        """'Sandbox is per region' for the team's region."""
        return SANDBOX_IS_PER_REGION.format(region=self.region or "the region")


def readiness_of(snapshot: TeamSnapshot) -> Readiness:
    """Ready to apply: a working mailer, a verified identity, not yet in production."""
    mailer, account = snapshot.mailer, snapshot.account
    verified = tuple(i.name for i in snapshot.identities if i.status == "SUCCESS")
    region = mailer.region if mailer else None
    production = bool(account and account.production)
    review = account.review_status if account else None

    def no(reason: str, fix: Fix | None) -> Readiness:
        return Readiness(False, reason, region, verified, production, review, fix)

    gate = decide(snapshot)
    if mailer is None or mailer.access == "lost":
        return no(gate.test_email.reason, gate.test_email.fix)
    if not verified:
        reason = gate.test_email.reason
        if gate.test_email.fix not in (Fix.ADD_IDENTITY, Fix.VERIFY, Fix.RETRY):
            reason = "No verified sender identity yet: add and verify an email address or domain."
        return no(
            f"{reason} AWS wants a verified identity before it reviews a production-access "
            "request.",
            gate.test_email.fix,
        )
    if production:
        return no(
            f"This AWS account already has production access in {region}: nothing to request.",
            None,
        )
    if review == "PENDING":
        return no(
            "A production-access request is already under review: AWS usually answers within "
            f"{TYPICAL_REVIEW}.",
            Fix.WAIT,
        )
    return Readiness(True, "Ready to apply.", region, verified, production, review, Fix.APPLY)


def readiness(store: Store, team_id: int) -> Readiness:
    """`readiness_of` the team's stored state (no AWS call)."""
    return readiness_of(load_snapshot(store, team_id))


def suggest_website(identities: Iterable[IdentityView]) -> str:
    """A website guess from the verified identities: a domain, or an address's own domain."""
    identities = [i for i in identities if i.status == "SUCCESS"]
    for identity in identities:
        if identity.kind == "domain":
            return f"https://{identity.name.lower()}"
    for identity in identities:
        domain = identity.name.rpartition("@")[2].lower()
        if domain and domain not in _FREEMAIL:
            return f"https://{domain}"
    return ""
