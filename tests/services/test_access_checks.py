"""The production-access form's checks (AWS's review tips as verdicts): pure, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sesdesk.errors import BadInput
from sesdesk.services.access import (
    MAX_DESCRIPTION,
    AccessForm,
    ConsoleExport,
    FieldVerdict,
    check_form,
    compose,
    console_export,
    console_url,
    form_from_template,
    overall,
    require_valid,
    review_guidance,
    website_problem,
)
from sesdesk.services.access_templates import SESDESK_BOUNCE_HANDLING, TEMPLATES, ComposerAnswers
from sesdesk.services.gating import Fix
from tests.access_samples import filled_template

# A real-world style use case and bounce answer (a grocery app sending one-time passwords).
SEED_USE_CASE = """SmartCart is a grocery shopping application that helps users manage their pantry,
plan meals, and optimize shopping lists. We need to send One-Time Password (OTP)
verification codes to users during registration and password reset flows.

This is a transactional email service required for user authentication and
account security. We do not send marketing emails or newsletters.

Expected volume: Starting with ~100-500 emails per day, scaling to thousands
as user base grows."""
SEED_BOUNCES = """We will implement proper bounce and complaint handling:
- Monitor bounce rates and remove invalid emails
- Honor unsubscribe requests immediately
- Use AWS SES bounce and complaint notifications
- Maintain a suppression list for bounced/complained emails"""
SEED_FULL = SEED_USE_CASE + "\n\n" + SEED_BOUNCES


def verdicts(form: AccessForm) -> dict[str, FieldVerdict]:
    return {r.key: r.verdict for r in check_form(form)}


def form(**changes: object) -> AccessForm:
    base = {
        "mail_type": "TRANSACTIONAL",
        "website_url": "https://smartcart.app",
        "use_case_description": SEED_FULL,
        "contact_language": "EN",
        "additional_contacts": (),
    }
    base.update(changes)
    return AccessForm(**base)  # type: ignore[arg-type]


def test_the_seed_example_passes_every_check():
    results = check_form(form())
    assert {r.key: r.verdict for r in results} == {r.key: FieldVerdict.OK for r in results}
    assert overall(results) is FieldVerdict.OK


@pytest.mark.parametrize(
    ("changes", "key", "verdict"),
    [
        # MailType
        ({"mail_type": "PROMOTIONAL"}, "mail_type", FieldVerdict.BLOCK),
        ({"mail_type": ""}, "mail_type", FieldVerdict.BLOCK),
        ({"mail_type": "transactional"}, "mail_type", FieldVerdict.OK),  # case is forgiven
        ({"mail_type": "MARKETING"}, "mail_type", FieldVerdict.OK),
        # WebsiteURL
        ({"website_url": ""}, "website", FieldVerdict.BLOCK),
        ({"website_url": "smartcart.app"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "ftp://smartcart.app"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "https://localhost"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "https://smart cart.app"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "https://smartcart..app"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "https://smartcart.app:99999"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "https://" + "a" * 1000 + ".com"}, "website", FieldVerdict.BLOCK),
        ({"website_url": "http://smartcart.app"}, "website", FieldVerdict.WARN),
        ({"website_url": "https://abcd-12.ngrok-free.app/shop"}, "website", FieldVerdict.OK),
        # ContactLanguage
        ({"contact_language": "FR"}, "language", FieldVerdict.BLOCK),
        ({"contact_language": "ja"}, "language", FieldVerdict.OK),
        # AdditionalContactEmailAddresses
        ({"additional_contacts": ("ops@smartcart.app",)}, "contacts", FieldVerdict.OK),
        ({"additional_contacts": ("not-an-address",)}, "contacts", FieldVerdict.BLOCK),
        ({"additional_contacts": ("a@b",)}, "contacts", FieldVerdict.BLOCK),
        (
            {"additional_contacts": tuple(f"p{i}@smartcart.app" for i in range(5))},
            "contacts",
            FieldVerdict.BLOCK,
        ),
        (
            {"additional_contacts": tuple(f"p{i}@smartcart.app" for i in range(4))},
            "contacts",
            FieldVerdict.OK,
        ),
        # duplicates collapse: five entries, four distinct
        (
            {"additional_contacts": ("A@smartcart.app", "a@smartcart.app", "b@x.io", "c@x.io")},
            "contacts",
            FieldVerdict.OK,
        ),
        # UseCaseDescription
        ({"use_case_description": ""}, "description", FieldVerdict.BLOCK),
        ({"use_case_description": "x" * (MAX_DESCRIPTION + 1)}, "description", FieldVerdict.BLOCK),
        ({"use_case_description": "We send OTP codes."}, "detail", FieldVerdict.WARN),
        # Be detailed: long but never says who receives it or how they sign up
        (
            {"use_case_description": "Lorem ipsum dolor sit amet. " * 30},
            "detail",
            FieldVerdict.WARN,
        ),
        # Mention it's transactional (not marketing)
        (
            {"use_case_description": SEED_FULL.replace("This is a transactional", "This is an")},
            "consistent",
            FieldVerdict.WARN,
        ),
        (
            {"use_case_description": SEED_FULL + "\nWe also send a monthly newsletter."},
            "consistent",
            FieldVerdict.WARN,
        ),
        (
            {"use_case_description": SEED_FULL + "\nPromotions go out on Fridays."},
            "consistent",
            FieldVerdict.WARN,
        ),
        ({"mail_type": "MARKETING"}, "consistent", FieldVerdict.WARN),  # the text is all OTP
        # Volume stated (a number per day)
        (
            {"use_case_description": SEED_FULL.replace("~100-500 emails per day", "some emails")},
            "volume",
            FieldVerdict.WARN,
        ),
        (
            {
                "use_case_description": SEED_FULL.replace(
                    "~100-500 emails per day", "3000 emails per month"
                )
            },
            "volume",
            FieldVerdict.WARN,
        ),
        (
            {"use_case_description": SEED_FULL.replace("per day", "daily")},
            "volume",
            FieldVerdict.OK,
        ),
        # Show you understand bounce/complaint handling
        ({"use_case_description": SEED_USE_CASE}, "bounces", FieldVerdict.WARN),
        (
            {"use_case_description": SEED_USE_CASE + "\nWe remove addresses that bounce."},
            "bounces",
            FieldVerdict.WARN,
        ),
        # The SmartCart example left in for another business's site
        ({"website_url": "https://acme-shop.com"}, "own_words", FieldVerdict.WARN),
    ],
)
def test_check_table(changes, key, verdict):
    assert verdicts(form(**changes))[key] is verdict


def test_every_blocking_field_is_named_by_require_valid():
    cases = {
        "MailType": form(mail_type="BULK"),
        "WebsiteURL": form(website_url="nope"),
        "ContactLanguage": form(contact_language="DE"),
        "AdditionalContactEmailAddresses": form(additional_contacts=("x",)),
        "UseCaseDescription": form(use_case_description=" "),
    }
    for field, bad in cases.items():
        with pytest.raises(BadInput) as caught:
            require_valid(bad)
        assert caught.value.field == field
        assert caught.value.exit_code == 2


def test_require_valid_returns_the_normalized_form_and_the_warnings():
    clean, warnings = require_valid(
        form(mail_type=" marketing ", contact_language="ja", additional_contacts=(" a@x.io ",))
    )
    assert clean.mail_type == "MARKETING"
    assert clean.contact_language == "JA"
    assert clean.additional_contacts == ("a@x.io",)
    assert {w.key for w in warnings} == {"consistent"}


def test_website_problem_alone():
    assert website_problem("https://example.com")[0] is FieldVerdict.OK
    assert website_problem("https://example")[0] is FieldVerdict.BLOCK


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_templates_compose_into_a_request_that_passes(key):
    built, answers = filled_template(key, website_url="https://shop.example.com")
    results = {r.key: r.verdict for r in check_form(built)}
    # Filled with SmartCart's words for another website: only "use your own words"
    # may warn.
    expected_warn = {"own_words"}
    assert {k for k, v in results.items() if v is not FieldVerdict.OK} == expected_warn
    assert built.mail_type == TEMPLATES[key].mail_type
    assert answers.bounce_handling == SESDESK_BOUNCE_HANDLING


def test_templates_start_from_the_users_business_with_marked_placeholders():
    from sesdesk.services.access_templates import answers_for

    otp = TEMPLATES["otp"]
    assert otp.title == "One-time passcodes and account mail"
    assert otp.mail_type == "TRANSACTIONAL"
    assert TEMPLATES["newsletter"].title == "Newsletter to subscribers"
    assert TEMPLATES["newsletter"].mail_type == "MARKETING"
    for key in TEMPLATES:
        answers = answers_for(
            key, business="Crumb Bakery", domain="crumb.example", website="https://crumb.example"
        )
        text = " ".join(answers.to_dict().values())
        assert "SmartCart" not in text and "grocery" not in text
        assert answers.business.startswith("Crumb Bakery (https://crumb.example): [replace:")
        assert "[replace:" in answers.signup and "[replace:" in answers.daily_volume
        form, _ = form_from_template(key, website_url="https://crumb.example", business="Crumb")
        checks = {r.key: r.verdict for r in check_form(form)}
        assert checks["placeholders"] is FieldVerdict.BLOCK


def test_composer_prefills_what_sesdesk_really_does_with_bounces():
    text = compose(ComposerAnswers(business="Acme sells tea."), "TRANSACTIONAL")
    for promise in (
        "suppression list",
        "account-level suppression list",
        "thresholds",
        "List-Unsubscribe",
        "honoured immediately",
    ):
        assert promise in text
    # SES's events now come back through SNS and SQS (services/feedback): say so, and say
    # what sesdesk does with them — including the broadcast's own pause.
    for promise in ("configuration set", "SNS", "SQS", "three within 30 days", "pauses itself"):
        assert promise in text
    assert text.startswith("Acme sells tea.")
    assert "Mail type: transactional" in text


def test_composer_skips_empty_parts():
    text = compose(ComposerAnswers(what_you_send="Receipts.", bounce_handling=""), "MARKETING")
    assert text.splitlines()[0] == "What we send: Receipts."
    assert "Who receives it" not in text
    assert "bounces" not in text.lower()


def test_form_document_round_trip_uses_put_account_details_names():
    original = form(additional_contacts=("ops@smartcart.app",), contact_language="JA")
    doc = original.to_document()
    assert set(doc) == {
        "MailType",
        "WebsiteURL",
        "ContactLanguage",
        "UseCaseDescription",
        "AdditionalContactEmailAddresses",
    }
    assert AccessForm.from_document({**doc, "team": "x", "checks": []}) == original


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"MailType": 3}, "MailType"),
        ({"WebsiteURL": ["https://a.io"]}, "WebsiteURL"),
        ({"AdditionalContactEmailAddresses": [1, 2]}, "AdditionalContactEmailAddresses"),
        ({"ProductionAccessEnabled": False}, "ProductionAccessEnabled"),
    ],
)
def test_form_document_with_wrong_types_names_the_field(doc, field):
    with pytest.raises(BadInput) as caught:
        AccessForm.from_document(doc)
    assert caught.value.field == field


def test_console_url_is_the_regions_account_dashboard():
    assert (
        console_url("eu-west-1")
        == "https://eu-west-1.console.aws.amazon.com/ses/home?region=eu-west-1#/account"
    )
    assert console_url(None) == "https://console.aws.amazon.com/ses/"


def test_console_export_has_every_field_ready_to_copy():
    export: ConsoleExport = console_export(
        form(additional_contacts=("ops@smartcart.app",)), "eu-west-1", owns_domain=False
    )
    by_label = {f.label: f for f in export.fields}
    assert by_label["Mail type"].value == "Transactional"
    assert by_label["Website URL"].value == "https://smartcart.app"
    assert by_label["Use case description"].value == SEED_FULL
    assert by_label["Additional contacts"].value == "ops@smartcart.app"
    assert by_label["Preferred contact language"].value == "English"
    assert by_label["Do you have a process to handle bounces and complaints?"].value == "Yes"
    owns = by_label["Do you own or operate the domains you will send from?"]
    assert owns.value == "No" and "verified email addresses for initial testing" in owns.note
    assert "How did you hear about Amazon SES?" in by_label
    text = export.as_text()
    assert export.url in text
    assert "Account dashboard" in text and "Request production access" in text
    assert "Submit request" in text and "24–48 hours" in text
    assert "sandbox is per region" in text


NOW = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "title", "action", "words"),
    [
        ("PENDING", "Review pending", Fix.WAIT, ["24–48 hours", "3 h ago", "case 42"]),
        ("GRANTED", "Production access granted", None, ["50000 emails a day", "14 a second"]),
        ("DENIED", "Request denied", Fix.APPLY, ["reason", "add detail", "previous answers"]),
        ("FAILED", "Request could not be processed", Fix.APPLY, ["submit it again"]),
        (None, "In the sandbox", Fix.APPLY, ["Apply for production access"]),
    ],
)
def test_review_guidance(status, title, action, words):
    guidance = review_guidance(
        status,
        NOW - timedelta(hours=3),
        now=NOW,
        max_24h=50000,
        max_rate=14,
        case_id="42",
    )
    got_title, text, got_action = guidance  # a plain (title, text, action) triple
    assert (got_title, got_action) == (title, action)
    for word in words:
        assert word in text
