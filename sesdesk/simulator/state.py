"""The simulator's own state, kept beside moto's backends: account settings per (account,
region), the account-level suppression list, the send log, and the rules SES applies to a send.

No moto here: the moto-facing code (patches.py) asks this module what to answer. Everything is
guarded by one re-entrant lock; nothing sleeps while holding it.
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, TypeVar

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

SANDBOX_MAX_24H = 200.0
SANDBOX_MAX_RATE = 1.0
PRODUCTION_MAX_24H = 50000.0
PRODUCTION_MAX_RATE = 14.0

MAILBOX_SIMULATOR_DOMAIN = "simulator.amazonses.com"
IDENTITY_STATUSES = ("PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED")
IDENTITY_ERROR_TYPES = (
    "INVALID_VALUE",
    "TYPE_NOT_FOUND",
    "HOST_NOT_FOUND",
    "SERVICE_ERROR",
    "DNS_SERVER_ERROR",
    "REPLICATION_ACCESS_DENIED",
    "REPLICATION_PRIMARY_NOT_FOUND",
    "REPLICATION_PRIMARY_BYO_DKIM_NOT_SUPPORTED",
    "REPLICATION_REPLICA_AS_PRIMARY_NOT_SUPPORTED",
    "REPLICATION_PRIMARY_INVALID_REGION",
)
REVIEW_STATUSES = ("PENDING", "GRANTED", "DENIED", "FAILED")
ENFORCEMENT_STATUSES = ("HEALTHY", "PROBATION", "SHUTDOWN")
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")

_DAY = 86400.0
_RATE_WINDOW = 1.0


@dataclass(frozen=True)
class SentMessage:
    """The simulator's own record of one accepted send."""

    at: float  # time.time() of the request's arrival (the instant its rate was judged at)
    account_id: str
    region: str
    source: str
    destinations: tuple[str, ...]
    message_id: str
    subject: str
    # Recipients on the account suppression list: accepted and counted, never delivered.
    suppressed: tuple[str, ...] = ()
    # A send with ListManagementOptions: recipients who opted out of its list or topic
    # (accepted and counted, never delivered), the headers SES added and the bodies with the
    # unsubscribe URL filled in.
    unsubscribed: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    text_body: str | None = None
    html_body: str | None = None


@dataclass
class SuppressedAddress:
    """One entry of the account-level suppression list."""

    email: str
    reason: str
    updated_at: float
    message_id: str | None = None
    feedback_id: str | None = None


