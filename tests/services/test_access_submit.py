"""Submitting the production-access request against the simulator, and tracking the review."""

from __future__ import annotations

import pytest

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.aws.simulator import SesSimulator
from sesdesk.errors import BadInput, CredentialsRejected, NotAllowed
from sesdesk.models import Store
from sesdesk.models.access import AccessRequest
from sesdesk.services import access
from sesdesk.services.gating import Fix
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.state import load_snapshot
from sesdesk.services.teams import create_team
from tests.access_samples import filled_template

REGION = "us-east-1"
DOMAIN = "smartcart.app"


@pytest.fixture
def simulator(sim: SesSimulator) -> SesSimulator:
    """The shared IAM-enforcing simulator (tests/conftest.py), under this module's name."""
    return sim


def connect_team(store: Store, simulator: SesSimulator, *, verify: bool = True) -> int:
    """A team with a connected mailer (keys in the test keyring) and one identity."""
    keys = simulator.create_user("shop")
    facade = SesFacade(ClientFactory(REGION, keys, endpoint=simulator.endpoint))
    team = create_team(store, "SmartCart")
    save_mailer(store, team.id, region=REGION, keys=keys, caller=facade.caller_identity())
    facade.create_identity(DOMAIN)
    if verify:
        simulator.set_identity_status(DOMAIN, "SUCCESS")
    refresh_team(store, team.id, facade)
    return team.id


def good_form() -> access.AccessForm:
    built, _answers = filled_template("otp", website_url=f"https://{DOMAIN}")
    return built


def review_in_store(store: Store, team_id: int) -> str | None:
    account = load_snapshot(store, team_id).account
    return account.review_status if account else None


def test_submit_sends_put_account_details_keeps_the_request_and_refreshes(store, simulator):
    team_id = connect_team(store, simulator)
    form, answers = filled_template("otp", website_url=f"https://{DOMAIN}", contact_language="JA")
    form = access.AccessForm(**{**form.__dict__, "additional_contacts": ("ops@smartcart.app",)})

    result = access.submit(store, team_id, form, answers=answers)

    details = simulator.account_status()["Details"]
    assert details["MailType"] == "TRANSACTIONAL"
    assert details["WebsiteURL"] == f"https://{DOMAIN}"
    assert details["ContactLanguage"] == "JA"
    assert details["UseCaseDescription"] == form.use_case_description
    assert details["AdditionalContactEmailAddresses"] == ["ops@smartcart.app"]
    assert details["ReviewDetails"]["Status"] == "PENDING"
    # Refreshed once: the store already shows the review.
    assert result.review_status == "PENDING"
    assert result.case_id == details["ReviewDetails"]["CaseId"]
    assert review_in_store(store, team_id) == "PENDING"
    [kept] = access.list_requests(store, team_id)
    assert kept.via == "api" and kept.region == REGION
    assert kept.submitted_at == result.submitted_at
    assert kept.outcome == "PENDING" and kept.case_id == result.case_id
    assert kept.answers == answers
    assert kept.form.use_case_description == form.use_case_description


def test_bad_input_is_refused_before_anything_reaches_aws(store, simulator):
    team_id = connect_team(store, simulator)
    bad = access.AccessForm(**{**good_form().__dict__, "website_url": "smartcart"})
    with pytest.raises(BadInput) as caught:
        access.submit(store, team_id, bad)
    assert caught.value.field == "WebsiteURL"
    assert "Details" not in simulator.account_status()
    assert access.list_requests(store, team_id) == []


def test_no_verified_identity_is_not_allowed(store, simulator):
    team_id = connect_team(store, simulator, verify=False)
    with pytest.raises(NotAllowed) as caught:
        access.submit(store, team_id, good_form())
    assert caught.value.exit_code == 3
    assert DOMAIN in caught.value.message and "verified" in caught.value.message
    assert "Details" not in simulator.account_status()


def test_lost_keys_are_not_allowed(store, simulator):
    team_id = connect_team(store, simulator)
    from sesdesk.services.refresh import mark_lost

    mark_lost(store, team_id, "AWS does not accept these keys (InvalidClientTokenId).")
    with pytest.raises(NotAllowed) as caught:
        access.submit(store, team_id, good_form())
    assert "lost access" in caught.value.message
    assert "Details" not in simulator.account_status()


