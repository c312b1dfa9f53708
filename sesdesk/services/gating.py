"""What the mailer may send right now: which kinds of sending each state of mailer,
identities, account and quota allows, as one pure function.

The window, the CLI and the sending engine all ask `decide`; nothing else re-derives
"can I send?". Every "no" carries a reason a person can act on and the action that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sesdesk.models.states import UNSETTLED_IDENTITY, IdentityStatus, MailerAccess
from sesdesk.services.state import TeamSnapshot


class Fix(StrEnum):
    """The button that fixes a "no", or opens the window for a task (the window's FixRouter)."""

    CONNECT = "connect"
    RECONNECT = "reconnect"
    ADD_IDENTITY = "add_identity"
    VERIFY = "verify"  # waiting on DNS records or the inbox link
    RETRY = "retry"  # delete + recreate, or replace
    APPLY = "apply"  # production access
    WAIT = "wait"  # review pending, quota window rolling
    REFRESH = "refresh"
    REPUTATION = "reputation"  # sending paused by AWS
    # Tasks the window's buttons and menus open; `decide` never answers with these.
    DELETE_MAILER = "delete_mailer"
    RECORDS = "records"
    REPLACE = "replace"
    RENAME_TEAM = "rename_team"
    DELETE_TEAM = "delete_team"
    COMPOSE = "compose"
    CONTACTS = "contacts"


@dataclass(frozen=True)
class Decision:
    """One kind of sending: allowed or not, why, and the fix."""

    allowed: bool
    reason: str
    fix: Fix | None = None
    verified_recipients_only: bool = False
    #: A page that explains or fixes it (the SES console's reputation page when paused).
    link: str | None = None


@dataclass(frozen=True)
class GateWarning:
    """A dashboard warning, as `status --json` lists them."""

    code: str
    message: str
    fix: Fix | None = None
    link: str | None = None


@dataclass(frozen=True)
class Gate:
    """The whole answer: test email, test campaign, broadcast, and the warnings."""

    test_email: Decision
    test_campaign: Decision
    broadcast: Decision
    warnings: tuple[GateWarning, ...]

    def for_kind(self, kind: str) -> Decision:
        """The decision for 'test_email', 'test_campaign' or 'broadcast'."""
        return {
            "test_email": self.test_email,
            "test_campaign": self.test_campaign,
            "broadcast": self.broadcast,
        }[kind]


QUOTA_LOW_FRACTION = 0.1


def _all(decision: Decision, warnings: list[GateWarning]) -> Gate:
    return Gate(decision, decision, decision, tuple(warnings))


def decide(snapshot: TeamSnapshot) -> Gate:
    """Apply the gating table to a snapshot of stored state."""
    warnings: list[GateWarning] = []
    mailer, account = snapshot.mailer, snapshot.account

    if mailer is None:
        return _all(
            Decision(False, "No AWS account is connected to this team: connect AWS.", Fix.CONNECT),
            warnings,
        )
    if mailer.access == MailerAccess.LOST:
        why = f" ({mailer.access_reason.rstrip('. ')})" if mailer.access_reason else ""
        message = (
            f"The mailer has lost access to AWS{why}: reconnect it with new keys, "
            "or delete the mailer."
        )
        warnings.append(GateWarning("lost_access", message, Fix.RECONNECT))
        return _all(Decision(False, message, Fix.RECONNECT), warnings)

    verified = [i for i in snapshot.identities if i.status == IdentityStatus.SUCCESS]
    pending = [i for i in snapshot.identities if i.status in UNSETTLED_IDENTITY]
    failed = [i for i in snapshot.identities if i.status == IdentityStatus.FAILED]
    for identity in pending:
        hint = _verify_hint(identity.name, identity.kind)
        warnings.append(
            GateWarning(
                "identity_pending",
                f"Waiting for AWS to verify {identity.name}: {hint}.",
                Fix.VERIFY,
            )
        )
    for identity in failed:
        warnings.append(
            GateWarning(
                "identity_failed",
                f"Verification of {identity.name} failed: retry it or replace it.",
                Fix.RETRY,
            )
        )

    if account is not None and (
        not account.sending_enabled or account.enforcement_status == "SHUTDOWN"
    ):
        link = reputation_page(mailer.region)
        message = (
            "AWS has paused sending for this account"
            + (f" ({account.enforcement_status})" if account.enforcement_status else "")
            + ": see the account's reputation page in the SES console."
        )
        warnings.insert(0, GateWarning("sending_paused", message, Fix.REPUTATION, link))
        return _all(Decision(False, message, Fix.REPUTATION, link=link), warnings)

    if not verified:
        if pending:
            names = ", ".join(i.name for i in pending)
            hints = "; ".join(_verify_hint(i.name, i.kind) for i in pending)
            decision = Decision(
                False,
                f"No verified sender yet: waiting for AWS to verify {names}. To finish: {hints}.",
                Fix.VERIFY,
            )
        elif failed:
            names = ", ".join(i.name for i in failed)
            decision = Decision(
                False, f"Verification of {names} failed: retry it or replace it.", Fix.RETRY
            )
        else:
            decision = Decision(
                False, "No sender identity yet: add an email address or a domain.", Fix.ADD_IDENTITY
            )
        return _all(decision, warnings)

    if account is None:
        return _all(
            Decision(False, "The account has not been checked yet: refresh.", Fix.REFRESH),
            warnings,
        )

    quota_message = (
        f"{account.sent_24h:g} of {account.max_24h:g} sent in the last 24 hours, "
        f"{account.left_24h:g} left."
    )
    if account.max_24h > 0 and account.left_24h < account.max_24h * QUOTA_LOW_FRACTION:
        warnings.append(GateWarning("quota_low", f"Daily quota nearly used up: {quota_message}"))
    # Used up: what was allowed waits for the rolling window; a sandbox "no" keeps its reason.
    exhausted = Decision(
        False,
        "The daily quota is used up; sending can resume as the 24-hour window rolls. "
        f"{quota_message}",
        Fix.WAIT,
    )
    quota_left = account.left_24h > 0

    rate = f"at most {account.max_rate:g} a second"
    if account.production:
        if not quota_left:
            return _all(exhausted, warnings)
        ok = Decision(True, f"Production access: {quota_message}")
        broadcast_ok = Decision(True, f"Production access, {rate}: {quota_message}")
        return Gate(ok, broadcast_ok, broadcast_ok, tuple(warnings))

    test_email = Decision(
        True,
        f"Sandbox: only to verified recipients. {quota_message}",
        verified_recipients_only=True,
    )
    test_campaign = Decision(
        True,
        f"Sandbox: only to verified recipients, {rate}. {quota_message}",
        verified_recipients_only=True,
    )
    if account.review_status == "PENDING":
        since = (
            f" since {account.review_since:%Y-%m-%d %H:%M} UTC"
            if account.review_since is not None
            else ""
        )
        message = (
            f"Production-access review pending{since}: broadcasts wait for AWS's answer "
            "(usually 24–48 hours)."
        )
        warnings.append(GateWarning("review_pending", message, Fix.WAIT))
        broadcast = Decision(False, message, Fix.WAIT)
    elif account.review_status == "DENIED":
        message = "AWS denied production access: read AWS's message, add detail, and apply again."
        warnings.append(GateWarning("review_denied", message, Fix.APPLY))
        broadcast = Decision(False, message, Fix.APPLY)
    elif account.review_status == "FAILED":
        message = "AWS could not complete the production-access review: resubmit the request."
        warnings.append(GateWarning("review_denied", message, Fix.APPLY))
        broadcast = Decision(False, message, Fix.APPLY)
    else:
        message = (
            "The account is in the SES sandbox: apply for production access to send broadcasts."
        )
        warnings.append(GateWarning("sandbox", message, Fix.APPLY))
        broadcast = Decision(False, message, Fix.APPLY)
    if not quota_left:
        return Gate(exhausted, exhausted, broadcast, tuple(warnings))
    return Gate(test_email, test_campaign, broadcast, tuple(warnings))


def _verify_hint(name: str, kind: str) -> str:
    if kind == "email":
        return f"open the link AWS sent to {name}, which expires after 24 hours"
    return f"publish the DNS records for {name}, which AWS checks for 72 hours"


def reputation_page(region: str) -> str:
    """The SES console page that explains why AWS paused sending."""
    return f"https://{region}.console.aws.amazon.com/ses/home?region={region}#/reputation"
