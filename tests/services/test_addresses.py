"""The one email-address rule shared by contacts, sender identities and review contacts."""

from __future__ import annotations

import pytest

from sesdesk.errors import BadInput
from sesdesk.services import contacts
from sesdesk.services.addresses import AddressUse, check_email, email_problem
from sesdesk.services.identities import validate_email_address

ALL_USES = tuple(AddressUse)


@pytest.mark.parametrize("use", ALL_USES)
@pytest.mark.parametrize(
    "value",
    ["gïna@example.com", "用户@例子.广告"],
)
def test_a_non_ascii_mailbox_is_refused_for_every_use(use, value):
    assert "before the @" in (email_problem(value, use=use) or "")


@pytest.mark.parametrize("use", ALL_USES)
def test_an_international_domain_is_accepted_in_punycode(use):
    checked = check_email("gina@exämple.com", use=use)
    assert checked.ascii_email == "gina@xn--exmple-cua.com"
    assert checked.domain == "exämple.com"


@pytest.mark.parametrize("use", ALL_USES)
@pytest.mark.parametrize("tld", ["local", "localhost", "invalid", "onion", "arpa"])
def test_special_use_names_are_refused_for_every_use(use, tld):
    # The fast ASCII path must not let these through either.
    assert "special-use or reserved" in (email_problem(f"ann@shop.{tld}", use=use) or "")


def test_dot_test_is_fine_for_contacts_and_sender_identities_not_for_review_contacts():
    assert email_problem("ann@acme.test", use=AddressUse.CONTACT) is None
    assert email_problem("ann@acme.test", use=AddressUse.SENDER_IDENTITY) is None
    assert "special-use or reserved" in (
        email_problem("ann@acme.test", use=AddressUse.REVIEW_CONTACT) or ""
    )


def test_contacts_and_identities_ask_the_same_rule():
    for value in ("ann@shop.local", "jöe@acme.com", "a@b", "ann@acme.test", "ann@exämple.com"):
        contact_ok = contacts.email_problem(value) is None
        try:
            validate_email_address(value)
        except BadInput:
            identity_ok = False
        else:
            identity_ok = True
        assert contact_ok is identity_ok, value


def test_identity_messages_name_the_input_and_the_rule():
    with pytest.raises(BadInput) as refused:
        validate_email_address("jöe@acme.com", field="from")
    assert refused.value.field == "from"
    assert refused.value.problem.startswith("'jöe@acme.com' is not a valid email address")
    assert "before the @" in refused.value.problem


def test_review_contacts_refuse_what_a_reviewer_could_never_reach():
    assert email_problem("ops@smartcart.app", use=AddressUse.REVIEW_CONTACT) is None
    assert email_problem("ops@smartcart.test", use=AddressUse.REVIEW_CONTACT)
    assert email_problem("öps@smartcart.app", use=AddressUse.REVIEW_CONTACT)
