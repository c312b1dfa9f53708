"""The production-access wizard with pytest-qt, on a real store and the simulator."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWizard

from sesdesk.services import access
from sesdesk.services.refresh import refresh_team
from sesdesk.simulator import SesSimulator
from sesdesk.ui.wizards.access import (
    PAGE_COMPOSE,
    PAGE_DETAILS,
    PAGE_INTRO,
    PAGE_SUBMIT,
    AccessWizard,
)
from tests.access_samples import filled_answers, filled_template
from tests.conftest import connected_team

REGION = "us-east-1"
DOMAIN = "smartcart.app"


@pytest.fixture
def simulator(sim: SesSimulator) -> SesSimulator:
    """The shared IAM-enforcing simulator (tests/conftest.py), under this module's name."""
    return sim


def _smartcart(store, simulator, *, verify: bool = True) -> int:
    """Team "SmartCart" with a mailer and the domain DOMAIN (verified unless told)."""
    return connected_team(
        store, simulator, "SmartCart", user="shop", identity=DOMAIN, verify=verify
    ).team_id


def open_wizard(qtbot, bridge, store, team_id) -> AccessWizard:
    wizard = AccessWizard(bridge, store, team_id)
    qtbot.addWidget(wizard)
    with qtbot.waitSignal(wizard.loaded, timeout=10_000):
        wizard.show()
    return wizard


def write_placeholders(wizard: AccessWizard) -> None:
    """Write every "[replace: …]" part of the composer, as the user must."""
    compose = wizard.compose
    written = filled_answers(compose.answers()).to_dict()
    for name, widget in compose.fields.items():
        if hasattr(widget, "setPlainText"):
            if "[replace:" in widget.toPlainText():
                widget.setPlainText(written[name])
        elif "[replace:" in widget.text():
            widget.setText(written[name])


def next_page(qtbot, wizard: AccessWizard, expected: int) -> None:
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.currentId() == expected


def test_walk_through_and_submit(qtbot, bridge, store, simulator):
    team_id = _smartcart(store, simulator)
    wizard = open_wizard(qtbot, bridge, store, team_id)
    assert wizard.currentId() == PAGE_INTRO
    assert "Region: us-east-1" in wizard.intro.region.text()
    assert "sandbox is per region" in wizard.intro.region.text()
    assert DOMAIN in wizard.intro.identities.text()
    next_page(qtbot, wizard, PAGE_COMPOSE)

    # The OTP template starts from the team's own business, transactional, with the parts
    # only the user can write marked (never a sample business's text).
    compose = wizard.compose
    assert compose.mail_type() == "TRANSACTIONAL"
    business = compose.fields["business"].toPlainText()
    assert business.startswith(f"SmartCart (https://{DOMAIN}): [replace:")
    assert "grocery" not in business
    assert "suppression list" in compose.fields["bounce_handling"].toPlainText()
    compose.fields["business"].setPlainText("SmartCart is a grocery list app for families in Lyon.")
    compose.fields["daily_volume"].setText("about 300 emails per day")
    write_placeholders(wizard)
    next_page(qtbot, wizard, PAGE_DETAILS)

    details = wizard.details
    description = details.description.toPlainText()
    assert description.startswith("SmartCart is a grocery list app for families in Lyon.")
    assert "about 300 emails per day" in description
    assert details.website.text() == f"https://{DOMAIN}"
    assert details.rows["website"].pill.tone == "ok"
    assert details.rows["detail"].pill.tone == "ok"

    # Live checks: an invalid URL blocks Next, a newsletter mention warns.
    details.website.setText("smartcart")
    assert details.rows["website"].pill.tone == "bad"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    details.website.setText(f"https://{DOMAIN}")
    details.description.setPlainText(description + "\nWe also send a weekly newsletter.")
    assert details.rows["consistent"].pill.tone == "warn"
    details.description.setPlainText(description)
    assert details.rows["consistent"].pill.tone == "ok"
    details.contacts.setText("ops@smartcart.app, owner@smartcart.app")
    details.language.setCurrentIndex(details.language.findData("JA"))
    next_page(qtbot, wizard, PAGE_SUBMIT)

    page = wizard.submit_page
    assert "Mail type: TRANSACTIONAL" in page.preview.toPlainText()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    with qtbot.waitSignal(wizard.submitted, timeout=15_000):
        page.submit_button.click()
    assert "Review pending" in page.result_title.text()
    assert "24–48 hours" in page.result_text.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()

    details_sent = simulator.account_status()["Details"]
    assert details_sent["ContactLanguage"] == "JA"
    assert details_sent["AdditionalContactEmailAddresses"] == [
        "ops@smartcart.app",
        "owner@smartcart.app",
    ]
    assert details_sent["UseCaseDescription"] == description.strip()
    assert access.review_state(store, team_id).status == "PENDING"


