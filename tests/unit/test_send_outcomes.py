"""The send-outcome table (`sending.fate_of`) and the sender rule, without AWS or a store."""

from __future__ import annotations

import pytest

from sesdesk.aws.errors import (
    AuthError,
    AwsNotFound,
    DailyQuotaExceeded,
    Rejected,
    SendingPaused,
    Throttled,
    Unreachable,
)
from sesdesk.errors import BadInput, NotAllowed, SesdeskError
from sesdesk.models.sending import FAILED, PENDING, SENT, UNCERTAIN
from sesdesk.services.sending import Fate, Streaks, check_from_identity, fate_of
from sesdesk.services.sending.outcomes import MAX_THROTTLE_STREAK, MAX_UNREACHABLE_STREAK
from sesdesk.services.state import IdentityView, TeamSnapshot

FROM = "Shop <news@shop.example>"
SOME = Streaks(throttled=2, unreachable=1)

# error, state, error text, halt reason, (throttled, quota used up, bug), streaks after
TABLE: list[tuple[BaseException | None, str, str | None, str | None, tuple, Streaks]] = [
    (None, SENT, None, None, (False, False, False), Streaks()),
    (
        Throttled("Maximum sending rate exceeded."),
        PENDING,
        "throttled: retrying",
        None,
        (True, False, False),
        Streaks(3, 1),
    ),
    (
        DailyQuotaExceeded("Daily message quota exceeded."),
        PENDING,
        "Daily message quota exceeded.",
        None,
        (False, True, False),
        SOME,
    ),
    (
        AuthError("The security token is invalid."),
        PENDING,
        "The security token is invalid.",
        "The security token is invalid.",
        (False, False, False),
        SOME,
    ),
    (
        SendingPaused("Sending paused for this account."),
        PENDING,
        "Sending paused for this account.",
        "Sending paused for this account.",
        (False, False, False),
        SOME,
    ),
    (  # SES refused the sender: every recipient would fail the same way
        Rejected("Email address is not verified: news@shop.example"),
        PENDING,
        "Email address is not verified: news@shop.example",
        "Email address is not verified: news@shop.example",
        (False, False, False),
        SOME,
    ),
    (
        Rejected("MAIL FROM domain is not verified", code="MailFromDomainNotVerifiedException"),
        PENDING,
        "MAIL FROM domain is not verified",
        "MAIL FROM domain is not verified",
        (False, False, False),
        SOME,
    ),
    (  # SES refused this recipient only
        Rejected("Illegal address"),
        FAILED,
        "Illegal address",
        None,
        (False, False, False),
        SOME,
    ),
    (AwsNotFound("No such thing"), FAILED, "No such thing", None, (False, False, False), SOME),
    (
        Unreachable("Read timed out", may_have_arrived=True),
        UNCERTAIN,
        "Read timed out",
        None,
        (False, False, False),
        Streaks(2, 2),
    ),
    (
        Unreachable("Could not connect"),
        PENDING,
        "Could not connect",
        None,
        (False, False, False),
        Streaks(2, 2),
    ),
    (
        SesdeskError("Something odd"),
        UNCERTAIN,
        "Something odd",
        "unexpected failure while sending: Something odd",
        (False, False, False),
        SOME,
    ),
    (
        KeyError("oops"),
        UNCERTAIN,
        "KeyError",
        "unexpected failure while sending: KeyError",
        (False, False, True),
        SOME,
    ),
]


@pytest.mark.parametrize(("error", "state", "text", "halt", "flags", "after"), TABLE)
def test_every_outcome_follows_the_table(error, state, text, halt, flags, after):
    fate = fate_of(error, SOME, FROM)
    assert (fate.state, fate.error, fate.halt) == (state, text, halt)
    assert (fate.throttled, fate.quota_used_up, fate.bug) == flags
    assert fate.streaks == after


def test_a_send_never_made_is_retried_and_changes_nothing():
    assert fate_of(None, SOME, FROM, unsent=True) == Fate(PENDING, SOME)


def test_unreachable_backs_off_exponentially_and_pauses_after_a_streak():
    backs = []
    streaks = Streaks()
    for _ in range(MAX_UNREACHABLE_STREAK):
        fate = fate_of(Unreachable("down"), streaks, FROM)
        backs.append(fate.back_off)
        streaks = fate.streaks
    assert backs == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert fate.halt == "down"
    assert fate_of(Unreachable("down"), Streaks(0, 8), FROM).back_off == 30.0


def test_throttling_pauses_only_after_a_long_streak_and_a_success_resets_it():
    almost = Streaks(throttled=MAX_THROTTLE_STREAK - 2)
    assert fate_of(Throttled("slow down"), almost, FROM).halt is None
    last = fate_of(Throttled("slow down"), Streaks(throttled=MAX_THROTTLE_STREAK - 1), FROM)
    assert last.halt == "AWS keeps throttling: slow down"
    assert fate_of(None, Streaks(throttled=40, unreachable=3), FROM).streaks == Streaks()


# --- may we send from X: one rule ----------------------------------------------------------


def snapshot(*identities: tuple[str, str, str]) -> TeamSnapshot:
    views = tuple(IdentityView(name, kind, status, None) for name, kind, status in identities)
    return TeamSnapshot(1, "shop", None, None, views)


def test_a_verified_domain_covers_its_addresses_and_subdomains():
    team = snapshot(("shop.example", "domain", "SUCCESS"))
    check_from_identity(team, "news@shop.example")
    check_from_identity(team, "Shop <bounce@mail.shop.example>")
    check_from_identity(team, "a@b.c.shop.example")
    with pytest.raises(BadInput, match="neither the address nor its domain") as refused:
        check_from_identity(team, "news@othershop.example")
    assert refused.value.field == "from"


def test_any_verified_identity_covering_the_address_is_enough():
    # A pending subdomain or address identity under a verified domain does not block it.
    team = snapshot(
        ("shop.example", "domain", "SUCCESS"),
        ("mail.shop.example", "domain", "PENDING"),
        ("owner@shop.example", "email", "PENDING"),
    )
    check_from_identity(team, "news@mail.shop.example")
    check_from_identity(team, "owner@shop.example")


def test_unverified_covering_identities_are_named_with_what_to_do():
    team = snapshot(("shop.example", "domain", "PENDING"), ("me@else.example", "email", "SUCCESS"))
    with pytest.raises(NotAllowed, match=r"shop\.example is not verified") as pending:
        check_from_identity(team, "news@mail.shop.example")
    assert "publish the DKIM records" in pending.value.hint
    check_from_identity(team, "ME@else.example")
    with pytest.raises(BadInput):
        check_from_identity(team, "you@else.example")  # an address identity covers only itself
