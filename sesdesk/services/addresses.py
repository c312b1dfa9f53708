"""The one email-address rule: contacts, sender identities and review contacts all ask here.

Every use shares these rules:

- The part before the @ must be ASCII: Amazon SES has no SMTPUTF8, so a mailbox name with
  accented or non-Latin characters cannot be sent to or from at all.
- An internationalised domain is fine: it goes to SES in punycode (xn--…).
- Special-use and reserved names (.local, .localhost, .invalid, .onion, .arpa) are refused:
  no mail can reach them.

Where the uses differ is `.test` (reserved for testing, RFC 6761):

- CONTACT (recipients, From / Reply-To / unsubscribe addresses) and SENDER_IDENTITY accept it:
  trials and the local SES simulator use .test names, and a .test address fails one
  recipient or stays unverified, never harms anyone.
- REVIEW_CONTACT (an address AWS's reviewers write to about production access) refuses it: a
  person at AWS must be able to reach it.

email-validator is imported only for addresses the fast ASCII check cannot settle, so
importing this module (and checking a large CSV of plain addresses) stays quick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sesdesk.aws.errors import Rejected

MAX_EMAIL = 254
MAX_LOCAL = 64


class AddressUse(StrEnum):
    """What an address is for: decides whether a `.test` domain is acceptable."""

    CONTACT = "contact"
    SENDER_IDENTITY = "sender_identity"
    REVIEW_CONTACT = "review_contact"


_TEST_ALLOWED = frozenset({AddressUse.CONTACT, AddressUse.SENDER_IDENTITY})

NON_ASCII_LOCAL = (
    "not sendable: Amazon SES cannot deliver to addresses with accented or non-Latin "
    "characters before the @"
)

# The common ASCII shape, checked fast; anything else goes to email-validator (slower, but
# it knows internationalised addresses and the odd corners of RFC 5322).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FAST_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
# Top-level names email-validator treats as special-use: such addresses take the slow path,
# which refuses them (or accepts .test where the use allows it).
_SPECIAL_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


@dataclass(frozen=True)
class CheckedEmail:
    """An address that passed the rule: its mailbox name and its domain in both forms."""

    local: str
    ascii_domain: str  # punycode for an internationalised domain
    domain: str  # the Unicode form people read

    @property
    def ascii_email(self) -> str:
        """The address as SES takes it."""
        return f"{self.local}@{self.ascii_domain}"


class AddressProblem(ValueError):
    """`value` breaks the rule; `problem` says how, worded to follow "<address> is "."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def check_email(value: str, *, use: AddressUse = AddressUse.CONTACT) -> CheckedEmail:
    """`value` checked against the rule for `use` (syntax only, no DNS); AddressProblem if not."""
    if not value:
        raise AddressProblem("no email address")
    if len(value) > MAX_EMAIL:
        raise AddressProblem(f"longer than {MAX_EMAIL} characters")
    if _FAST_EMAIL.fullmatch(value):
        local, _, domain = value.rpartition("@")
        if len(local) > MAX_LOCAL:
            raise AddressProblem(f"the part before @ is longer than {MAX_LOCAL} characters")
        if domain.rpartition(".")[2].lower() not in _SPECIAL_TLDS:
            return CheckedEmail(local, domain.lower(), domain.lower())
    if "@" not in value:
        raise AddressProblem("not an email address (no @)")
    if not value.rpartition("@")[0].isascii():
        raise AddressProblem(NON_ASCII_LOCAL)
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(
            value,
            check_deliverability=False,
            allow_smtputf8=False,
            test_environment=use in _TEST_ALLOWED,
        )
    except EmailNotValidError as exc:
        raise AddressProblem(f"not a valid email address ({exc})") from None
    return CheckedEmail(result.local_part, result.ascii_domain, result.domain)


def email_problem(value: str, *, use: AddressUse = AddressUse.CONTACT) -> str | None:
    """Why `value` is not a usable address for `use`, or None when it is."""
    try:
        check_email(value, use=use)
    except AddressProblem as exc:
        return exc.problem
    return None


class UnsendableAddress(Rejected):
    """An address SES cannot take: that one recipient fails with this reason, the run goes on."""


def sendable_address(email: str) -> str:
    """`email` as SES takes it: an internationalised domain in punycode (xn--…)."""
    if email.isascii():
        return email
    try:
        checked = check_email(email)
    except AddressProblem as exc:
        raise UnsendableAddress(f"{email} is {exc.problem}") from None
    return checked.ascii_email
