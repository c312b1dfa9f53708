"""Sender identities: validation, what a status means, and the lifecycle against the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import AuthError
from sesdesk.aws.ses import SesFacade
from sesdesk.aws.simulator import SesSimulator
from sesdesk.errors import BadInput, NotAllowed, NotFound
from sesdesk.models import Mailer, StatusEvent, Store
from sesdesk.services.identities import (
    ERROR_TYPE_TEXT,
    add_identity,
    explain,
    identity_records,
    list_identities,
    replace_identity,
    require_sendable_identity,
    retry_identity,
    validate_identity,
)
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.teams import create_team

REGION = "us-east-1"

# --- validation (no AWS) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name", "kind", "display"),
    [
        ("example.com", "example.com", "domain", "example.com"),
        ("  Example.COM. ", "example.com", "domain", "example.com"),
        ("bücher.example", "xn--bcher-kva.example", "domain", "bücher.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example", "domain", "bücher.example"),
        ("日本.jp", "xn--wgv71a.jp", "domain", "日本.jp"),
        ("mail.sub-domain.example.co.uk", "mail.sub-domain.example.co.uk", "domain", None),
        ("Owner@Example.com", "Owner@example.com", "email", "Owner@example.com"),
        ("shop@bücher.example", "shop@xn--bcher-kva.example", "email", "shop@bücher.example"),
        ("first.last+tag@acme.test", "first.last+tag@acme.test", "email", None),
    ],
)
def test_valid_identities_are_accepted_and_idn_shown_both_ways(typed, name, kind, display):
    checked = validate_identity(typed)
    assert (checked.name, checked.kind) == (name, kind)
    assert checked.display == (display or name)
    if checked.is_international:
        assert checked.describe() == f"{checked.display} ({checked.name})"
    else:
        assert checked.describe() == checked.name


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("localhost", "has no top-level domain"),
        ("192.0.2.10", "is an IP address"),
        ("[2001:db8::1]", "is an IP address"),
        ("*.example.com", "wildcard"),
        ("exa_mple.com", "may only contain letters, digits and hyphens"),
        ("-acme.com", "may not start or end with a hyphen"),
        ("acme-.com", "may not start or end with a hyphen"),
        ("acme..com", "empty label"),
        (".acme.com", "empty label"),
        ("a" * 64 + ".com", "at most 63"),
        (".".join(["a" * 60] * 5) + ".com", "at most 253"),
        ("acme.123", "not a top-level domain"),
        ("https://acme.com/", "looks like a web address"),
        ("acme .com", "contains a space"),
        ("xn--zz.com", "not valid punycode"),
        ("user@", "not a valid email address"),
        ("@acme.com", "not a valid email address"),
        ("a@b@acme.com", "not a valid email address"),
        ("user@localhost", "not a valid email address"),
        ("jöe@acme.com", "not a valid email address"),
        ("user@exa_mple.com", "not a valid email address"),
    ],
)
def test_bad_input_names_the_input_and_the_rule(typed, rule):
    with pytest.raises(BadInput) as refused:
        validate_identity(typed)
    assert refused.value.field == "identity"
    assert rule in refused.value.problem
    assert refused.value.exit_code == 2
    if typed.strip():
        assert repr(typed.strip()) in refused.value.problem or typed.split(".")[0] in str(
            refused.value
        )


def test_domain_length_is_counted_in_punycode():
    # 20 "ü" become a 27-character punycode label: fine; 60 of them do not fit in 63.
    assert validate_identity("ü" * 20 + ".example").name.startswith("xn--")
    with pytest.raises(BadInput, match="at most 63"):
        validate_identity("ü" * 60 + ".example")


# --- what a status means ---------------------------------------------------------------------


def test_pending_email_says_to_open_the_link_within_24_hours():
    explanation = explain("email", "owner@acme.test", "PENDING")
    assert "open the link AWS sent to owner@acme.test (expires after 24 h)" in explanation.text
    assert (explanation.tone, explanation.action) == ("warn", "verify")


@pytest.mark.parametrize("error_type", [None, *ERROR_TYPE_TEXT])
@pytest.mark.parametrize("status", ["PENDING", "TEMPORARY_FAILURE", "NOT_STARTED"])
def test_a_pending_domain_is_never_shown_as_failed(status, error_type):
    explanation = explain("domain", "acme.test", status, error_type)
    assert explanation.tone == "warn"
    assert "fail" not in explanation.label.lower()
    assert "failed" not in explanation.text.lower()


@pytest.mark.parametrize(
    ("error_type", "words"),
    [
        ("INVALID_VALUE", "value is not the one AWS asked for"),
        ("TYPE_NOT_FOUND", "not a record of the type it expects"),
        ("HOST_NOT_FOUND", "no record at the expected name"),
        ("SERVICE_ERROR", "internal AWS problem"),
        ("DNS_SERVER_ERROR", "DNS servers did not answer"),
    ],
)
def test_failed_domain_explains_the_error_type_and_offers_retry(error_type, words):
    explanation = explain("domain", "xn--bcher-kva.example", "FAILED", error_type)
    assert words in explanation.text
    assert "bücher.example" in explanation.text
    assert (explanation.tone, explanation.action, explanation.label) == ("bad", "retry", "Failed")


def test_verified_identity_says_so():
    explanation = explain("domain", "acme.test", "SUCCESS")
    assert (explanation.label, explanation.tone, explanation.action) == ("Verified", "ok", None)


# --- lifecycle against the simulator ---------------------------------------------------------


def connect(sim: SesSimulator, store: Store, name: str = "acme") -> tuple[int, Any]:
    keys = sim.create_user(f"user-{name}")
    facade = SesFacade(ClientFactory(REGION, keys, endpoint=sim.endpoint))
    team = create_team(store, name)
    save_mailer(store, team.id, region=REGION, keys=keys, caller=facade.caller_identity())
    return team.id, keys


def events(store: Store, team_id: int) -> list[tuple[str, str | None, str | None]]:
    with store.session() as session:
        rows = session.scalars(
            select(StatusEvent).where(StatusEvent.team_id == team_id).order_by(StatusEvent.id)
        ).all()
        return [(e.subject, e.old_value, e.new_value) for e in rows]


def test_add_domain_pending_then_success(sim, store):
    team_id, _ = connect(sim, store)
    change = add_identity(store, team_id, "bücher.example")
    assert sim.identities() == {"xn--bcher-kva.example": "PENDING"}
    identity = change.identity
    assert (identity.name, identity.kind, identity.status) == (
        "xn--bcher-kva.example",
        "domain",
        "PENDING",
    )
    assert len(identity.dkim_tokens) == 3
    assert identity.last_checked is not None  # refreshed once at once
    assert change.refresh_problem is None
    dkim = [r for r in change.records if r.purpose == "dkim"]
    assert [r.name for r in dkim] == [
        f"{t}._domainkey.xn--bcher-kva.example" for t in identity.dkim_tokens
    ]
    assert "bücher.example (xn--bcher-kva.example)" in change.next_step
    assert ("identity:xn--bcher-kva.example", None, "PENDING") in events(store, team_id)

    sim.set_identity_status("xn--bcher-kva.example", "SUCCESS")
    refresh_team(store, team_id)
    (now,) = list_identities(store, team_id)
    assert (now.status, now.explanation.label) == ("SUCCESS", "Verified")


def test_add_email_tells_to_open_the_link(sim, store):
    team_id, _ = connect(sim, store)
    change = add_identity(store, team_id, "owner@acme.test")
    assert change.records == []
    assert change.next_step == "Open the link AWS sent to owner@acme.test (expires after 24 h)."
    assert change.identity.explanation.action == "verify"


def test_bad_input_never_reaches_aws(sim, store):
    team_id, _ = connect(sim, store)
    for typed in ("not a domain", "1.2.3.4", "*.acme.test", "user@@acme.test"):
        with pytest.raises(BadInput):
            add_identity(store, team_id, typed)
    assert sim.identities() == {}
    assert list_identities(store, team_id) == []


def test_pending_failed_retry_pending_with_new_records(sim, store):
    team_id, _ = connect(sim, store)
    first = add_identity(store, team_id, "acme.test").identity
    sim.set_identity_status("acme.test", "FAILED", error_type="HOST_NOT_FOUND")
    refresh_team(store, team_id)
    (failed,) = list_identities(store, team_id)
    assert (failed.status, failed.error_type) == ("FAILED", "HOST_NOT_FOUND")
    assert failed.explanation.action == "retry"

    change = retry_identity(store, team_id, "acme.test")
    assert change.identity.status == "PENDING"
    assert sim.identities() == {"acme.test": "PENDING"}
    assert change.records_changed
    assert set(change.identity.dkim_tokens).isdisjoint(first.dkim_tokens)
    assert "the DNS records changed" in change.next_step
    history = list_identities(store, team_id, history=True)
    assert [(i.status, i.removed_at is None) for i in history] == [
        ("FAILED", False),
        ("PENDING", True),
    ]
    assert ("identity:acme.test", "FAILED", "RETRIED") in events(store, team_id)


def test_retry_refuses_a_verified_identity(sim, store):
    team_id, _ = connect(sim, store)
    add_identity(store, team_id, "acme.test")
    sim.set_identity_status("acme.test", "SUCCESS")
    refresh_team(store, team_id)
    with pytest.raises(NotAllowed, match="is verified"):
        retry_identity(store, team_id, "acme.test")
    assert sim.identities() == {"acme.test": "SUCCESS"}


def test_replace_deletes_the_old_and_keeps_it_as_history(sim, store):
    team_id, _ = connect(sim, store)
    add_identity(store, team_id, "old@acme.test")
    sim.set_identity_status("old@acme.test", "FAILED")
    refresh_team(store, team_id)

    change = replace_identity(store, team_id, "old@acme.test", "new.acme.test")
    assert sim.identities() == {"new.acme.test": "PENDING"}
    assert (change.identity.name, change.identity.status) == ("new.acme.test", "PENDING")
    assert change.previous is not None and change.previous.name == "old@acme.test"
    assert len(change.records) >= 3
    active = [i.name for i in list_identities(store, team_id)]
    assert active == ["new.acme.test"]
    removed = [i for i in list_identities(store, team_id, history=True) if i.removed_at]
    assert [(i.name, i.status) for i in removed] == [("old@acme.test", "FAILED")]
    assert ("identity:old@acme.test", "FAILED", "REPLACED") in events(store, team_id)


def test_replace_validates_the_new_identity_before_touching_aws(sim, store):
    team_id, _ = connect(sim, store)
    add_identity(store, team_id, "old@acme.test")
    with pytest.raises(BadInput) as refused:
        replace_identity(store, team_id, "old@acme.test", "not valid")
    assert refused.value.field == "new"
    with pytest.raises(NotFound):
        replace_identity(store, team_id, "nobody@acme.test", "acme.test")
    assert sim.identities() == {"old@acme.test": "PENDING"}


def test_adding_twice_is_refused_clearly(sim, store):
    team_id, _ = connect(sim, store)
    add_identity(store, team_id, "acme.test")
    with pytest.raises(BadInput, match="already a sender identity of this team"):
        add_identity(store, team_id, "ACME.test")


def test_already_in_ses_but_not_in_the_store_is_refused_clearly(sim, store):
    team_id, keys = connect(sim, store)
    SesFacade(ClientFactory(REGION, keys, endpoint=sim.endpoint)).create_identity("acme.test")
    with pytest.raises(BadInput, match="already exists in SES"):
        add_identity(store, team_id, "acme.test")


def test_team_without_mailer_is_not_allowed(sim, store):
    team = create_team(store, "nomailer")
    with pytest.raises(NotAllowed) as refused:
        add_identity(store, team.id, "acme.test")
    assert refused.value.exit_code == 3
    assert sim.identities() == {}


def test_lost_access_marks_the_mailer_lost(sim, store):
    team_id, keys = connect(sim, store)
    sim.revoke_key(keys.access_key_id)
    with pytest.raises(AuthError) as refused:
        add_identity(store, team_id, "acme.test")
    assert refused.value.exit_code == 4
    with store.session() as session:
        mailer = session.scalar(select(Mailer).where(Mailer.team_id == team_id))
        assert mailer is not None and mailer.access == "lost"
    assert list_identities(store, team_id) == []


def test_records_come_from_the_store_with_the_known_status(sim, store):
    team_id, _ = connect(sim, store)
    add_identity(store, team_id, "acme.test")
    add_identity(store, team_id, "me@acme.test")
    records = identity_records(store, team_id, "acme.test")
    assert [r.status for r in records[:3]] == ["PENDING"] * 3
    assert records[3].value == f"feedback-smtp.{REGION}.amazonses.com"
    sim.set_unreachable(True)  # records come from the store: they work offline
    try:
        assert identity_records(store, team_id, "ACME.test.") == records
    finally:
        sim.set_unreachable(False)
    with pytest.raises(BadInput, match="is an email address"):
        identity_records(store, team_id, "me@acme.test")
    with pytest.raises(NotFound):
        identity_records(store, team_id, "other.test")


# --- may we send from this address? ----------------------------------------------------------


def test_require_sendable_identity_follows_the_identity_status(sim, store):
    team_id, _ = connect(sim, store)
    with pytest.raises(NotAllowed, match="neither the address nor its domain") as none:
        require_sendable_identity(store, team_id, "news@acme.test")
    assert "Add acme.test" in none.value.hint

    add_identity(store, team_id, "acme.test")
    with pytest.raises(NotAllowed, match=r"acme\.test is not verified") as pending:
        require_sendable_identity(store, team_id, "Acme News <news@acme.test>")
    assert "publish the DKIM records" in pending.value.hint

    sim.set_identity_status("acme.test", "FAILED", error_type="TYPE_NOT_FOUND")
    refresh_team(store, team_id)
    with pytest.raises(NotAllowed) as failed:
        require_sendable_identity(store, team_id, "news@acme.test")
    assert "Retry" in failed.value.hint

    retry_identity(store, team_id, "acme.test")
    sim.set_identity_status("acme.test", "SUCCESS")
    refresh_team(store, team_id)
    require_sendable_identity(store, team_id, "Acme News <news@acme.test>")
    require_sendable_identity(store, team_id, "bounce@mail.acme.test")  # subdomain inherits
    with pytest.raises(BadInput):
        require_sendable_identity(store, team_id, "not an address")


def test_require_sendable_identity_for_an_email_identity(sim, store):
    team_id, _ = connect(sim, store)
    add_identity(store, team_id, "owner@acme.test")
    with pytest.raises(NotAllowed) as pending:
        require_sendable_identity(store, team_id, "owner@acme.test")
    assert "open the link AWS sent to owner@acme.test" in pending.value.hint
    sim.set_identity_status("owner@acme.test", "SUCCESS")
    refresh_team(store, team_id)
    require_sendable_identity(store, team_id, "OWNER@acme.test")
    with pytest.raises(NotAllowed):
        require_sendable_identity(store, team_id, "other@acme.test")
