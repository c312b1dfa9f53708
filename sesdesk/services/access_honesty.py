"""Checks that keep a production-access request honest and concrete: no template placeholder
left, no bought or rented list (AWS's acceptable-use policy forbids sending to one), and a
volume that is a number, not "lots". Each blocks: a request AWS would deny is not sent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sesdesk.services.access_templates import PLACEHOLDER

if TYPE_CHECKING:
    from sesdesk.services.access import AccessForm, Outcome

# "bought a list", "purchased 5,000 addresses", "rent an email database", "scraped contacts".
_ACQUIRED = re.compile(
    r"\b(?:bought|buy(?:ing)?|purchas\w*|rent(?:ed|ing)?|leas(?:e|ed|ing)|scrap(?:e|ed|ing)"
    r"|harvest\w*|acquired)\b[^.;!?\n]{0,60}?\b(?:lists?|address(?:es)?|e-?mails?|contacts"
    r"|database|leads|data)\b",
    re.I,
)
_NEGATED = re.compile(r"\b(?:never|not|no|don't|do not|won't|without)\b", re.I)
_VAGUE = re.compile(
    r"\b(?:lots|a lot|loads|tons|plenty|countless|a bunch|heaps|massive(?:ly)?|huge)\b", re.I
)
_PER_DAY_NUMBER = re.compile(
    r"\d[\d,.]*\s*(?:k\b|thousand\b)?[^.\n]{0,60}?(?:(?:per|a|each|every|/)\s*day\b|\bdaily\b)",
    re.I,
)


def placeholders(form: AccessForm) -> Outcome:
    """Blocks while a "[replace: …]" part of a template is still in the text."""
    from sesdesk.services.access import FieldVerdict

    count = form.use_case_description.count(PLACEHOLDER)
    if count:
        return (
            FieldVerdict.BLOCK,
            f"Replace the {count} part{'s' if count != 1 else ''} marked [replace: …] with your "
            "own words: AWS reviews what you write about your business.",
        )
    return FieldVerdict.OK, "No template placeholders left."


def list_source(form: AccessForm) -> Outcome:
    """Blocks a bought, rented or scraped list: AWS's acceptable-use policy forbids it."""
    from sesdesk.services.access import FieldVerdict

    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", form.use_case_description):
        match = _ACQUIRED.search(sentence)
        if match and not _NEGATED.search(sentence[: match.start()] + match.group(0)):
            return (
                FieldVerdict.BLOCK,
                f"“{match.group(0)}”: sending to a bought, rented or scraped list breaks AWS's "
                "acceptable-use policy and the request would be denied. Send only to people "
                "who gave you their address themselves.",
            )
    return FieldVerdict.OK, "No bought or rented list."


def vague_volume(form: AccessForm) -> Outcome:
    """Blocks a volume given only as "lots" or "many": reviewers need a number per day."""
    from sesdesk.services.access import FieldVerdict

    text = form.use_case_description
    vague = _VAGUE.search(text)
    if vague and not _PER_DAY_NUMBER.search(text):
        return (
            FieldVerdict.BLOCK,
            f"“{vague.group(0)}” is not a volume: give a number of emails per day "
            "(e.g. 300 emails per day).",
        )
    return FieldVerdict.OK, "The volume is a number."
