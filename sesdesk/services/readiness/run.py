"""Gather the facts for one From address — SES's view of its domain, DNS, the team's rates —
all at once, within a deadline, and judge them (checks.py).

Every network question runs on its own daemon thread: DNS with short timeouts, AWS with short
ones too, and whatever has not answered when the deadline comes is "could not check". Daemon
threads, not an executor: a hung lookup must not hold up the window or the command's exit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, TypeVar

from sqlalchemy import select

from sesdesk.errors import BadInput, NotAllowed, SesdeskError
from sesdesk.models import Store
from sesdesk.models.sending import KIND_BROADCAST, Broadcast
from sesdesk.models.states import IdentityStatus
from sesdesk.services.dns_check import ERROR, PUBLISHED, ResolverConfig, check_record, make_resolver
from sesdesk.services.dns_records import DnsRecord, dmarc_record, mail_from_records
from sesdesk.services.lists import is_marketing, list_management_problem
from sesdesk.services.readiness.checks import (
    DKIM,
    MAIL_FROM,
    ONE_CLICK,
    Check,
    DmarcFound,
    DnsAnswer,
    FixCode,
    SesFacts,
    judge_complaint_rate,
    judge_dkim,
    judge_dmarc,
    judge_free_mail,
    judge_mail_from,
    organisational_domain,
    parse_dmarc,
    unknown,
)
from sesdesk.services.state import IdentityView, TeamSnapshot, load_snapshot

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The whole check answers within this many seconds, whatever DNS and AWS do.
BUDGET = 2.2
#: One DNS try; dnspython's lifetime (all tries of one question) is 1.5 times this.
DNS_TIMEOUT = 0.8
#: AWS clients' connect/read timeouts are scaled down by this for the check.
AWS_TIMEOUT_SCALE = 0.2


@dataclass(frozen=True)
class Readiness:
    """The answer for one team and From address: one check per rule, in a fixed order."""

    team_id: int
    from_address: str  # an address, or a bare domain when the team never sent from one
    from_domain: str
    kind: str
    checks: tuple[Check, ...]
    seconds: float
    #: The team's domain identity covering the From domain (whose records fix most failures).
    domain_identity: str | None = None

    @property
    def blocking(self) -> tuple[Check, ...]:
        """The failures that stop this kind of send (only a missing one-click on marketing)."""
        return tuple(check for check in self.checks if check.blocks_sending)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that failed (not the ones that could not run)."""
        return tuple(check for check in self.checks if check.ok is False)

    def check(self, code: str) -> Check:
        """The check with this code."""
        return next(check for check in self.checks if check.code == code)

    def as_json(self) -> dict[str, Any]:
        """`readiness --json`."""
        return {
            "from": self.from_address,
            "domain": self.from_domain,
            "kind": self.kind,
            "checks": [check.as_dict() for check in self.checks],
            "blocks_sending": bool(self.blocking),
            "seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------- the From address


def checked_from(text: str) -> tuple[str, str]:
    """(address, ASCII domain) of a From address as typed; BadInput naming `from` if not one."""
    from sesdesk.services.addresses import AddressProblem, AddressUse, check_email

    address = (parseaddr(text)[1] or text).strip()
    try:
        checked = check_email(address, use=AddressUse.SENDER_IDENTITY)
    except AddressProblem as exc:
        raise BadInput("from", f"{text!r} is {exc}") from None
    return checked.ascii_email.lower(), checked.ascii_domain.lower()


def default_from(store: Store, snapshot: TeamSnapshot) -> str:
    """The team's most likely sender: the address it sent from last under a verified identity,
    else a verified address identity, else a verified domain (the checks need only the
    domain), else any identity it has. NotAllowed when it has none."""
    verified = [i for i in snapshot.identities if i.status == IdentityStatus.SUCCESS]
    with store.session() as session:
        used = session.scalars(
            select(Broadcast.from_address)
            .where(Broadcast.team_id == snapshot.team_id)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(50)
        ).all()
    for address in used:
        plain = (parseaddr(address)[1] or address).strip().lower()
        if any(i in verified for i in _covering(snapshot, plain)):
            return plain
    for pool in (verified, list(snapshot.identities)):
        for kind in ("email", "domain"):
            for identity in pool:
                if identity.kind == kind:
                    return identity.name
    raise NotAllowed(
        "This team has no sender identity yet, so there is nothing to check.",
        hint="Add the domain you send from as a sender identity first.",
    )


def _covering(snapshot: TeamSnapshot, address: str) -> list[IdentityView]:
    from sesdesk.services.sending.eligibility import covering_identities

    return covering_identities(snapshot, address if "@" in address else f"@{address}")


# --------------------------------------------------------------------------- running at once


class _Tasks:
    """Calls on daemon threads, each answering a Future."""

    def start(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()

        def run() -> None:
            future.set_running_or_notify_cancel()
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the waiter, never lost
                future.set_exception(exc)

        threading.Thread(target=run, name="readiness", daemon=True).start()
        return future


def _wait(future: Future[Any], deadline: float) -> tuple[Any, str]:
    """The result, or (None, why not) when it failed or did not answer by `deadline`."""
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic())), ""
    except TimeoutError:
        return None, "no answer in time"
    except SesdeskError as exc:
        return None, exc.message
    except Exception as exc:  # a bug in a lookup: logged, reported as "could not check"
        log.exception("readiness lookup failed")
        return None, f"unexpected error ({type(exc).__name__})"


