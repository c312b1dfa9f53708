"""The production-access wizard's flow, walked without Qt: loading, every page's gate, the
composer's templates, the details' checks, and what Submit / Prepare may do."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sesdesk.errors import NotAllowed, SesdeskError
from sesdesk.services import access
from sesdesk.services.flows.access import AccessFlow, AccessStep, load
from tests.access_samples import filled_template
from tests.conftest import connected_team

DOMAIN = "smartcart.app"


def readiness(*, ready: bool = True) -> access.Readiness:
    return access.Readiness(
        ready=ready,
        reason="" if ready else "No verified sender identity yet.",
        region="eu-west-1",
        verified_identities=(DOMAIN,) if ready else (),
        production=False,
        review_status=None,
    )


def draft(*, ready: bool = True) -> access.Draft:
    form, answers = filled_template("otp", website_url=f"https://{DOMAIN}")
    return access.Draft(form, answers, "template:otp", readiness(ready=ready), business="SmartCart")


def loaded(*, ready: bool = True) -> AccessFlow:
    flow = AccessFlow(team_id=1)
    flow.loaded(draft(ready=ready), None)
    return flow


def details(flow: AccessFlow, **changes: Any) -> list[access.CheckResult]:
    assert flow.editor is not None
    form = flow.editor.form
    fields = {
        "website_url": form.website_url,
        "contact_language": form.contact_language,
        "contacts": ", ".join(form.additional_contacts),
        "description": form.use_case_description,
    }
    return flow.update_details(**{**fields, **changes})


def submit_result() -> access.SubmitResult:
    return access.SubmitResult(1, "eu-west-1", datetime.now(UTC), "PENDING", "case-1")


def console_export() -> access.ConsoleExport:
    return access.ConsoleExport("eu-west-1", "https://console.example", (), ())


def test_before_loading_nothing_may_move_and_nothing_may_start():
    flow = AccessFlow(team_id=1)
    assert flow.region is None and flow.readiness is None and flow.checks() == []
    for step in AccessStep:
        assert not flow.may_leave(step, mail_type="TRANSACTIONAL")
    assert flow.start_submit() is None and flow.start_export() is None
    no_details = flow.update_details(
        website_url="", contact_language="EN", contacts="", description=""
    )
    assert no_details == []
    flow.use_template("newsletter")  # ignored before loading
    flow.leave_compose(draft().answers, "MARKETING")
    assert flow.editor is None


def test_a_failed_load_keeps_the_intro_closed():
    flow = AccessFlow(team_id=1)
    error = SesdeskError("The store could not be read.")
    flow.load_failed(error)
    assert flow.load_error is error and not flow.may_leave(AccessStep.INTRO)
    flow.loaded(draft(), None)  # a later load clears it
    assert flow.load_error is None and flow.may_leave(AccessStep.INTRO)


def test_the_intro_lets_on_only_a_team_that_can_apply():
    assert loaded(ready=True).may_leave(AccessStep.INTRO)
    assert not loaded(ready=False).may_leave(AccessStep.INTRO)
    assert loaded().region == "eu-west-1"


def test_pages_follow_in_order_and_back_goes_back():
    flow = loaded()
    assert [flow.next_step(s) for s in AccessStep] == [
        AccessStep.COMPOSE,
        AccessStep.DETAILS,
        AccessStep.SUBMIT,
        None,
    ]
    assert [flow.back_step(s) for s in AccessStep] == [
        None,
        AccessStep.INTRO,
        AccessStep.COMPOSE,
        AccessStep.DETAILS,
    ]


def test_the_composer_needs_a_mail_type_and_recomposes_only_when_answers_change():
    flow = loaded()
    assert flow.editor is not None
    assert not flow.may_leave(AccessStep.COMPOSE, mail_type="")
    assert flow.may_leave(AccessStep.COMPOSE, mail_type="TRANSACTIONAL")
    written = flow.editor.form.use_case_description
    # Same answers: the description stands as written, even edited by hand.
    details(flow, description=written + " Edited by hand.")
    flow.leave_compose(flow.editor.answers, flow.editor.form.mail_type)
    assert flow.editor.form.use_case_description == written + " Edited by hand."
    # A template replaces the mail type and answers and recomposes the description.
    flow.use_template("newsletter")
    assert flow.editor.form.mail_type == "MARKETING"
    assert flow.editor.form.use_case_description != written + " Edited by hand."
    # Changed answers recompose it too.
    changed = replace(flow.editor.answers, daily_volume="About 50 emails per day.")
    flow.leave_compose(changed, "MARKETING")
    assert "About 50 emails per day." in flow.editor.form.use_case_description


def test_invalid_details_block_weak_ones_only_warn():
    flow = loaded()
    assert flow.may_leave(AccessStep.DETAILS) and flow.weak() == []
    results = details(flow, website_url="")
    assert access.overall(results) is access.FieldVerdict.BLOCK
    assert not flow.may_leave(AccessStep.DETAILS)
    # Weak: the website is not the one the description names; Next still works.
    details(flow, website_url="https://other.example")
    assert [r.key for r in flow.weak()] == ["own_words"]
    assert flow.may_leave(AccessStep.DETAILS)
    details(flow, contacts="ops@smartcart.app; owner@smartcart.app")
    assert flow.editor is not None
    assert flow.editor.form.additional_contacts == ("ops@smartcart.app", "owner@smartcart.app")


def test_submit_runs_once_and_finish_follows_it():
    flow = loaded()
    assert not flow.may_leave(AccessStep.SUBMIT)
    started = flow.start_submit()
    assert started is not None
    form, answers = started
    assert flow.editor is not None
    assert (form, answers) == (flow.editor.form, flow.editor.answers)
    assert flow.busy and not flow.may_submit and not flow.may_export
    assert flow.start_submit() is None and flow.start_export() is None  # one thing at a time
    flow.submitted(submit_result())
    assert not flow.busy and flow.may_leave(AccessStep.SUBMIT)
    assert flow.start_submit() is None  # never sent twice
    assert flow.may_export  # the console copy is still available


def test_a_failed_submit_can_be_tried_again():
    flow = loaded()
    flow.start_submit()
    error = NotAllowed("AWS refused the request.")
    flow.failed(error)
    assert flow.error is error and not flow.busy and not flow.may_leave(AccessStep.SUBMIT)
    assert flow.start_submit() is not None and flow.error is None


def test_preparing_for_the_console_also_allows_finish():
    flow = loaded()
    assert flow.start_export() is not None and flow.busy
    export = console_export()
    flow.exported(export)
    assert flow.export is export and flow.may_leave(AccessStep.SUBMIT)
    assert flow.may_submit  # submitting through the API stays possible


def test_load_reads_the_draft_and_the_review_from_the_store(sim, store):
    team = connected_team(store, sim, "SmartCart", user="shop", identity=DOMAIN, verify=True)
    prepared, review = load(store, team.team_id)
    flow = AccessFlow(team.team_id)
    flow.loaded(prepared, review)
    assert flow.may_leave(AccessStep.INTRO) and flow.region == "us-east-1"
    assert prepared.readiness.verified_identities == (DOMAIN,)
    assert review.status is None


def test_load_of_a_team_without_a_verified_identity_keeps_the_intro_closed(sim, store):
    team = connected_team(store, sim, "SmartCart", user="shop", identity=DOMAIN, verify=False)
    flow = AccessFlow(team.team_id)
    flow.loaded(*load(store, team.team_id))
    assert not flow.may_leave(AccessStep.INTRO)
    assert flow.readiness is not None and "verified" in flow.readiness.reason
