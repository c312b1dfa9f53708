"""Sender identities: validate, add, list, DNS records, retry and replace.

Input is checked here before any AWS call, so a refusal never costs a request and always
names the input and the rule it breaks. Retried and replaced identities stay in the store as
history (`removed_at`); the poller (services.refresh) keeps statuses current after the first
refresh that `add_identity` does at once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import idna
from sqlalchemy import select
from sqlalchemy.orm import Session

from sesdesk.aws.errors import AwsError, AwsNotFound
from sesdesk.aws.ses import IdentityDetail, SesFacade
from sesdesk.errors import BadInput, NotAllowed, NotFound, SesdeskError
from sesdesk.models import Mailer, SenderIdentity, Store, utcnow
from sesdesk.models.states import IdentityStatus
from sesdesk.services.addresses import AddressProblem, AddressUse, check_email
from sesdesk.services.dns_records import DEFAULT_MAIL_FROM_LABEL, DnsRecord, records_for_domain
from sesdesk.services.identity_status import (
    DOMAIN,
    DOMAIN_CHECK_HOURS,
    EMAIL,
    EMAIL_LINK_HOURS,
    record_status,
    retire_identity,
)

# What a status means is worded in identity_status; these stay importable from here.
from sesdesk.services.identity_status import ERROR_TYPE_TEXT as ERROR_TYPE_TEXT
from sesdesk.services.identity_status import Explanation as Explanation
from sesdesk.services.identity_status import explain as explain
from sesdesk.services.identity_status import explain_error_type as explain_error_type
from sesdesk.services.mailers import open_mailer, watching_access
from sesdesk.services.refresh import refresh_team
from sesdesk.services.state import IdentityView, identity_view

T = TypeVar("T")


MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
_LABEL_RE = re.compile(r"[a-z0-9-]+")
_TLD_RE = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityInput:
    """A checked identity: as typed, as shown (Unicode) and as sent to AWS (ASCII/punycode)."""

    typed: str
    name: str  # what AWS gets: lower-case ASCII domain, punycode for IDN
    kind: str  # EMAIL | DOMAIN
    display: str  # the Unicode form people read

    @property
    def is_international(self) -> bool:
        """True when the ASCII form differs from what people read (an IDN)."""
        return self.name.lower() != self.display.lower()

    @property
    def domain(self) -> str:
        """The ASCII domain: the identity itself, or the part after the @."""
        return self.name.rpartition("@")[2] if self.kind == EMAIL else self.name

    def describe(self) -> str:
        """'bücher.example (xn--bcher-kva.example)' for an IDN, else just the name."""
        return f"{self.display} ({self.name})" if self.is_international else self.name


def guess_kind(text: str) -> str:
    """EMAIL when the text holds an @, else DOMAIN (the wizard's auto-detection)."""
    return EMAIL if "@" in text else DOMAIN


def validate_identity(text: str, *, field: str = "identity") -> IdentityInput:
    """An email address or a domain, checked; BadInput naming the input and the rule broken."""
    if not text.strip():
        raise BadInput(field, "is empty: type an email address or a domain such as example.com")
    if guess_kind(text) == EMAIL:
        return validate_email_address(text, field=field)
    return validate_domain(text, field=field)


def validate_email_address(text: str, *, field: str = "email") -> IdentityInput:
    """An email address checked for syntax only (no DNS): what SES can verify."""
    typed = text.strip()
    if not typed:
        raise BadInput(field, "is empty: type an email address such as you@example.com")
    try:
        result = check_email(typed, use=AddressUse.SENDER_IDENTITY)
    except AddressProblem as exc:
        problem = exc.problem
        if not problem.startswith("not a valid email address"):
            problem = f"not a valid email address: {problem}"
        raise BadInput(field, f"{typed!r} is {problem}") from None
    try:
        domain = validate_domain(result.domain, field=field)
    except BadInput as exc:
        raise BadInput(
            field, f"{typed!r} is not a valid email address: the part after the @: {exc.problem}"
        ) from None
    return IdentityInput(
        typed=typed,
        name=f"{result.local}@{domain.name}",
        kind=EMAIL,
        display=f"{result.local}@{domain.display}",
    )


def validate_domain(text: str, *, field: str = "domain") -> IdentityInput:
    """A domain name checked label by label; IDN accepted and turned into punycode."""
    typed = text.strip()
    if not typed:
        raise BadInput(field, "is empty: type a domain such as example.com")
    if any(ch.isspace() for ch in typed):
        raise BadInput(field, f"{typed!r} contains a space: domain names have none")
    if "@" in typed:
        local, _, domain = typed.partition("@")
        if local and domain and "@" not in domain:
            raise BadInput(field, f"{typed!r} is an email address, not a domain")
        raise BadInput(field, f"{typed!r} contains @, which a domain name cannot have")
    if "://" in typed or "/" in typed:
        raise BadInput(
            field, f"{typed!r} looks like a web address: type only the domain, e.g. example.com"
        )
    if "*" in typed:
        raise BadInput(
            field, f"{typed!r} is a wildcard: SES verifies one domain at a time, without '*'"
        )
    if _is_ip_address(typed):
        raise BadInput(field, f"{typed!r} is an IP address: SES verifies domain names, not IPs")
    bare = typed[:-1] if typed.endswith(".") else typed  # an absolute name's final dot
    try:
        mapped = idna.uts46_remap(bare, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise BadInput(
            field, f"{typed!r} contains characters not allowed in domain names ({exc})"
        ) from None
    labels = mapped.split(".")
    if any(not label for label in labels):
        raise BadInput(
            field, f"{typed!r} has an empty label (two dots in a row, or a dot at the start)"
        )
    if len(labels) < 2:
        raise BadInput(
            field,
            f"{typed!r} has no top-level domain: type the full domain, e.g. {labels[0]}.com",
        )
    ascii_labels = [_ascii_label(label, typed, field) for label in labels]
    tld = ascii_labels[-1]
    if not _TLD_RE.fullmatch(tld):
        raise BadInput(
            field,
            f"{typed!r} ends in {labels[-1]!r}, which is not a top-level domain "
            "(those are letters, like .com or .de)",
        )
    name = ".".join(ascii_labels)
    if len(name) > MAX_DOMAIN_LENGTH:
        form = " in punycode" if not name.isascii() or name != mapped.lower() else ""
        raise BadInput(
            field,
            f"{typed!r} is {len(name)} characters long{form}: a domain has at most "
            f"{MAX_DOMAIN_LENGTH}",
        )
    try:
        display = idna.decode(name)
    except idna.IDNAError:
        display = mapped.lower()
    return IdentityInput(typed=typed, name=name, kind=DOMAIN, display=display)


def _is_ip_address(text: str) -> bool:
    candidate = text.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _ascii_label(label: str, typed: str, field: str) -> str:
    where = f"label {label!r} of {typed!r}"
    if label.isascii():
        ascii_label = label.lower()
        if ascii_label.startswith("xn--"):
            try:
                idna.ulabel(ascii_label)
            except idna.IDNAError:
                raise BadInput(field, f"{where} is not valid punycode") from None
    else:
        try:
            ascii_label = idna.alabel(label).decode("ascii")
        except idna.IDNAError as exc:
            if "too long" in str(exc).lower():
                encoded = "xn--" + label.encode("punycode").decode("ascii")
                raise BadInput(
                    field,
                    f"{where} is {len(encoded)} characters long in "
                    f"punycode: at most {MAX_LABEL_LENGTH}",
                ) from None
            raise BadInput(
                field,
                f"{where} is not a valid international label ({exc})",
            ) from None
    if len(ascii_label) > MAX_LABEL_LENGTH:
        form = f" ({ascii_label} in punycode)" if ascii_label != label else ""
        raise BadInput(
            field,
            f"{where} is {len(ascii_label)} characters long{form}: at most {MAX_LABEL_LENGTH}",
        )
    if not _LABEL_RE.fullmatch(ascii_label):
        raise BadInput(
            field,
            f"{where} may only contain letters, digits and hyphens",
        )
    if ascii_label.startswith("-") or ascii_label.endswith("-"):
        raise BadInput(field, f"{where} may not start or end with a hyphen")
    return ascii_label


# --- what the store knows ---------------------------------------------------------------------


def list_identities(store: Store, team_id: int, *, history: bool = False) -> list[IdentityView]:
    """The team's identities from the store (no AWS call); with `history`, removed ones too."""
    with store.session() as session:
        query = select(SenderIdentity).where(SenderIdentity.team_id == team_id)
        if not history:
            query = query.where(SenderIdentity.removed_at.is_(None))
        rows = session.scalars(query.order_by(SenderIdentity.name, SenderIdentity.id)).all()
        return [identity_view(row) for row in rows]


def find_identity(
    store: Store, team_id: int, text: str, *, field: str = "identity"
) -> IdentityView:
    """The team's active identity called `text` (as typed, Unicode or punycode), or NotFound."""
    with store.session() as session:
        row = _active_row(session, team_id, text)
        if row is None:
            raise NotFound(
                field,
                f"{text.strip()!r} is not a sender identity of this team "
                "(see `sesdesk identity list`)",
            )
        return identity_view(row)


def _active_row(session: Session, team_id: int, text: str) -> SenderIdentity | None:
    candidates = [text.strip()]
    with contextlib.suppress(BadInput):  # a stored name SES knows may not pass our rules
        candidates.append(validate_identity(text).name)
    for candidate in candidates:
        row = session.scalar(
            select(SenderIdentity).where(
                SenderIdentity.team_id == team_id,
                SenderIdentity.removed_at.is_(None),
                SenderIdentity.name == candidate,
            )
        )
        if row is not None:
            return row
    return None


def _region(store: Store, team_id: int) -> str:
    with store.session() as session:
        region = session.scalar(select(Mailer.region).where(Mailer.team_id == team_id))
    if region is None:
        raise NotAllowed("This team has no mailer yet: connect AWS first.")
    return region


def identity_records(
    store: Store,
    team_id: int,
    domain: str,
    *,
    mail_from: str | None = DEFAULT_MAIL_FROM_LABEL,
    include_dmarc: bool = True,
) -> list[DnsRecord]:
    """The DNS records to publish for the team's domain identity, from the store (offline).

    Each record's status is the DKIM status AWS last reported for the domain, or "unknown".
    """
    checked = validate_identity(domain, field="domain")
    if checked.kind == EMAIL:
        raise BadInput(
            "domain",
            f"{checked.display!r} is an email address: it needs no DNS records, only the "
            "link AWS sent to it",
        )
    identity = find_identity(store, team_id, checked.name, field="domain")
    if identity.kind == EMAIL:
        raise BadInput("domain", f"{identity.display!r} is an email identity: no DNS records")
    region = _region(store, team_id)
    records = records_for_domain(
        identity.name,
        identity.dkim_tokens,
        region=region,
        dkim_status=identity.dkim_status,
        mail_from=mail_from,
        include_dmarc=include_dmarc,
    )
    return records


# --- changing identities in SES ---------------------------------------------------------------


@dataclass(frozen=True)
class IdentityChange:
    """What add / retry / replace did: the identity now, its records, and what to tell."""

    identity: IdentityView
    checked: IdentityInput
    records: list[DnsRecord] = field(default_factory=list)
    previous: IdentityView | None = None  # the retried or replaced row, now history
    records_changed: bool = False
    refresh_problem: str | None = None  # the at-once refresh failed; the poller catches up

    @property
    def next_step(self) -> str:
        """The one sentence saying what the user does now."""
        if self.identity.status == IdentityStatus.SUCCESS:
            return f"{self.checked.describe()} is already verified."
        if self.checked.kind == EMAIL:
            return (
                f"Open the link AWS sent to {self.checked.display} (expires after "
                f"{EMAIL_LINK_HOURS} h)."
            )
        text = f"Publish these DNS records for {self.checked.describe()}."
        if self.records_changed:
            text = (
                "AWS issued new DKIM tokens: the DNS records changed. Replace the old "
                f"_domainkey CNAME records of {self.checked.display} with these."
            )
        return text + f" AWS checks them for up to {DOMAIN_CHECK_HOURS} hours."


def _guarded(store: Store, team_id: int, call: Callable[[], T]) -> T:
    with watching_access(store, team_id):
        return call()


def _ensure_not_active(store: Store, team_id: int, checked: IdentityInput) -> None:
    with store.session() as session:
        row = _active_row(session, team_id, checked.name)
        if row is not None:
            raise BadInput(
                "identity",
                f"{checked.describe()} is already a sender identity of this team "
                f"({row.status}); see `sesdesk identity list`",
            )


def _create_in_ses(
    store: Store, team_id: int, ses: SesFacade, checked: IdentityInput
) -> IdentityDetail:
    try:
        return _guarded(store, team_id, lambda: ses.create_identity(checked.name))
    except AwsError as exc:
        if exc.code == "AlreadyExistsException":
            raise BadInput(
                "identity",
                f"{checked.describe()} already exists in SES ({ses.region}) but not in this "
                "team's records",
                hint="Run `sesdesk poll --team NAME` to pick it up, or delete it in the SES "
                "console first.",
            ) from None
        raise


def _store_created(
    session: Session,
    team_id: int,
    checked: IdentityInput,
    detail: IdentityDetail,
    now: datetime,
    message: str,
) -> SenderIdentity:
    row = SenderIdentity(
        team_id=team_id,
        name=checked.name,
        kind=checked.kind,
        status=IdentityStatus.PENDING,
        verified_for_sending=detail.verified_for_sending,
        dkim_status=detail.dkim_status,
        dkim_tokens=list(detail.dkim_tokens) or None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    record_status(session, team_id, checked.name, None, IdentityStatus.PENDING, message, at=now)
    session.flush()
    return row


def _retire(
    session: Session, identity_id: int, now: datetime, new_value: str, message: str
) -> None:
    """Keep the identity's row as history (`removed_at`), recording why in its events."""
    row = session.get(SenderIdentity, identity_id)
    if row is None:
        return
    retire_identity(session, row, new_value, message, at=now)
    # The partial unique index only allows one active row per name: write this one first.
    session.flush()


def _refresh_once(store: Store, team_id: int, ses: SesFacade) -> str | None:
    try:
        refresh_team(store, team_id, ses)
    except SesdeskError as exc:
        return exc.message
    return None


def _finish(
    store: Store,
    team_id: int,
    ses: SesFacade,
    checked: IdentityInput,
    *,
    previous: IdentityView | None = None,
) -> IdentityChange:
    problem = _refresh_once(store, team_id, ses)
    identity = find_identity(store, team_id, checked.name)
    records: list[DnsRecord] = []
    if identity.kind == DOMAIN:
        records = records_for_domain(
            identity.name, identity.dkim_tokens, region=ses.region, dkim_status=identity.dkim_status
        )
    changed = (
        previous is not None
        and previous.kind == DOMAIN
        and previous.name.lower() == identity.name.lower()
        and set(previous.dkim_tokens) != set(identity.dkim_tokens)
    )
    return IdentityChange(
        identity=identity,
        checked=checked,
        records=records,
        previous=previous,
        records_changed=changed,
        refresh_problem=problem,
    )


def add_identity(
    store: Store, team_id: int, text: str, *, facade: SesFacade | None = None
) -> IdentityChange:
    """Validate, create in SES (CreateEmailIdentity), store as PENDING, refresh once."""
    checked = validate_identity(text)
    _ensure_not_active(store, team_id, checked)
    ses = facade or open_mailer(store, team_id)
    detail = _create_in_ses(store, team_id, ses, checked)
    with store.session() as session:
        how = (
            f"AWS sent a verification link to {checked.display}."
            if checked.kind == EMAIL
            else f"Publish its {len(detail.dkim_tokens)} DKIM records."
        )
        _store_created(
            session,
            team_id,
            checked,
            detail,
            utcnow(),
            f"Added sender identity {checked.describe()}. {how}",
        )
    return _finish(store, team_id, ses, checked)


def retry_identity(
    store: Store, team_id: int, text: str, *, facade: SesFacade | None = None
) -> IdentityChange:
    """Delete the identity in SES and create it again: a new link, or new DKIM tokens."""
    current = find_identity(store, team_id, text)
    if current.status == IdentityStatus.SUCCESS:
        raise NotAllowed(
            f"{current.display} is verified: retrying would delete it and start verification "
            "again, so sesdesk does not do that."
        )
    checked = IdentityInput(
        typed=text.strip(), name=current.name, kind=current.kind, display=current.display
    )
    ses = facade or open_mailer(store, team_id)
    _delete_in_ses(store, team_id, ses, current.name)
    now = utcnow()
    try:
        detail = _guarded(store, team_id, lambda: ses.create_identity(current.name))
    except SesdeskError as exc:
        with store.session() as session:
            _retire(
                session,
                current.id,
                now,
                "DELETED",
                f"Deleted {current.display} in SES to retry; creating it again failed: "
                f"{exc.message}",
            )
        exc.hint = (exc.hint + "\n" if exc.hint else "") + (
            f"{current.display} is deleted in SES: add it again with "
            f"`sesdesk identity add --team NAME {current.name}`."
        )
        raise
    with store.session() as session:
        _retire(
            session,
            current.id,
            now,
            "RETRIED",
            f"Retrying {current.display}: deleted and recreated in SES.",
        )
        how = (
            f"AWS sent a new link to {current.display}."
            if current.kind == EMAIL
            else "New DKIM tokens: the DNS records must change."
        )
        _store_created(
            session,
            team_id,
            checked,
            detail,
            now,
            f"Recreated {current.display} to retry verification. {how}",
        )
    return _finish(store, team_id, ses, checked, previous=current)


def replace_identity(
    store: Store, team_id: int, old: str, new: str, *, facade: SesFacade | None = None
) -> IdentityChange:
    """Replace identity `old` with `new`: add the new one, then delete the old in SES.

    The new one is validated before anything else and created before the old one is deleted,
    so a failure never leaves the team with neither. The old row stays as history.
    """
    checked = validate_identity(new, field="new")
    current = find_identity(store, team_id, old, field="old")
    if current.name.lower() == checked.name.lower():
        raise BadInput("new", f"{checked.describe()} is the identity being replaced: use retry")
    _ensure_not_active(store, team_id, checked)
    ses = facade or open_mailer(store, team_id)
    detail = _create_in_ses(store, team_id, ses, checked)
    now = utcnow()
    with store.session() as session:
        _store_created(
            session,
            team_id,
            checked,
            detail,
            now,
            f"Added sender identity {checked.describe()} to replace {current.display}.",
        )
    _delete_in_ses(store, team_id, ses, current.name)
    with store.session() as session:
        _retire(
            session,
            current.id,
            now,
            "REPLACED",
            f"Replaced {current.display} with {checked.describe()}; deleted it in SES.",
        )
    return _finish(store, team_id, ses, checked, previous=current)


def _delete_in_ses(store: Store, team_id: int, ses: SesFacade, name: str) -> None:
    with contextlib.suppress(AwsNotFound):  # already gone in SES: the goal is reached
        _guarded(store, team_id, lambda: ses.delete_identity(name))