def _answer(future: Future[DnsAnswer], deadline: float) -> DnsAnswer:
    answer, problem = _wait(future, deadline)
    if answer is None:
        return DnsAnswer(None, problem)
    return answer


def _dns(record: DnsRecord, config: ResolverConfig) -> DnsAnswer:
    # One resolver per question: they run on different threads.
    result = check_record(record, make_resolver(config))
    if result.verdict == ERROR:
        return DnsAnswer(None, result.message, result.found)
    return DnsAnswer(result.verdict == PUBLISHED, result.message, result.found)


def _aws_problem(store: Store, snapshot: TeamSnapshot) -> str:
    """Why AWS will not be asked ("" when it will): no mailer, lost access, keys missing.
    Asking with known-bad keys would only record the loss again."""
    from sesdesk.models.states import MailerAccess
    from sesdesk.services.mailers import keys_here

    if snapshot.mailer is None:
        return "this team has no mailer: connect AWS first"
    if snapshot.mailer.access == MailerAccess.LOST:
        return "AWS no longer accepts the mailer's keys: reconnect"
    if not keys_here(store, snapshot.team_id):
        return "the mailer's keys are not in this computer's keyring: reconnect"
    return ""


def _open(store: Store, team_id: int) -> Any:
    from sesdesk.services.mailers import open_mailer

    return open_mailer(store, team_id, timeout_scale=AWS_TIMEOUT_SCALE)


def _ses_identity(store: Store, team_id: int, facade: Any, name: str) -> Any:
    from sesdesk.services.mailers import watching_access

    with watching_access(store, team_id):
        return facade.region, facade.get_identity(name)


def _one_click(
    store: Store, team_id: int, address: str, domain: str, facts: SesFacts | None
) -> Check:
    """One-click unsubscribe: what the sending engine will do for this From address (the
    list-management rule), told in readiness words."""
    problem = list_management_problem(store, team_id, address)
    if problem is None:
        return Check(
            ONE_CLICK,
            True,
            f"{domain} has Easy DKIM, so SES adds one-click unsubscribe "
            "(List-Unsubscribe-Post) and hosts the unsubscribe page.",
        )
    has_domain = facts is not None and facts.domain_identity is not None
    return Check(
        ONE_CLICK,
        False,
        f"No one-click unsubscribe: {problem}. A mailto List-Unsubscribe is not one-click.",
        "Verify the domain with Easy DKIM (its three DKIM records).",
        FixCode.VERIFY if has_domain else FixCode.ADD_IDENTITY,
    )


