"""The live DNS check against a tiny DNS server each test starts on 127.0.0.1.

`LocalDnsServer` answers from a dict with dnspython-built responses over UDP in a thread: an
unknown name is NXDOMAIN, a known name without the asked type answers NOERROR and no data (or
its CNAME, unchased, as an authoritative server would). Bounded and stopped by the test.
"""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from sesdesk.errors import BadInput
from sesdesk.services.dns_check import (
    ERROR,
    MISSING,
    PUBLISHED,
    WRONG_TARGET,
    WRONG_TYPE,
    ResolverConfig,
    check_records,
)
from sesdesk.services.dns_records import records_for_domain
from tests.postgres import database_env

DOMAIN = "acme.test"
TOKENS = ("tok1aaaa", "tok2bbbb", "tok3cccc")
REGION = "eu-west-1"
__all__ = ["database_env"]  # a fixture: the CLI test runs on SQLite and on PostgreSQL


class LocalDnsServer:
    """A UDP DNS server on 127.0.0.1 answering from `records`: {(name, TYPE): [rdata text]}."""

    def __init__(self, records: dict[tuple[str, str], list[str]] | None = None) -> None:
        self.records: dict[tuple[str, str], list[str]] = {
            (name.lower().rstrip("."), rdtype): values
            for (name, rdtype), values in (records or {}).items()
        }
        self.queries: list[tuple[str, str]] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="local-dns", daemon=True)

    @property
    def port(self) -> int:
        """The UDP port it listens on."""
        return int(self._sock.getsockname()[1])

    def config(self, timeout: float = 1.0) -> ResolverConfig:
        """A resolver configuration pointing at this server."""
        return ResolverConfig(nameserver="127.0.0.1", port=self.port, timeout=timeout)

    def add(self, name: str, rdtype: str, *values: str) -> None:
        """Publish a record (takes effect for the next query)."""
        self.records.setdefault((name.lower().rstrip("."), rdtype), []).extend(values)

    def start(self) -> LocalDnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(wire)
            self._sock.sendto(self._answer(query).to_wire(), peer)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        known = {known_name for known_name, _ in self.records}
        if name not in known:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        for wanted in (rdtype, "CNAME"):
            values = self.records.get((name, wanted))
            if values:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, "IN", wanted, values)
                )
                break
        return response


def all_records(mail_from: str | None = "mail") -> list:
    return records_for_domain(DOMAIN, TOKENS, region=REGION, mail_from=mail_from)


def publish_everything(server: LocalDnsServer) -> None:
    for token in TOKENS:
        server.add(f"{token}._domainkey.{DOMAIN}", "CNAME", f"{token}.dkim.amazonses.com.")
    server.add(f"mail.{DOMAIN}", "MX", f"10 feedback-smtp.{REGION}.amazonses.com.")
    server.add(f"mail.{DOMAIN}", "TXT", '"v=spf1 include:amazonses.com ~all"')
    server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=quarantine; rua=mailto:d@acme.test"')


