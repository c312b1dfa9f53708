"""Live DNS check: is each record published, and if not, what is there instead.

AWS only says "FAILED (HOST_NOT_FOUND)" after days; asking DNS directly tells the user which
record is wrong while there is still time to fix it. The resolver is configurable (a
nameserver IP and port) so users can ask their DNS host's servers, and tests a local one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from sesdesk.errors import BadInput
from sesdesk.services.dns_records import DMARC, MAIL_FROM_SPF, DnsRecord

PUBLISHED = "published"
MISSING = "missing"
WRONG_TARGET = "wrong_target"
WRONG_TYPE = "wrong_type"
ERROR = "error"  # the DNS server did not answer: we do not know

VERDICT_TEXT = {
    PUBLISHED: "Published",
    MISSING: "Missing",
    WRONG_TARGET: "Wrong value",
    WRONG_TYPE: "Wrong type",
    ERROR: "Could not check",
}

# Types we look for when the expected one is absent, to say what is there instead.
_OTHER_TYPES = ("CNAME", "A", "AAAA", "TXT", "MX")


@dataclass(frozen=True)
class ResolverConfig:
    """Which DNS server to ask: the system's (no nameserver), or one IP and port."""

    nameserver: str | None = None
    port: int = 53
    # Short: an unreachable server must not keep the user waiting a minute.
    timeout: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise BadInput("port", f"{self.port} is not a port number (1–65535)")
        if self.nameserver is not None:
            import ipaddress

            try:
                ipaddress.ip_address(self.nameserver)
            except ValueError:
                raise BadInput(
                    "nameserver", f"{self.nameserver!r} is not an IP address (e.g. 1.1.1.1)"
                ) from None