def test_keys_revoked_in_aws_become_exit_4_and_mark_the_mailer_lost(store, simulator):
    team_id = connect_team(store, simulator)
    from sesdesk.aws import keychain
    from sesdesk.services.mailers import mailer_row

    with store.session() as session:
        ref = mailer_row(session, team_id).keyring_ref
    simulator.revoke_key(keychain.load_keys(ref).access_key_id)
    with pytest.raises(CredentialsRejected) as caught:
        access.submit(store, team_id, good_form())
    assert caught.value.exit_code == 4
    assert load_snapshot(store, team_id).mailer.access == "lost"
    assert access.list_requests(store, team_id) == []


def test_review_walks_pending_to_granted(store, simulator):
    team_id = connect_team(store, simulator)
    access.submit(store, team_id, good_form())
    state = access.review_state(store, team_id)
    assert state.status == "PENDING" and state.guidance.action is Fix.WAIT
    assert "24–48 hours" in state.guidance.text
    assert access.readiness(store, team_id).ready is False  # no second request while pending

    simulator.set_review("GRANTED")
    refresh_team(store, team_id)
    state = access.review_state(store, team_id)
    assert state.status == "GRANTED" and state.production
    assert state.guidance.title == "Production access granted"
    assert "50000 emails a day" in state.guidance.text
    assert state.latest is not None and state.latest.outcome == "GRANTED"


def test_review_walks_pending_to_denied_then_resubmit_reopens_previous_answers(store, simulator):
    team_id = connect_team(store, simulator)
    first_form, answers = filled_template("otp", website_url=f"https://{DOMAIN}")
    access.submit(store, team_id, first_form, answers=answers)
    simulator.set_review("DENIED", reason="Not enough detail.")
    refresh_team(store, team_id)

    state = access.review_state(store, team_id)
    assert state.status == "DENIED" and state.guidance.action is Fix.APPLY
    assert access.readiness(store, team_id).ready

    # The wizard reopens with the previous answers.
    reopened = access.draft(store, team_id)
    assert reopened.source == "last_request"
    assert reopened.form == first_form.normalized()
    assert reopened.answers == answers

    more = access.ComposerAnswers(
        **{**answers.to_dict(), "recipients": answers.recipients + " Around 2,000 users today."}
    )
    second = access.with_answers(reopened.form, more)
    result = access.submit(store, team_id, second, answers=more)
    assert result.review_status == "PENDING"
    history = access.list_requests(store, team_id)
    assert [r.outcome for r in history] == ["PENDING", "DENIED"]
    assert (
        "Around 2,000 users today." in simulator.account_status()["Details"]["UseCaseDescription"]
    )

    simulator.set_review("GRANTED")
    refresh_team(store, team_id)
    assert access.review_state(store, team_id).guidance.title == "Production access granted"


def test_failed_review_asks_to_resubmit(store, simulator):
    team_id = connect_team(store, simulator)
    access.submit(store, team_id, good_form())
    simulator.set_review("FAILED")
    refresh_team(store, team_id)
    state = access.review_state(store, team_id)
    assert state.guidance.action is Fix.APPLY and "submit it again" in state.guidance.text


def test_console_export_is_kept_as_a_console_request(store, simulator):
    team_id = connect_team(store, simulator)
    export = access.export_for_console(store, team_id, good_form())
    assert export.url == (
        "https://us-east-1.console.aws.amazon.com/ses/home?region=us-east-1#/account"
    )
    owns = {f.label: f.value for f in export.fields}[
        "Do you own or operate the domains you will send from?"
    ]
    assert owns == "Yes"
    [kept] = access.list_requests(store, team_id)
    assert kept.via == "console" and kept.submitted_at is None
    assert "Details" not in simulator.account_status()  # nothing sent to AWS


def test_draft_without_history_starts_from_the_otp_template_with_the_domain(store, simulator):
    team_id = connect_team(store, simulator)
    prepared = access.draft(store, team_id)
    assert prepared.source == "template:otp"
    assert prepared.form.website_url == f"https://{DOMAIN}"
    assert prepared.readiness.ready and prepared.readiness.region == REGION
    assert "sandbox is per region" in prepared.readiness.region_note.lower()
    newsletter = access.draft(store, team_id, template_key="newsletter")
    assert newsletter.form.mail_type == "MARKETING"


def test_requests_go_with_their_team(store, simulator):
    team_id = connect_team(store, simulator)
    access.submit(store, team_id, good_form())
    from sesdesk.models import Team

    with store.session() as session:
        session.delete(session.get(Team, team_id))
    with store.session() as session:
        assert session.query(AccessRequest).count() == 0
