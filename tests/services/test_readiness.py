"""The bulk-sender readiness check: the pure judgements, then the whole check against the
simulator and a DNS server of our own on 127.0.0.1 (answering, silent, or closed)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from sesdesk.errors import BadInput, NotAllowed
from sesdesk.models import StatusEvent
from sesdesk.models.sending import KIND_TEST_EMAIL
from sesdesk.services.dns_check import ResolverConfig
from sesdesk.services.readiness import check_readiness
from sesdesk.services.readiness.checks import (
    COMPLAINT_RATE,
    DKIM,
    DMARC,
    FREE_MAIL,
    MAIL_FROM,
    ONE_CLICK,
    DmarcFound,
    FixCode,
    SesFacts,
    aligned,
    is_free_mail,
    judge_complaint_rate,
    judge_dmarc,
    organisational_domain,
    parse_dmarc,
)
from sesdesk.services.readiness.mail_from import (
    MAIL_FROM_FIELD,
    last_mail_from,
    mail_from_problem,
    set_up_mail_from,
)
from sesdesk.services.refresh import refresh_team
from tests.conftest import connected_team
from tests.services.test_dns_check import LocalDnsServer

DOMAIN = "acme.test"
REGION = "us-east-1"
#: Tests of what the check says wait longer than the check's own budget: a loaded 2-core CI
#: machine must not turn an answer into "could not check". The timing tests keep the budget.
SLOW_OK = 15.0


# --------------------------------------------------------------------------- pure parts


def test_dmarc_records_are_parsed_by_tag() -> None:
    assert parse_dmarc("v=DMARC1; p=reject; adkim=s; rua=mailto:d@acme.test") == {
        "p": "reject",
        "adkim": "s",
        "rua": "mailto:d@acme.test",
    }
    assert parse_dmarc("v=spf1 include:amazonses.com ~all") is None


def test_alignment_relaxed_uses_the_organisational_domain() -> None:
    assert organisational_domain("news.shop.co.uk") == "shop.co.uk"
    assert aligned("shop.co.uk", "news.shop.co.uk", "r")
    assert not aligned("shop.co.uk", "news.shop.co.uk", "s")
    assert not aligned("other.co.uk", "shop.co.uk", "r")  # co.uk is a public suffix


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("yahoo.fr", True),
        ("yahoo.co.jp", True),
        ("hotmail.it", True),
        ("outlook.com", True),
        ("aol.com", True),
        ("icloud.com", True),
        ("gmx.ch", True),
        ("web.de", True),
        ("acme.com", False),
        ("mail.acme.com", False),
        ("live.example", False),
    ],
)
def test_free_mail_domains(domain: str, free: bool) -> None:
    assert is_free_mail(domain) is free


def _facts(**changes: object) -> SesFacts:
    base: dict[str, object] = {
        "domain_identity": "acme.com",
        "dkim_status": "SUCCESS",
        "dkim_signing": True,
        "dkim_origin": "AWS_SES",
        "mail_from_domain": "mail.acme.com",
        "mail_from_status": "SUCCESS",
        "region": REGION,
    }
    base.update(changes)
    return SesFacts(**base)  # type: ignore[arg-type]


def test_dmarc_p_none_passes_with_advice_and_missing_fails_with_the_record() -> None:
    passed = judge_dmarc("acme.com", DmarcFound("acme.com", {"p": "none"}), _facts())
    assert passed.ok is True
    assert "p=quarantine" in passed.message and "DKIM and SPF aligned" in passed.message
    missing = judge_dmarc("news.acme.com", None, _facts())
    assert missing.ok is False
    assert "_dmarc.acme.com" in missing.message and missing.fix_code == FixCode.RECORDS
    assert judge_dmarc("acme.com", None, None, dns_failed="DNS did not answer").ok is None


def test_dmarc_strict_alignment_fails_for_a_subdomain_sender() -> None:
    # From news.acme.com, DKIM d=acme.com, MAIL FROM mail.acme.com; strict mode: neither aligns.
    record = DmarcFound("acme.com", {"p": "reject", "adkim": "s", "aspf": "s"})
    failed = judge_dmarc("news.acme.com", record, _facts())
    assert failed.ok is False and "aligns" in failed.message
    # A subdomain's own policy (sp) applies to it.
    relaxed = DmarcFound("acme.com", {"p": "reject", "sp": "none"})
    assert "p=none" in judge_dmarc("news.acme.com", relaxed, _facts()).message


def test_complaint_rate_against_gmail_s_limit() -> None:
    assert judge_complaint_rate(None, None).ok is None
    assert judge_complaint_rate(0.0005, "local").ok is True
    review = judge_complaint_rate(0.002, "ses")
    assert review.ok is True and "0.1 %" in review.message
    high = judge_complaint_rate(0.003, "ses")
    assert high.ok is False and high.fix_code == FixCode.CONTACTS


@pytest.mark.parametrize(
    ("wanted", "problem"),
    [
        ("acme.com", "not acme.com itself"),
        ("mail.other.com", "not under acme.com"),
        ("-x.acme.com", "not a DNS label"),
        ("a_b.acme.com", "not a DNS label"),
        ("mail.acme.com", None),
        ("bounce.news.acme.com", None),
    ],
)
def test_mail_from_subdomain_rules(wanted: str, problem: str | None) -> None:
    found = mail_from_problem("acme.com", wanted)
    assert (found is None) if problem is None else (problem in str(found))


# --------------------------------------------------------------------------- the whole check


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A UDP port on 127.0.0.1 that takes queries and never answers (a black hole)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield int(sock.getsockname()[1])
    sock.close()


def _closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def _publish_mail_from(server: LocalDnsServer, name: str = f"mail.{DOMAIN}") -> None:
    server.add(name, "MX", f"10 feedback-smtp.{REGION}.amazonses.com.")
    server.add(name, "TXT", '"v=spf1 include:amazonses.com ~all"')


def _codes(result) -> dict[str, bool | None]:  # type: ignore[no-untyped-def]
    return {check.code: check.ok for check in result.checks}


def test_a_fresh_verified_domain_lacks_mail_from_and_dmarc_then_passes_everything(
    sim, store, dns_server
) -> None:
    team_id, _, _ = connected_team(store, sim, identity=DOMAIN, verify=True)
    first = check_readiness(
        store, team_id, f"news@{DOMAIN}", dns=dns_server.config(), budget=SLOW_OK
    )
    assert first.from_address == f"news@{DOMAIN}"
    assert [c.code for c in first.checks] == [
        DKIM,
        MAIL_FROM,
        DMARC,
        ONE_CLICK,
        COMPLAINT_RATE,
        FREE_MAIL,
    ]
    assert _codes(first) == {
        DKIM: True,
        MAIL_FROM: False,
        DMARC: False,
        ONE_CLICK: True,
        COMPLAINT_RATE: None,  # nothing sent yet
        FREE_MAIL: True,
    }
    assert first.check(MAIL_FROM).fix_code == FixCode.MAIL_FROM
    assert not first.blocking

    setup = set_up_mail_from(store, team_id, DOMAIN)
    assert setup.mail_from_domain == f"mail.{DOMAIN}" and setup.status == "PENDING"
    assert [(r.type, r.name, r.value) for r in setup.records] == [
        ("MX", f"mail.{DOMAIN}", f"feedback-smtp.{REGION}.amazonses.com"),
        ("TXT", f"mail.{DOMAIN}", "v=spf1 include:amazonses.com ~all"),
    ]
    pending = check_readiness(
        store, team_id, f"news@{DOMAIN}", dns=dns_server.config(), budget=SLOW_OK
    )
    assert pending.check(MAIL_FROM).ok is False
    assert "MX" in pending.check(MAIL_FROM).message

    _publish_mail_from(dns_server)
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=none; rua=mailto:d@acme.test"')
    sim.set_mail_from_status(DOMAIN, "SUCCESS")
    ready = check_readiness(
        store, team_id, f"news@{DOMAIN}", dns=dns_server.config(), budget=SLOW_OK
    )
    assert _codes(ready)[MAIL_FROM] is True
    assert _codes(ready)[DMARC] is True
    assert "p=none only monitors" in ready.check(DMARC).message
    assert (f"mail.{DOMAIN}", "MX") in dns_server.queries


def test_dmarc_is_found_at_the_organisational_domain(sim, store, dns_server) -> None:
    team_id, _, _ = connected_team(store, sim, identity="shop.example.co.uk", verify=True)
    dns_server.add("_dmarc.example.co.uk", "TXT", '"v=DMARC1; p=quarantine"')
    result = check_readiness(
        store, team_id, "news@shop.example.co.uk", dns=dns_server.config(), budget=SLOW_OK
    )
    dmarc = result.check(DMARC)
    assert dmarc.ok is True and "_dmarc.example.co.uk" in dmarc.message


def test_without_easy_dkim_one_click_blocks_a_marketing_broadcast_only(
    sim, store, dns_server
) -> None:
    team_id, _, facade = connected_team(store, sim, identity=DOMAIN)  # pending: no DKIM yet
    broadcast = check_readiness(
        store, team_id, f"news@{DOMAIN}", dns=dns_server.config(), budget=SLOW_OK
    )
    assert _codes(broadcast)[DKIM] is False and _codes(broadcast)[ONE_CLICK] is False
    assert [c.code for c in broadcast.blocking] == [ONE_CLICK]
    assert broadcast.as_json()["blocks_sending"] is True
    test_email = check_readiness(
        store,
        team_id,
        f"news@{DOMAIN}",
        kind=KIND_TEST_EMAIL,
        dns=dns_server.config(),
        budget=SLOW_OK,
    )
    assert not test_email.blocking
    # A transactional account's broadcasts are not blocked either (once sesdesk has read the
    # account's MailType, as the sending engine judges it).
    sim.state.put_account_details(
        "123456789012",
        REGION,
        {"MailType": "TRANSACTIONAL", "WebsiteURL": "https://acme.test", "ContactLanguage": "EN"},
    )
    refresh_team(store, team_id, facade)
    transactional = check_readiness(
        store, team_id, f"news@{DOMAIN}", dns=dns_server.config(), budget=SLOW_OK
    )
    assert _codes(transactional)[ONE_CLICK] is False and not transactional.blocking


def test_free_mail_sender_fails_its_check(sim, store, dns_server) -> None:
    team_id, _, _ = connected_team(store, sim, identity="someone@gmail.com", verify=True)
    result = check_readiness(store, team_id, dns=dns_server.config(), budget=SLOW_OK)
    assert result.from_address == "someone@gmail.com"  # the verified address: the default
    assert _codes(result)[FREE_MAIL] is False
    assert result.check(FREE_MAIL).fix_code == FixCode.ADD_IDENTITY
    assert _codes(result)[DKIM] is False  # an address identity has no DKIM of its own
    assert "a domain you own" in str(result.check(DKIM).fix)  # never "add gmail.com"


@pytest.mark.parametrize("how", ["blackhole", "closed"])
def test_dns_unreachable_is_could_not_check_within_three_seconds(
    sim, store, silent_port, how
) -> None:
    team_id, _, facade = connected_team(store, sim, identity=DOMAIN, verify=True)
    facade.put_mail_from(DOMAIN, f"mail.{DOMAIN}")
    sim.set_mail_from_status(DOMAIN, "SUCCESS")
    port = silent_port if how == "blackhole" else _closed_port()
    started = time.monotonic()
    result = check_readiness(
        store, team_id, f"news@{DOMAIN}", dns=ResolverConfig("127.0.0.1", port)
    )
    assert time.monotonic() - started < 3.0
    assert _codes(result)[DMARC] is None
    assert _codes(result)[MAIL_FROM] is None
    assert "Could not check" in result.check(DMARC).message
    # AWS answers (on a machine too loaded to answer within the budget: null, never failed).
    assert _codes(result)[DKIM] is not False


def test_aws_unreachable_is_could_not_check_never_a_traceback(sim, store, dns_server) -> None:
    team_id, _, _ = connected_team(store, sim, identity=DOMAIN, verify=True)
    sim.set_unreachable(True)
    try:
        started = time.monotonic()
        result = check_readiness(store, team_id, f"news@{DOMAIN}", dns=dns_server.config())
        assert time.monotonic() - started < 3.0
    finally:
        sim.set_unreachable(False)
    assert _codes(result)[DKIM] is None
    assert _codes(result)[MAIL_FROM] is None
    assert _codes(result)[ONE_CLICK] is None
    assert _codes(result)[DMARC] is False  # DNS still answered: no record
    assert not result.blocking


def test_bad_from_names_the_field_and_no_identity_is_not_allowed(sim, store) -> None:
    team_id, _, _ = connected_team(store, sim)
    with pytest.raises(BadInput) as excinfo:
        check_readiness(store, team_id, "not an address")
    assert excinfo.value.field == "from"
    with pytest.raises(NotAllowed):
        check_readiness(store, team_id)


def test_set_up_mail_from_refuses_a_bad_subdomain_before_calling_aws(sim, store) -> None:
    team_id, _, facade = connected_team(store, sim, identity=DOMAIN, verify=True)
    with pytest.raises(BadInput) as excinfo:
        set_up_mail_from(store, team_id, DOMAIN, "mail.elsewhere.test")
    assert excinfo.value.field == "mail_from"
    assert facade.get_identity(DOMAIN).mail_from_domain is None
    named = set_up_mail_from(store, team_id, DOMAIN, "bounce")
    assert named.mail_from_domain == f"bounce.{DOMAIN}"
    assert facade.get_identity(DOMAIN).mail_from_domain == f"bounce.{DOMAIN}"
    # The change is on record: the history says what was set, and what it replaced.
    again = set_up_mail_from(store, team_id, DOMAIN)
    assert again.mail_from_domain == f"mail.{DOMAIN}"
    with store.session() as session:
        assert last_mail_from(session, team_id, DOMAIN) == f"mail.{DOMAIN}"
        events = session.scalars(
            select(StatusEvent).where(StatusEvent.field == MAIL_FROM_FIELD).order_by(StatusEvent.id)
        ).all()
        assert [(e.subject, e.old_value, e.new_value) for e in events] == [
            (f"identity:{DOMAIN}", None, f"bounce.{DOMAIN}"),
            (f"identity:{DOMAIN}", f"bounce.{DOMAIN}", f"mail.{DOMAIN}"),
        ]
        assert "custom MAIL FROM domain" in events[0].message
