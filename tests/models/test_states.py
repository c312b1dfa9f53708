"""The StrEnum states: the same strings in the store, in JSON and in messages as before."""

from __future__ import annotations

import json

from sesdesk.models import BroadcastState, IdentityStatus, MailerAccess, RecipientState
from sesdesk.models import identity as identity_model
from sesdesk.models import mailer as mailer_model
from sesdesk.models import sending as sending_model


def test_members_are_their_stored_strings_in_json_and_text():
    for enum in (IdentityStatus, MailerAccess, BroadcastState, RecipientState):
        for member in enum:
            assert member == member.value
            assert json.dumps(member) == json.dumps(member.value)
            assert json.dumps({"state": member}) == json.dumps({"state": member.value})
            assert f"{member}" == member.value == str(member)


def test_the_values_are_unchanged():
    assert [s.value for s in IdentityStatus] == [
        "PENDING",
        "SUCCESS",
        "FAILED",
        "TEMPORARY_FAILURE",
        "NOT_STARTED",
    ]
    assert [s.value for s in MailerAccess] == ["ok", "lost", "unknown"]
    assert [s.value for s in BroadcastState] == [
        "draft",
        "sending",
        "paused",
        "waiting_quota",
        "done",
        "stopped",
        "queued",
    ]
    assert [s.value for s in RecipientState] == [
        "pending",
        "sending",
        "sent",
        "failed",
        "suppressed",
        "uncertain",
    ]


def test_old_constant_names_are_the_members():
    assert sending_model.DONE is BroadcastState.DONE
    assert sending_model.QUEUED is BroadcastState.QUEUED
    assert sending_model.UNCERTAIN is RecipientState.UNCERTAIN
    assert sending_model.SENDING == RecipientState.SENDING
    assert identity_model.SUCCESS is IdentityStatus.SUCCESS
    assert mailer_model.ACCESS_LOST is MailerAccess.LOST
    # QUEUED is reported, never stored: the CHECK constraint does not allow it.
    assert "queued" not in sending_model.BROADCAST_STATES
    assert set(sending_model.RECIPIENT_STATES) == set(RecipientState)


def test_check_constraints_name_plain_strings():
    state = next(
        c
        for c in sending_model.Broadcast.__table__.constraints
        if getattr(c, "name", None) == "ck_broadcast_state"
    )
    assert str(state.sqltext) == (
        "state IN ('draft', 'sending', 'paused', 'waiting_quota', 'done', 'stopped')"
    )