class SendRefused(Exception):
    """A send SES would refuse; `kind` is paused | unverified | quota | rate."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class InvalidRequest(ValueError):
    """A request SES would answer with BadRequestException; the message says why."""


@dataclass
class AccountState:
    """Sandbox/production, sending, quota and review for one account in one region."""

    production: bool = False
    sending_enabled: bool = True
    enforcement: str = "HEALTHY"
    max_24h_override: float | None = None
    max_rate_override: float | None = None
    details: dict[str, Any] | None = None
    review_status: str | None = None
    review_reason: str = ""
    case_id: str | None = None
    review_due: float | None = None
    suppressed: dict[str, SuppressedAddress] = field(default_factory=dict)
    # (monotonic time, recipients) of accepted sends in the last 24 h, oldest first.
    usage: deque[tuple[float, int]] = field(default_factory=deque)
    usage_total: int = 0

    @property
    def max_24h(self) -> float:
        """The daily quota in recipients: the override, or the sandbox/production default."""
        if self.max_24h_override is not None:
            return self.max_24h_override
        return PRODUCTION_MAX_24H if self.production else SANDBOX_MAX_24H

    @property
    def max_rate(self) -> float:
        """Recipients per second: the override, or the sandbox/production default."""
        if self.max_rate_override is not None:
            return self.max_rate_override
        return PRODUCTION_MAX_RATE if self.production else SANDBOX_MAX_RATE

    def add_usage(self, at: float, count: int) -> None:
        """Count `count` recipients at `at`, keeping `usage` in time order."""
        # Requests finish in a slightly different order than they arrived.
        index = len(self.usage)
        while index > 0 and self.usage[index - 1][0] > at:
            index -= 1
        self.usage.insert(index, (at, count))
        self.usage_total += count

    def prune(self, now: float) -> None:
        """Forget usage older than 24 hours."""
        while self.usage and self.usage[0][0] <= now - _DAY:
            _, count = self.usage.popleft()
            self.usage_total -= count

    def sent_last_second(self, now: float) -> int:
        """Recipients accepted in the sliding one-second window ending now."""
        total = 0
        for at, count in reversed(self.usage):
            if at <= now - _RATE_WINDOW:
                break
            if at <= now:
                total += count
        return total

    def busiest_second_with(self, at: float) -> int:
        """The most recipients any one-second window holding `at` already has.

        Requests are judged in the order they finish parsing, not the order they arrived, so
        one arriving at `at` may be judged after later arrivals were accepted: every window
        (end - 1, end] with `at` <= end < `at` + 1 must be checked, not only the one ending at
        `at`. When judging is in arrival order this is exactly the window ending at `at`.
        """
        nearby: list[tuple[float, int]] = []
        for t, c in reversed(self.usage):  # sorted by time: walk back only one second
            if t <= at - _RATE_WINDOW:
                break
            if t < at + _RATE_WINDOW:
                nearby.append((t, c))
        nearby.reverse()
        ends = [at] + [t for t, _ in nearby if t > at]
        busiest = 0
        start = 0
        total = 0
        # Two pointers over the sorted entries: add those up to `end`, drop those <= end - 1.
        added = 0
        for end in ends:
            while added < len(nearby) and nearby[added][0] <= end:
                total += nearby[added][1]
                added += 1
            while start < added and nearby[start][0] <= end - _RATE_WINDOW:
                total -= nearby[start][1]
                start += 1
            busiest = max(busiest, total)
        return busiest


def _address(value: str) -> str:
    return parseaddr(value)[1] or value


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def new_case_id() -> str:
    """A support-case id as AWS shows them: digits."""
    return "".join(random.choices(string.digits, k=11))


class SimulatorState:
    """All mutable state of one simulator instance (moto's backends excepted)."""

    def __init__(
        self,
        *,
        iam: bool,
        auto_review_after: float | None = None,
        auto_verify_after: float | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.iam = iam
        self.auto_review_after = auto_review_after
        self.auto_verify_after = auto_verify_after
        self.latency = 0.0
        self.unreachable = False
        self._accounts: dict[tuple[str, str], AccountState] = {}
        self._sent: list[SentMessage] = []
        self._identity_due: dict[tuple[str, str, str], float] = {}

    # ---- bookkeeping

    def reset(self) -> None:
        """Forget everything except the IAM switch and the auto-transition options."""
        with self.lock:
            self.latency = 0.0
            self.unreachable = False
            self._accounts.clear()
            self._sent.clear()
            self._identity_due.clear()

    def account(self, account_id: str, region: str) -> AccountState:
        """The state of `account_id` in `region`, created on first use (a new sandbox)."""
        with self.lock:
            key = (account_id, region)
            state = self._accounts.get(key)
            if state is None:
                state = self._accounts[key] = AccountState()
            return state

    def sent_messages(self) -> list[SentMessage]:
        """Every accepted send, oldest first."""
        with self.lock:
            return list(self._sent)

    # ---- automatic transitions (demo mode)

    def identity_created(self, account_id: str, region: str, identity: str) -> None:
        """Note a new identity so `due_identities` can verify it after `auto_verify_after`."""
        if self.auto_verify_after is None:
            return
        with self.lock:
            due = time.monotonic() + self.auto_verify_after
            self._identity_due[(account_id, region, identity)] = due

    def forget_identity(self, account_id: str, region: str, identity: str) -> None:
        """Stop any automatic transition of `identity` (it was set by hand or deleted)."""
        with self.lock:
            self._identity_due.pop((account_id, region, identity), None)

    def due_identities(self) -> list[tuple[str, str, str]]:
        """(account, region, identity) whose automatic verification is due; each only once."""
        if not self._identity_due:
            return []
        now = time.monotonic()
        with self.lock:
            due = [key for key, at in self._identity_due.items() if at <= now]
            for key in due:
                del self._identity_due[key]
            return due

    def _apply_review_due(self, account: AccountState) -> None:
        if account.review_due is not None and time.monotonic() >= account.review_due:
            account.review_due = None
            account.review_status = "GRANTED"
            account.production = True

    # ---- account settings (control surface)

    def set_production(self, account_id: str, region: str, enabled: bool) -> None:
        """Grant or withdraw production access."""
        with self.lock:
            self.account(account_id, region).production = enabled

    def set_review(
        self,
        account_id: str,
        region: str,
        status: str | None,
        reason: str = "",
        case_id: str | None = None,
    ) -> None:
        """Set the production-access review (in support case `case_id`, or the account's, or a
        new one); GRANTED also turns production on."""
        if status is not None and status not in REVIEW_STATUSES:
            raise InvalidRequest(f"review status must be one of {REVIEW_STATUSES} or None")
        with self.lock:
            account = self.account(account_id, region)
            account.review_status = status
            account.review_reason = reason
            account.review_due = None
            if case_id is not None:
                account.case_id = case_id
            elif status is not None and account.case_id is None:
                account.case_id = new_case_id()
            if status == "GRANTED":
                account.production = True

    def set_sending_enabled(
        self, account_id: str, region: str, enabled: bool, enforcement: str
    ) -> None:
        """Pause or resume sending, with the enforcement status AWS would show."""
        if enforcement not in ENFORCEMENT_STATUSES:
            raise InvalidRequest(f"enforcement must be one of {ENFORCEMENT_STATUSES}")
        with self.lock:
            account = self.account(account_id, region)
            account.sending_enabled = enabled
            account.enforcement = enforcement

    def set_quota(
        self, account_id: str, region: str, max_24h: float | None, max_rate: float | None
    ) -> None:
        """Override the daily quota and/or the rate (None leaves that one unchanged)."""
        for name, value in (("max_24h", max_24h), ("max_rate", max_rate)):
            if value is not None and value < 0:
                raise InvalidRequest(f"{name} must not be negative")
        with self.lock:
            account = self.account(account_id, region)
            if max_24h is not None:
                account.max_24h_override = float(max_24h)
            if max_rate is not None:
                account.max_rate_override = float(max_rate)

    def add_past_usage(self, account_id: str, region: str, sent_at: Iterable[float]) -> int:
        """Count recipients accepted before this simulator started (wall-clock times, one
        recipient each) against the 24-hour quota; those older than a day are left out.
        How many were counted."""
        wall, now = time.time(), time.monotonic()
        ages = sorted(wall - at for at in sent_at)
        with self.lock:
            account = self.account(account_id, region)
            counted = 0
            for age in ages:
                if 0 <= age < _DAY:
                    account.add_usage(now - age, 1)
                    counted += 1
            return counted

    # ---- SESv2 account calls

    def account_view(self, account_id: str, region: str) -> dict[str, Any]:
        """The GetAccount answer, in SESv2's JSON shape."""
        with self.lock:
            account = self.account(account_id, region)
            self._apply_review_due(account)
            now = time.monotonic()
            account.prune(now)
            view: dict[str, Any] = {
                "DedicatedIpAutoWarmupEnabled": False,
                "EnforcementStatus": account.enforcement,
                "ProductionAccessEnabled": account.production,
                "SendingEnabled": account.sending_enabled,
                "SendQuota": {
                    "Max24HourSend": account.max_24h,
                    "MaxSendRate": account.max_rate,
                    "SentLast24Hours": float(account.usage_total),
                },
                "SuppressionAttributes": {"SuppressedReasons": list(SUPPRESSION_REASONS)},
            }
            details: dict[str, Any] = dict(account.details or {})
            if account.review_status is not None:
                details["ReviewDetails"] = {
                    "Status": account.review_status,
                    "CaseId": account.case_id,
                }
            if details:
                view["Details"] = details
            return view

    def put_account_details(self, account_id: str, region: str, params: dict[str, Any]) -> None:
        """PutAccountDetails: validate like SES, keep the details, open a review if asked."""
        mail_type = params.get("MailType")
        if mail_type not in ("MARKETING", "TRANSACTIONAL"):
            raise InvalidRequest(
                f"Invalid value for MailType: {mail_type!r}. Use MARKETING or TRANSACTIONAL."
            )
        website = params.get("WebsiteURL")
        if not isinstance(website, str) or not 1 <= len(website) <= 1000:
            raise InvalidRequest("WebsiteURL is required and must be 1-1000 characters long.")
        language = params.get("ContactLanguage")
        if language is not None and language not in ("EN", "JA"):
            raise InvalidRequest(f"Invalid value for ContactLanguage: {language!r}. Use EN or JA.")
        use_case = params.get("UseCaseDescription")
        if use_case is not None and (not isinstance(use_case, str) or len(use_case) > 5000):
            raise InvalidRequest("UseCaseDescription must be at most 5000 characters long.")
        contacts = params.get("AdditionalContactEmailAddresses")
        if contacts is not None:
            if not isinstance(contacts, list) or not 1 <= len(contacts) <= 4:
                raise InvalidRequest("AdditionalContactEmailAddresses must list 1 to 4 addresses.")
            for contact in contacts:
                if not isinstance(contact, str) or "@" not in contact:
                    raise InvalidRequest(f"Invalid email address in contacts: {contact!r}.")
        details: dict[str, Any] = {"MailType": mail_type, "WebsiteURL": website}
        if language is not None:
            details["ContactLanguage"] = language
        if use_case is not None:
            details["UseCaseDescription"] = use_case
        if contacts is not None:
            details["AdditionalContactEmailAddresses"] = list(contacts)
        with self.lock:
            account = self.account(account_id, region)
            account.details = details
            if params.get("ProductionAccessEnabled") and not account.production:
                if account.review_status != "PENDING" or account.case_id is None:
                    account.case_id = new_case_id()
                account.review_status = "PENDING"
                account.review_reason = ""
                if self.auto_review_after is not None:
                    account.review_due = time.monotonic() + self.auto_review_after

    # ---- suppression list

    def suppress(
        self, account_id: str, region: str, email: str, reason: str, message_id: str | None = None
    ) -> None:
        """Put an address on the account suppression list (or update its reason)."""
        if reason not in SUPPRESSION_REASONS:
            raise InvalidRequest(f"Reason must be BOUNCE or COMPLAINT, not {reason!r}.")
        if not email or "@" not in email:
            raise InvalidRequest(f"Invalid email address: {email!r}.")
        with self.lock:
            self.account(account_id, region).suppressed[email.lower()] = SuppressedAddress(
                email=email.lower(), reason=reason, updated_at=time.time(), message_id=message_id
            )

    def suppressed(self, account_id: str, region: str, email: str) -> SuppressedAddress | None:
        """The suppression entry for `email`, or None."""
        with self.lock:
            return self.account(account_id, region).suppressed.get(email.lower())

    def unsuppress(self, account_id: str, region: str, email: str) -> bool:
        """Remove `email` from the suppression list; False if it was not there."""
        with self.lock:
            return self.account(account_id, region).suppressed.pop(email.lower(), None) is not None

    def suppressed_list(self, account_id: str, region: str) -> list[SuppressedAddress]:
        """The whole suppression list, oldest update first."""
        with self.lock:
            entries = list(self.account(account_id, region).suppressed.values())
        return sorted(entries, key=lambda entry: (entry.updated_at, entry.email))

    # ---- sending

    def check_send(
        self,
        account_id: str,
        region: str,
        source: str,
        recipients: Iterable[str],
        identity_status: Callable[[str], str | None],
        *,
        at: float | None = None,
    ) -> None:
        """Raise SendRefused if SES would refuse this send now. Call with `lock` held.

        `at` is the request's arrival (time.monotonic()); rate and quota are judged there.
        """
        account = self.account(account_id, region)
        self._apply_review_due(account)
        recipients = list(recipients)
        if not account.sending_enabled:
            raise SendRefused("paused", "Sending is paused for this account.")

        def verified(address: str) -> bool:
            # As SES: the address itself, its domain or any parent domain of it (a verified
            # domain covers its subdomains).
            address = _address(address)
            labels = _domain(address).lower().split(".")
            domains = [".".join(labels[i:]) for i in range(len(labels) - 1)]
            return "SUCCESS" in (
                identity_status(address),
                identity_status(address.lower()),
                *(identity_status(domain) for domain in domains),
            )

        failed_check_region = region.upper()
        sender = _address(source)
        if not verified(sender):
            raise SendRefused(
                "unverified",
                "Email address is not verified. The following identities failed the check "
                f"in region {failed_check_region}: {sender}",
            )
        if not account.production:
            unverified = [
                _address(r)
                for r in recipients
                if _domain(_address(r)) != MAILBOX_SIMULATOR_DOMAIN and not verified(r)
            ]
            if unverified:
                raise SendRefused(
                    "unverified",
                    "Email address is not verified. The following identities failed the check "
                    f"in region {failed_check_region}: {', '.join(unverified)}",
                )
        now = time.monotonic() if at is None else at
        account.prune(now)
        count = len(recipients)
        if account.usage_total + count > account.max_24h:
            raise SendRefused("quota", "Daily message quota exceeded.")
        if account.busiest_second_with(now) + count > account.max_rate:
            raise SendRefused("rate", "Maximum sending rate exceeded.")

    def record_send(
        self,
        account_id: str,
        region: str,
        source: str,
        recipients: Iterable[str],
        message_id: str,
        subject: str,
        *,
        at: float | None = None,
        listed: dict[str, Any] | None = None,
    ) -> SentMessage:
        """Count an accepted send against quota and rate and keep it in the log; `listed`
        holds a list-managed send's SentMessage fields (unsubscribed, headers, bodies)."""
        recipients = tuple(recipients)
        now = time.monotonic()
        at = now if at is None else at
        with self.lock:
            account = self.account(account_id, region)
            account.add_usage(at, len(recipients))
            suppressed = tuple(r for r in recipients if _address(r).lower() in account.suppressed)
            message = SentMessage(
                # Wall-clock time of arrival, so the log shows what the rate was judged on.
                at=time.time() - (now - at),
                account_id=account_id,
                region=region,
                source=source,
                destinations=recipients,
                message_id=message_id,
                subject=subject,
                suppressed=suppressed,
                **(listed or {}),
            )
            self._sent.append(message)
            return message


_T = TypeVar("_T")
_attach_lock = threading.Lock()


def attached(state: Any, name: str, make: Callable[[], _T]) -> _T:
    """The object kept on a simulator's `state` as `name`, made by `make()` on first use (once,
    however many threads ask at the same time)."""
    found = getattr(state, name, None)
    if found is None:
        with _attach_lock:
            found = getattr(state, name, None)
            if found is None:
                found = make()
                setattr(state, name, found)
    return found