def check_readiness(
    store: Store,
    team_id: int,
    from_address: str | None = None,
    *,
    kind: str = KIND_BROADCAST,
    dns: ResolverConfig | None = None,
    budget: float | None = None,
) -> Readiness:
    """Will mail from `from_address` (default: the team's likely sender) reach Gmail, Yahoo and
    Outlook inboxes? Blocking (network, at most `budget` seconds, BUDGET when None); never
    raises for DNS or AWS trouble — those checks are ok None. BadInput (field `from`) for a
    bad address."""
    started = time.monotonic()
    deadline = started + (BUDGET if budget is None else budget)
    snapshot = load_snapshot(store, team_id)
    if from_address is not None:
        address, domain = checked_from(from_address)
    else:
        address = default_from(store, snapshot)
        domain = address.rpartition("@")[2].lower()
    base = dns or ResolverConfig()
    # One question may take a third of the budget: the default answers in time for the
    # dashboard, a caller that allows longer (the CLI's --timeout) lets a slow server answer.
    patience = max(DNS_TIMEOUT, (deadline - started) / 3)
    config = ResolverConfig(base.nameserver, base.port, timeout=min(base.timeout, patience))

    tasks = _Tasks()
    domain_identity = next((i for i in _covering(snapshot, address) if i.kind == "domain"), None)
    aws_problem = _aws_problem(store, snapshot)
    facade = None
    if not aws_problem:
        try:
            # One facade (one client, built once) for both calls.
            facade = _open(store, team_id)
        except SesdeskError as exc:
            aws_problem = exc.message
    identity_future = (
        tasks.start(_ses_identity, store, team_id, facade, domain_identity.name)
        if domain_identity is not None and facade is not None
        else None
    )
    org = organisational_domain(domain)
    dmarc_futures = [(domain, tasks.start(_dns, dmarc_record(domain), config))]
    if org != domain:
        dmarc_futures.append((org, tasks.start(_dns, dmarc_record(org), config)))

    # SES first: its answer names the MAIL FROM subdomain whose records DNS must hold.
    if domain_identity is None:
        region = snapshot.mailer.region if snapshot.mailer else ""
        facts: SesFacts | None = SesFacts(domain_identity=None, region=region)
        ses_problem = ""
    elif identity_future is None:
        facts, ses_problem = None, aws_problem
    else:
        facts, ses_problem = _ses_facts(identity_future, deadline)
    unknown_fix = FixCode.CHECK_AGAIN
    if aws_problem:
        unknown_fix = FixCode.CONNECT if snapshot.mailer is None else FixCode.RECONNECT
    checks = _dkim_and_mail_from(
        domain, facts, ses_problem, bool(aws_problem), unknown_fix, tasks, config, deadline
    )
    found, dns_failed = _dmarc_found(dmarc_futures, deadline)
    checks.append(judge_dmarc(domain, found, facts, dns_failed=dns_failed))
    one_click = _one_click(store, team_id, address, domain, facts)
    if facts is None:
        # SES did not answer: what sesdesk knew of DKIM may be out of date.
        one_click = unknown(
            ONE_CLICK, aws_problem or ses_problem or "AWS did not answer", unknown_fix
        )
    if one_click.ok is False and is_marketing(store, team_id, kind):
        one_click = _blocking(one_click)
    checks.append(one_click)
    from sesdesk.services.feedback.reputation import reputation

    rep = reputation(store, team_id)
    checks.append(judge_complaint_rate(rep.complaint_rate, rep.source))
    checks.append(judge_free_mail(domain))
    return Readiness(
        team_id=team_id,
        from_address=address,
        from_domain=domain,
        kind=kind,
        checks=tuple(checks),
        seconds=time.monotonic() - started,
        domain_identity=None if domain_identity is None else domain_identity.name,
    )


def _ses_facts(future: Future[Any], deadline: float) -> tuple[SesFacts | None, str]:
    """SES's answer about the domain identity as facts, or (None, why not)."""
    answer, problem = _wait(future, deadline)
    if answer is None:
        return None, problem
    region, detail = answer
    facts = SesFacts(
        domain_identity=detail.name,
        domain_status=detail.status,
        dkim_status=detail.dkim_status,
        dkim_signing=detail.dkim_signing,
        dkim_origin=detail.dkim_origin,
        mail_from_domain=detail.mail_from_domain,
        mail_from_status=detail.mail_from_status,
        region=region,
    )
    return facts, ""


def _dkim_and_mail_from(
    domain: str,
    facts: SesFacts | None,
    ses_problem: str,
    not_asked: bool,
    unknown_fix: FixCode,
    tasks: _Tasks,
    config: ResolverConfig,
    deadline: float,
) -> list[Check]:
    """The `dkim` and `mail_from` checks: SES's facts, and the MAIL FROM records in DNS."""
    if facts is None:
        why = ses_problem if not_asked else "AWS did not answer"
        if ses_problem and not not_asked:
            why += f" ({ses_problem})"
        return [unknown(DKIM, why, unknown_fix), unknown(MAIL_FROM, why, unknown_fix)]
    mx_answer: DnsAnswer | None = None
    spf_answer: DnsAnswer | None = None
    if facts.mail_from_domain:
        mx, spf = mail_from_records(facts.mail_from_domain, facts.region)
        mx_future, spf_future = tasks.start(_dns, mx, config), tasks.start(_dns, spf, config)
        mx_answer, spf_answer = _answer(mx_future, deadline), _answer(spf_future, deadline)
    return [judge_dkim(domain, facts), judge_mail_from(facts, mx_answer, spf_answer)]


def _dmarc_found(
    futures: list[tuple[str, Future[DnsAnswer]]], deadline: float
) -> tuple[DmarcFound | None, str]:
    """The DMARC record that applies: the From domain's own wins over the organisational
    domain's. (None, why) when DNS did not answer before one was found."""
    for at, future in futures:
        answer = _answer(future, deadline)
        if answer.ok is None:
            return None, f"DNS did not answer for _dmarc.{at}"
        tags = next((t for t in map(parse_dmarc, answer.found) if t is not None), None)
        if tags is not None:
            return DmarcFound(at, tags), ""
    return None, ""


def _blocking(check: Check) -> Check:
    from dataclasses import replace

    return replace(
        check,
        blocks_sending=True,
        message=check.message + " A marketing broadcast cannot be sent without it.",
    )
