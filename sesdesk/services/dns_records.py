"""The DNS records a domain identity needs: Easy DKIM, custom MAIL FROM and a DMARC suggestion.

Pure functions over what the store knows (the DKIM tokens AWS issued, the mailer's region):
no network, so the records can be shown and exported offline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

DKIM = "dkim"
MAIL_FROM_MX = "mail_from_mx"
MAIL_FROM_SPF = "mail_from_spf"
DMARC = "dmarc"

SPF_VALUE = "v=spf1 include:amazonses.com ~all"
DMARC_VALUE = "v=DMARC1; p=none;"
DEFAULT_MAIL_FROM_LABEL = "mail"
MX_PRIORITY = 10
DEFAULT_TTL = 1800

PURPOSE_TEXT = {
    DKIM: "Easy DKIM: proves to AWS (and to receivers) that you own the domain. Required.",
    MAIL_FROM_MX: (
        "Custom MAIL FROM (needed by Gmail, Yahoo and Outlook for bulk mail: SPF aligned with "
        "your domain): lets bounces come back through AWS from your own subdomain. Only "
        "useful once this MAIL FROM domain is set in SES."
    ),
    MAIL_FROM_SPF: (
        "Custom MAIL FROM (needed by Gmail, Yahoo and Outlook for bulk mail): SPF for that "
        "subdomain, so receivers accept mail sent through SES."
    ),
    DMARC: (
        "DMARC (needed by Gmail, Yahoo and Outlook for bulk mail): tells receivers what to "
        "do with mail that fails DKIM/SPF. p=none only monitors; tighten it later."
    ),
}


@dataclass(frozen=True)
class DnsRecord:
    """One record to publish. `name` and `value` carry no trailing dot and no quotes."""

    type: str  # "CNAME" | "MX" | "TXT"
    name: str
    value: str
    purpose: str  # DKIM | MAIL_FROM_MX | MAIL_FROM_SPF | DMARC
    status: str = "unknown"  # what the store knows: AWS's DKIM status, or "unknown"
    required: bool = True
    priority: int | None = None  # MX only

    @property
    def description(self) -> str:
        """What the record is for, in words."""
        return PURPOSE_TEXT.get(self.purpose, self.purpose)

    @property
    def zone_value(self) -> str:
        """The value as written in a zone file (MX priority, TXT quoted, names absolute)."""
        if self.type == "TXT":
            return '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if self.type == "MX":
            return f"{self.priority if self.priority is not None else MX_PRIORITY} {self.value}."
        return f"{self.value}."

    def as_dict(self) -> dict[str, object]:
        """The `identity records --json` shape: type, name, value, purpose, status, ..."""
        document: dict[str, object] = {
            "type": self.type,
            "name": self.name,
            "value": self.value,
            "purpose": self.purpose,
            "status": self.status,
            "required": self.required,
        }
        if self.priority is not None:
            document["priority"] = self.priority
        return document


def dkim_records(domain: str, tokens: Iterable[str], status: str | None = None) -> list[DnsRecord]:
    """The Easy DKIM CNAMEs: `<token>._domainkey.<domain>` → `<token>.dkim.amazonses.com`."""
    domain = _bare(domain)
    return [
        DnsRecord(
            type="CNAME",
            name=f"{token}._domainkey.{domain}",
            value=f"{token}.dkim.amazonses.com",
            purpose=DKIM,
            status=status or "unknown",
        )
        for token in tokens
    ]


def mail_from_records(mail_from_domain: str, region: str) -> list[DnsRecord]:
    """The custom MAIL FROM records: MX to SES's feedback endpoint in `region`, and SPF."""
    name = _bare(mail_from_domain)
    return [
        DnsRecord(
            type="MX",
            name=name,
            value=f"feedback-smtp.{region}.amazonses.com",
            purpose=MAIL_FROM_MX,
            required=False,
            priority=MX_PRIORITY,
        ),
        DnsRecord(type="TXT", name=name, value=SPF_VALUE, purpose=MAIL_FROM_SPF, required=False),
    ]


def dmarc_record(domain: str, policy_value: str = DMARC_VALUE) -> DnsRecord:
    """The suggested DMARC TXT at `_dmarc.<domain>` (monitor only)."""
    return DnsRecord(
        type="TXT",
        name=f"_dmarc.{_bare(domain)}",
        value=policy_value,
        purpose=DMARC,
        required=False,
    )


def records_for_domain(
    domain: str,
    dkim_tokens: Iterable[str],
    *,
    region: str,
    dkim_status: str | None = None,
    mail_from: str | None = DEFAULT_MAIL_FROM_LABEL,
    include_dmarc: bool = True,
) -> list[DnsRecord]:
    """Every record for `domain` (its ASCII form): DKIM, then MAIL FROM, then DMARC.

    `mail_from` is the MAIL FROM subdomain label ("mail" → mail.example.com) or a full name
    under the domain; None leaves the MAIL FROM records out.
    """
    domain = _bare(domain).lower()
    records = dkim_records(domain, dkim_tokens, dkim_status)
    if mail_from:
        records += mail_from_records(mail_from_name(domain, mail_from), region)
    if include_dmarc:
        records.append(dmarc_record(domain))
    return records


def mail_from_name(domain: str, mail_from: str) -> str:
    """The MAIL FROM domain: a label becomes `<label>.<domain>`; a full name stays as is."""
    mail_from = _bare(mail_from).lower()
    domain = _bare(domain).lower()
    if mail_from.endswith("." + domain):
        return mail_from
    return f"{mail_from}.{domain}"


def zone_snippet(records: Iterable[DnsRecord], *, ttl: int = DEFAULT_TTL) -> str:
    """A BIND zone-file snippet with absolute names, ready to paste into a zone."""
    lines = ["; sesdesk: DNS records for Amazon SES", f"$TTL {ttl}"]
    for record in records:
        optional = "" if record.required else "  ; for inbox delivery"
        lines.append(f"{record.name}.\tIN\t{record.type}\t{record.zone_value}{optional}")
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ("type", "name", "value", "priority", "purpose", "required", "status")


def to_csv(records: Iterable[DnsRecord]) -> str:
    """The records as CSV (one header row), the way DNS hosts' import pages expect them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(
            [
                record.type,
                record.name,
                record.value,
                "" if record.priority is None else record.priority,
                record.purpose,
                "yes" if record.required else "no",
                record.status,
            ]
        )
    return buffer.getvalue()


def _bare(name: str) -> str:
    return name.strip().rstrip(".")
