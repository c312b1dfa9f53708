"""The request checks agree with each other: none of the checks on what only the user can write
passes while a template's "[replace: …]" part is left (its hint words are not an answer), and
"Volume is a number" never says ok beside a weak "Daily volume stated". A still-untouched
template follows the mail type; typed answers are never replaced."""

from __future__ import annotations

from dataclasses import replace

from sesdesk.services.access import AccessForm, FieldVerdict, RequestEditor, check_form, compose
from sesdesk.services.access.checks import PLACEHOLDERS_LEFT
from sesdesk.services.access_templates import (
    NEWSLETTER_TEMPLATE,
    OTP_TEMPLATE,
    SESDESK_BOUNCE_HANDLING,
    answers_for,
)
from tests.access_samples import filled_template

WEBSITE = "https://demo-shop.example"
USER_WRITTEN = ("detail", "volume", "volume_number", "own_words")


def _verdicts(form: AccessForm) -> dict[str, FieldVerdict]:
    return {r.key: r.verdict for r in check_form(form)}


def _template_form(key: str) -> AccessForm:
    answers = answers_for(key, business="Demo shop", domain="demo-shop.example", website=WEBSITE)
    mail_type = {"otp": "TRANSACTIONAL", "newsletter": "MARKETING"}[key]
    return AccessForm(mail_type, WEBSITE, compose(answers, mail_type))


def test_no_check_on_the_users_part_passes_while_placeholders_are_left():
    for key in ("otp", "newsletter"):
        form = _template_form(key)
        results = {r.key: r for r in check_form(form)}
        assert results["placeholders"].verdict is FieldVerdict.BLOCK
        for check in USER_WRITTEN:
            assert results[check].verdict is not FieldVerdict.OK, (key, check)
        # Daily volume and "is a number" say the same thing about "[replace: a number]".
        assert results["volume"].verdict is results["volume_number"].verdict is FieldVerdict.WARN
        assert results["own_words"].message == PLACEHOLDERS_LEFT


def test_once_written_the_same_checks_pass():
    for key in ("otp", "newsletter"):
        form, _answers = filled_template(key, website_url="https://smartcart.app")
        verdicts = _verdicts(form)
        assert verdicts["placeholders"] is FieldVerdict.OK
        for check in USER_WRITTEN:
            assert verdicts[check] is FieldVerdict.OK, (key, check)


def test_a_text_without_a_volume_is_not_a_number():
    form, _answers = filled_template("otp", website_url="https://smartcart.app")
    text = "\n".join(
        line for line in form.use_case_description.splitlines() if "per day" not in line
    )
    verdicts = _verdicts(replace(form, use_case_description=text))
    assert verdicts["volume"] is FieldVerdict.WARN
    assert verdicts["volume_number"] is FieldVerdict.WARN
    vague = replace(form, use_case_description=text + "\nWe send lots of emails.")
    assert _verdicts(vague)["volume_number"] is FieldVerdict.BLOCK


def _editor(key: str) -> RequestEditor:
    answers = answers_for(key, business="Demo shop", domain="demo-shop.example", website=WEBSITE)
    form = _template_form(key)
    return RequestEditor(form, answers, (answers, form.mail_type), "Demo shop")


def test_an_untouched_template_follows_the_mail_type():
    editor = _editor("otp")
    assert editor.untouched_template(editor.answers) == "otp"
    assert editor.follow_mail_type(editor.answers, "MARKETING")
    assert editor.form.mail_type == NEWSLETTER_TEMPLATE.mail_type
    assert editor.answers == answers_for(
        "newsletter", business="Demo shop", domain="demo-shop.example", website=WEBSITE
    )
    assert "newsletter" in editor.form.use_case_description
    assert "One-time passcodes" not in editor.form.use_case_description
    # And back.
    assert editor.follow_mail_type(editor.answers, "TRANSACTIONAL")
    assert editor.form.mail_type == OTP_TEMPLATE.mail_type
    assert "One-time passcodes" in editor.form.use_case_description


def test_typed_answers_are_never_replaced_by_a_template():
    editor = _editor("otp")
    typed = replace(editor.answers, signup="People register in our app.")
    assert editor.untouched_template(typed) is None
    assert not editor.follow_mail_type(typed, "MARKETING")
    assert editor.answers.signup != "People register in our app."  # not applied here either
    assert "One-time passcodes" in editor.form.use_case_description
    assert not editor.follow_mail_type(editor.answers, "TRANSACTIONAL")  # same type: nothing
    assert editor.answers.bounce_handling == SESDESK_BOUNCE_HANDLING
