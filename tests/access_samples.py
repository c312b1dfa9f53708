"""A template filled in as a user would: every "[replace: …]" part written."""

from __future__ import annotations

import re
from dataclasses import replace

from sesdesk.services import access
from sesdesk.services.access_templates import ComposerAnswers

# What a user writes into the parts a template leaves to them (a grocery app's OTP case).
WRITTEN = {
    "business": "SmartCart (https://smartcart.app) is a grocery shopping application that helps "
    "users manage their pantry, plan meals, and optimize shopping lists.",
    "signup": "Users register in the app with their own email address; the first email is the "
    "code they asked for, so every address is confirmed by its owner.",
    "daily_volume": "Starting with ~100-500 emails per day, scaling to thousands as user base "
    "grows.",
}
_MARK = re.compile(r"\[replace:[^\]]*\]")


def _written(mark: re.Match[str]) -> str:
    asked = mark.group(0)
    for word, text in (
        ("domain", "smartcart.app"),
        ("website", "https://smartcart.app"),
        ("business name", "SmartCart"),
        ("who receives", "customers who subscribed themselves"),
    ):
        if word in asked:
            return text
    return "every week, with news and offers"


def filled_answers(answers: ComposerAnswers) -> ComposerAnswers:
    """The answers with every placeholder written."""
    values = answers.to_dict()
    for name, text in values.items():
        if "[replace:" in text:
            values[name] = WRITTEN.get(name) or _MARK.sub(_written, text)
    return ComposerAnswers(**values)


def filled_template(
    key: str, *, website_url: str = "", contact_language: str = "EN"
) -> tuple[access.AccessForm, ComposerAnswers]:
    """`access.form_from_template` with the placeholders written by the user."""
    form, answers = access.form_from_template(
        key, website_url=website_url, contact_language=contact_language
    )
    answers = filled_answers(answers)
    return replace(form, use_case_description=access.compose(answers, form.mail_type)), answers


def _written_in_text(mark: re.Match[str]) -> str:
    asked = mark.group(0)
    if "how people" in asked:
        return WRITTEN["signup"]
    if "one sentence" in asked:
        return "a grocery shopping application that helps users plan meals"
    if "a number" in asked:
        return "about 300"
    return _written(mark)


def written_text(text: str) -> str:
    """A use-case description with every "[replace: …]" part written."""
    return _MARK.sub(_written_in_text, text)