def prepared_for_the_console(qtbot, bridge, store, team_id):
    """The wizard walked to its last page with the answers written, Prepare for the console
    pressed and its fields shown: (wizard, submit page)."""
    wizard = open_wizard(qtbot, bridge, store, team_id)
    next_page(qtbot, wizard, PAGE_COMPOSE)
    write_placeholders(wizard)
    next_page(qtbot, wizard, PAGE_DETAILS)
    next_page(qtbot, wizard, PAGE_SUBMIT)
    page = wizard.submit_page
    page.console_button.click()
    qtbot.waitUntil(page.console_area.isVisible, timeout=10_000)
    return wizard, page


def test_prepare_for_the_console_gives_copyable_fields(qtbot, bridge, store, simulator):
    team_id = _smartcart(store, simulator)
    wizard, page = prepared_for_the_console(qtbot, bridge, store, team_id)
    assert page.export.url == (
        "https://us-east-1.console.aws.amazon.com/ses/home?region=us-east-1#/account"
    )
    labels = [w.findChild(type(page.result_title)).text() for w in page.copy_fields]
    assert any("Website URL" in label for label in labels)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    website = next(w for w in page.copy_fields if w.value == f"https://{DOMAIN}")
    website.copy.click()
    assert QApplication.clipboard().text() == f"https://{DOMAIN}"
    assert "Details" not in simulator.account_status()  # nothing sent to AWS
    assert access.list_requests(store, team_id)[0].via == "console"


def test_without_a_verified_identity_the_wizard_explains_and_stops(qtbot, bridge, store, simulator):
    team_id = _smartcart(store, simulator, verify=False)
    wizard = open_wizard(qtbot, bridge, store, team_id)
    assert "Not yet" in wizard.intro.status.text()
    assert DOMAIN in wizard.intro.status.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_denied_request_reopens_with_the_previous_answers(qtbot, bridge, store, simulator):
    team_id = _smartcart(store, simulator)
    form, answers = filled_template("otp", website_url=f"https://{DOMAIN}")
    answers = access.ComposerAnswers(**{**answers.to_dict(), "daily_volume": "40 per day"})
    access.submit(store, team_id, access.with_answers(form, answers), answers=answers)
    simulator.set_review("DENIED")
    refresh_team(store, team_id)

    wizard = open_wizard(qtbot, bridge, store, team_id)
    assert wizard.intro.review_title.text() == "Request denied"
    assert "reopens with your previous answers" in wizard.intro.review_text.text()
    next_page(qtbot, wizard, PAGE_COMPOSE)
    assert wizard.compose.fields["daily_volume"].text() == "40 per day"
    # Add detail and resubmit.
    wizard.compose.fields["daily_volume"].setText("40 per day, 400 per day by December")
    next_page(qtbot, wizard, PAGE_DETAILS)
    assert "400 per day by December" in wizard.details.description.toPlainText()
    next_page(qtbot, wizard, PAGE_SUBMIT)
    with qtbot.waitSignal(wizard.submitted, timeout=15_000):
        wizard.submit_page.submit_button.click()
    assert [r.outcome for r in access.list_requests(store, team_id)] == ["PENDING", "DENIED"]

    simulator.set_review("GRANTED")
    refresh_team(store, team_id)
    assert access.review_state(store, team_id).guidance.title == "Production access granted"


def test_switching_template_rewrites_type_and_answers(qtbot, bridge, store, simulator):
    team_id = _smartcart(store, simulator)
    wizard = open_wizard(qtbot, bridge, store, team_id)
    next_page(qtbot, wizard, PAGE_COMPOSE)
    combo = wizard.compose.template
    combo.setCurrentIndex(combo.findData("newsletter"))
    combo.activated.emit(combo.currentIndex())
    assert wizard.compose.mail_type() == "MARKETING"
    write_placeholders(wizard)
    next_page(qtbot, wizard, PAGE_DETAILS)
    assert "newsletter" in wizard.details.description.toPlainText().lower()
    assert wizard.details.rows["consistent"].pill.tone == "ok"