def test_correct_records_are_all_published(dns_server):
    publish_everything(dns_server)
    checks = check_records(all_records(), dns_server.config())
    assert [c.verdict for c in checks] == [PUBLISHED] * 6
    assert all(c.ok for c in checks)
    assert checks[0].found == (f"{TOKENS[0]}.dkim.amazonses.com",)
    # The resolver really asked our server, once per record.
    assert (f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME") in dns_server.queries


def test_nothing_published_means_every_record_is_missing(dns_server):
    checks = check_records(all_records(), dns_server.config())
    assert {c.verdict for c in checks} == {MISSING}
    assert "No CNAME record at" in checks[0].message


def test_wrong_cname_target_is_reported_with_what_is_there(dns_server):
    publish_everything(dns_server)
    dns_server.records[(f"{TOKENS[1]}._domainkey.{DOMAIN}", "CNAME")] = [
        "tok2bbb.dkim.amazonses.com."
    ]
    checks = check_records(all_records(mail_from=None), dns_server.config())
    verdicts = [c.verdict for c in checks]
    assert verdicts == [PUBLISHED, WRONG_TARGET, PUBLISHED, PUBLISHED]
    assert checks[1].found == ("tok2bbb.dkim.amazonses.com",)
    assert "not tok2bbbb.dkim.amazonses.com" in checks[1].message


def test_txt_where_a_cname_belongs_is_the_wrong_type(dns_server):
    dns_server.add(f"{TOKENS[0]}._domainkey.{DOMAIN}", "TXT", f'"{TOKENS[0]}.dkim.amazonses.com"')
    (check,) = check_records(all_records()[:1], dns_server.config())
    assert check.verdict == WRONG_TYPE
    assert check.found == (f"TXT {TOKENS[0]}.dkim.amazonses.com",)
    assert "replace it with a CNAME record" in check.message


def test_mx_answered_by_a_cname_is_the_wrong_type(dns_server):
    dns_server.add(f"mail.{DOMAIN}", "CNAME", "elsewhere.example.")
    checks = check_records(all_records(), dns_server.config())
    mx = next(c for c in checks if c.record.type == "MX")
    assert mx.verdict == WRONG_TYPE
    assert mx.found == ("CNAME elsewhere.example",)


def test_wrong_mx_and_unrelated_txt_are_wrong_values(dns_server):
    dns_server.add(f"mail.{DOMAIN}", "MX", "10 mx.other-provider.example.")
    dns_server.add(f"mail.{DOMAIN}", "TXT", '"google-site-verification=abc"')
    checks = check_records(all_records(), dns_server.config())
    by_purpose = {c.record.purpose: c for c in checks}
    assert by_purpose["mail_from_mx"].verdict == WRONG_TARGET
    assert by_purpose["mail_from_mx"].found == ("10 mx.other-provider.example",)
    assert by_purpose["mail_from_spf"].verdict == WRONG_TARGET
    assert by_purpose["dmarc"].verdict == MISSING


def test_a_record_published_with_the_domain_twice_is_pointed_out(dns_server):
    doubled = f"{TOKENS[0]}._domainkey.{DOMAIN}.{DOMAIN}"
    dns_server.add(doubled, "CNAME", f"{TOKENS[0]}.dkim.amazonses.com.")
    (check,) = check_records(all_records()[:1], dns_server.config())
    assert check.verdict == MISSING
    assert f"found at {doubled}" in check.message


def test_a_server_that_never_answers_gives_an_error_verdict_quickly():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        config = ResolverConfig(nameserver="127.0.0.1", port=silent.getsockname()[1], timeout=0.2)
        (check,) = check_records(all_records()[:1], config)
    finally:
        silent.close()
    assert check.verdict == ERROR
    assert "did not answer" in check.message


def test_records_published_later_are_seen_at_once(dns_server):
    records = all_records()[:1]
    assert check_records(records, dns_server.config())[0].verdict == MISSING
    dns_server.add(records[0].name, "CNAME", records[0].value + ".")
    assert check_records(records, dns_server.config())[0].verdict == PUBLISHED


@pytest.mark.parametrize(
    ("nameserver", "port", "field"),
    [("dns.example.com", 53, "nameserver"), ("127.0.0.1", 0, "port"), ("1.1.1.1", 70000, "port")],
)
def test_resolver_settings_are_checked(nameserver, port, field):
    with pytest.raises(BadInput) as refused:
        ResolverConfig(nameserver=nameserver, port=port)
    assert refused.value.field == field


def test_cli_records_check_adds_a_dns_verdict_per_record(
    dns_server, isolated_home, monkeypatch, capsys, database_env
):
    import json

    from sesdesk.aws.clients import ClientFactory
    from sesdesk.aws.ses import SesFacade
    from sesdesk.cli import main
    from sesdesk.config import paths
    from sesdesk.models import Store
    from sesdesk.services.identities import add_identity
    from sesdesk.services.mailers import save_mailer
    from sesdesk.services.teams import create_team
    from sesdesk.simulator import SesSimulator

    with SesSimulator(iam=False) as sim:
        sim.reset()
        monkeypatch.setenv("AWS_ENDPOINT_URL", sim.endpoint)
        isolated_home.mkdir(parents=True, exist_ok=True)
        store = Store.open_configured(paths(isolated_home).database, database_env)
        try:
            keys = sim.create_user("dns-user")
            facade = SesFacade(ClientFactory("us-east-1", keys, endpoint=sim.endpoint))
            team = create_team(store, "acme")
            save_mailer(
                store, team.id, region="us-east-1", keys=keys, caller=facade.caller_identity()
            )
            tokens = add_identity(store, team.id, DOMAIN).identity.dkim_tokens
        finally:
            store.close()
        sim.reset()
    dns_server.add(f"{tokens[0]}._domainkey.{DOMAIN}", "CNAME", f"{tokens[0]}.dkim.amazonses.com.")
    dns_server.add(f"{tokens[1]}._domainkey.{DOMAIN}", "CNAME", "typo.dkim.amazonses.com.")

    argv = ["identity", "records", "--team", "acme", DOMAIN, "--json", "--check"]
    argv += ["--nameserver", "127.0.0.1", "--port", str(dns_server.port), "--no-mail-from"]
    assert main(argv) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["dns"]["verdict"] for r in records] == [PUBLISHED, WRONG_TARGET, MISSING, MISSING]
    assert records[1]["dns"]["found"] == ["typo.dkim.amazonses.com"]

    assert (
        main(
            [
                "identity",
                "records",
                "--team",
                "acme",
                DOMAIN,
                "--check",
                "--nameserver",
                "dns.example",
            ]
        )
        == 2
    )
