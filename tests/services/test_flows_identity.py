"""The add-identity wizard's flow, walked without Qt: every path the page can take."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sesdesk.services.flows.identity import KIND_HELP, IdentityFlow
from sesdesk.services.identities import DOMAIN, EMAIL


def fake_change(name: str) -> Any:
    return SimpleNamespace(identity=SimpleNamespace(name=name))


def test_the_kind_follows_the_typing_until_chosen_by_hand():
    flow = IdentityFlow()
    assert (flow.kind, flow.kind_help) == (DOMAIN, KIND_HELP[DOMAIN])
    flow.type("you@shop.example")
    assert flow.kind == EMAIL and flow.checked is not None and flow.can_add
    assert flow.kind_help == KIND_HELP[EMAIL]
    flow.type("shop.example")
    assert flow.kind == DOMAIN and flow.checked is not None
    flow.type("   ")  # blank text keeps the kind, and there is nothing to complain about
    assert flow.kind == DOMAIN and flow.message() == "" and not flow.can_add
    flow.choose_kind(EMAIL)
    flow.type("shop.example")
    assert flow.kind == EMAIL and flow.checked is None and flow.problem is not None
    assert not flow.can_add


def test_an_address_typed_as_a_domain_points_at_the_email_choice():
    flow = IdentityFlow()
    flow.choose_kind(DOMAIN)
    flow.type("you@shop.example")
    assert flow.problem is not None and flow.suggest_email
    assert flow.message().endswith(" — choose “An email address” above")
    assert flow.message().startswith(flow.problem.message)
    # The page renders the error in its own words; the suggestion is still added.
    assert flow.message(lambda error: "Not a domain") == (
        "Not a domain — choose “An email address” above"
    )
    flow.type("bad domain")
    assert flow.problem is not None and not flow.suggest_email


def test_the_adds_failure_wins_over_the_input_until_the_text_changes():
    flow = IdentityFlow()
    flow.type("shop.example")
    assert flow.start() == ("shop.example", None)
    assert flow.busy and not flow.can_add
    assert flow.start() is None  # no second add while one runs
    flow.failed("AWS said no")
    assert not flow.busy and flow.message() == "AWS said no" and not flow.can_add
    assert flow.checked is not None  # the input itself is still fine
    flow.choose_kind(DOMAIN)  # any change to the input clears it
    assert flow.message() == "" and flow.can_add


def test_invalid_input_cannot_start_an_add():
    flow = IdentityFlow()
    assert flow.start() is None
    flow.type("not a domain!")
    assert flow.start() is None and not flow.busy
    assert flow.message() == flow.problem.message  # type: ignore[union-attr]


def test_an_international_domain_previews_its_punycode():
    flow = IdentityFlow()
    flow.type("bücher.example")
    assert flow.checked is not None and flow.checked.name == "xn--bcher-kva.example"
    assert flow.preview == (
        "Shown as bücher.example; registered with AWS as xn--bcher-kva.example (punycode)."
    )
    flow.type("books.example")
    assert flow.preview == ""


def test_success_is_done_and_goes_to_the_result():
    flow = IdentityFlow()
    flow.type("shop.example")
    assert not flow.done
    flow.start()
    change = fake_change("shop.example")
    flow.added(change)
    assert flow.done and flow.change is change and not flow.busy


def test_replace_mode_says_what_happens_to_the_old_identity():
    add = IdentityFlow()
    assert (add.title, add.commit_text) == ("Add a sender identity", "&Add")
    assert "AWS must verify it" in add.subtitle
    flow = IdentityFlow(replacing="old.example")
    assert flow.title == "Replace old.example" and flow.commit_text == "Replace"
    assert "then old.example is deleted there" in flow.subtitle
    flow.type("new.example")
    assert flow.start() == ("new.example", "old.example")


def test_an_unknown_kind_is_a_bug():
    with pytest.raises(ValueError, match="unknown identity kind"):
        IdentityFlow().choose_kind("phone")