@dataclass(frozen=True)
class RecordCheck:
    """The verdict for one record and what DNS actually holds there."""

    record: DnsRecord
    verdict: str  # PUBLISHED | MISSING | WRONG_TARGET | WRONG_TYPE | ERROR
    message: str
    found: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when the record is published as it should be."""
        return self.verdict == PUBLISHED

    def as_dict(self) -> dict[str, object]:
        """The `dns` key of `identity records --check --json`."""
        return {"verdict": self.verdict, "message": self.message, "found": list(self.found)}


def make_resolver(config: ResolverConfig | None = None) -> dns.resolver.Resolver:
    """A dnspython resolver for `config` (the system's resolver when no nameserver given)."""
    config = config or ResolverConfig()
    if config.nameserver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [config.nameserver]
        resolver.port = config.port
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise BadInput(
                "nameserver",
                "this computer has no DNS resolver configured: "
                "give one (e.g. --nameserver 1.1.1.1)",
            ) from None
        if config.port != 53:
            resolver.port = config.port
    resolver.timeout = config.timeout
    resolver.lifetime = config.timeout * 1.5
    # No cache: the point is to see a record the moment it is published.
    resolver.cache = None
    return resolver


def check_records(
    records: Iterable[DnsRecord],
    config: ResolverConfig | None = None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[RecordCheck]:
    """Check every record against DNS, one verdict each. Blocking (network).

    `on_progress(done, total)` follows each record. Once the server has not answered, the
    remaining records are "could not check" at once instead of each waiting for its timeout.
    """
    resolver = make_resolver(config)
    wanted = list(records)
    results: list[RecordCheck] = []
    silent = ""
    for record in wanted:
        if silent:
            results.append(RecordCheck(record, ERROR, f"Could not check {record.name}: {silent}."))
        else:
            result = check_record(record, resolver)
            if result.verdict == ERROR and "did not answer" in result.message:
                silent = "the DNS server did not answer"
            results.append(result)
        if on_progress is not None:
            on_progress(len(results), len(wanted))
    return results


class _Lookup:
    """One DNS question's outcome: answers, no such name, no answer, or a failure."""

    def __init__(self, values: list[str], nxdomain: bool = False, failure: str = "") -> None:
        self.values = values
        self.nxdomain = nxdomain
        self.failure = failure


def _lookup(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> _Lookup:
    try:
        answer = resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return _Lookup([], nxdomain=True)
    except dns.resolver.NoNameservers:
        return _Lookup([], failure="the DNS server answered with an error (SERVFAIL/REFUSED)")
    except dns.exception.Timeout:
        return _Lookup([], failure="the DNS server did not answer in time")
    except (dns.exception.DNSException, OSError) as exc:
        return _Lookup([], failure=f"DNS lookup failed ({type(exc).__name__})")
    rrset = answer.rrset
    if rrset is None:
        return _Lookup([])
    # Resolving e.g. MX at a CNAME returns the chain; keep only the type we asked for.
    if rrset.rdtype != dns.rdatatype.from_text(rdtype):
        return _Lookup([])
    return _Lookup([_text(rdata, rdtype) for rdata in rrset])


def _text(rdata: Any, rdtype: str) -> str:
    if rdtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")
    if rdtype == "MX":
        return f"{rdata.preference} {_norm(str(rdata.exchange))}"
    if rdtype == "CNAME":
        return _norm(str(rdata.target))
    return str(rdata)


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def check_record(record: DnsRecord, resolver: dns.resolver.Resolver) -> RecordCheck:
    """Check one record with `resolver`."""
    lookup = _lookup(resolver, record.name, record.type)
    if lookup.failure:
        return RecordCheck(record, ERROR, f"Could not check {record.name}: {lookup.failure}.")
    if lookup.values:
        return _judge(record, lookup.values)
    if not lookup.nxdomain:
        # The name exists but holds no record of our type: say what it does hold.
        others = _other_records(resolver, record.name, record.type)
        if others:
            return RecordCheck(
                record,
                WRONG_TYPE,
                f"{record.name} has {', '.join(others)} but no {record.type} record: "
                f"replace it with a {record.type} record.",
                tuple(others),
            )
    doubled = f"{record.name}.{_zone_guess(record)}"
    hint = ""
    if _lookup(resolver, doubled, record.type).values:
        hint = (
            f" It was found at {doubled} instead: your DNS host adds the domain to the name, "
            f"so enter only the part before .{_zone_guess(record)}."
        )
    return RecordCheck(
        record,
        MISSING,
        f"No {record.type} record at {record.name} yet (DNS changes can take a while to "
        f"appear).{hint}",
    )


def _judge(record: DnsRecord, values: list[str]) -> RecordCheck:
    found = tuple(values)
    if record.type == "CNAME":
        if _norm(record.value) in {_norm(v) for v in values}:
            return RecordCheck(record, PUBLISHED, f"{record.name} points to {record.value}.", found)
        return RecordCheck(
            record,
            WRONG_TARGET,
            f"{record.name} points to {', '.join(values)}, not {record.value}: correct the "
            "value (a typo, or a missing part of the token?).",
            found,
        )
    if record.type == "MX":
        exchanges = {_norm(v.split()[-1]) for v in values}
        if _norm(record.value) in exchanges:
            return RecordCheck(record, PUBLISHED, f"{record.name} sends mail to SES.", found)
        return RecordCheck(
            record,
            WRONG_TARGET,
            f"{record.name} has MX {', '.join(values)}, not {record.value}.",
            found,
        )
    # TXT: SPF and DMARC accept equivalent values, not only our exact suggestion.
    if any(_txt_matches(record, value) for value in values):
        return RecordCheck(record, PUBLISHED, f"{record.name} has the {record.type} record.", found)
    return RecordCheck(
        record,
        WRONG_TARGET,
        f"{record.name} has TXT {'; '.join(repr(v) for v in values)} but not {record.value!r}.",
        found,
    )


def _txt_matches(record: DnsRecord, value: str) -> bool:
    cleaned = " ".join(value.split()).lower()
    if record.purpose == MAIL_FROM_SPF:
        return cleaned.startswith("v=spf1") and "include:amazonses.com" in cleaned
    if record.purpose == DMARC:
        return cleaned.startswith("v=dmarc1")
    return cleaned == " ".join(record.value.split()).lower()


def _other_records(resolver: dns.resolver.Resolver, name: str, expected: str) -> list[str]:
    found: list[str] = []
    for rdtype in _OTHER_TYPES:
        if rdtype == expected:
            continue
        for value in _lookup(resolver, name, rdtype).values:
            found.append(f"{rdtype} {value}")
    return found


def _zone_guess(record: DnsRecord) -> str:
    # The domain the record belongs to: for DKIM the part after "_domainkey.", for DMARC after
    # "_dmarc.", for MAIL FROM the parent of the subdomain.
    name = record.name
    for marker in ("._domainkey.", "_dmarc."):
        if marker in name:
            return name.split(marker, 1)[1]
    return name.split(".", 1)[1] if "." in name else name
