"""Errors in the window's words: the services word some messages for the command line (a
field name first, "see `sesdesk identity list`", "use retry"); the window says it its way."""

from __future__ import annotations

import re

from sesdesk.errors import BadInput, SesdeskError

# Command-line references and what a window user does instead.
_CLI_PHRASES = (
    (re.compile(r"\(?see `sesdesk identity list`\)?"), "(see Sender identities on the dashboard)"),
    (re.compile(r"\buse retry\b"), "use Retry on that identity instead"),
    (re.compile(r"run `sesdesk broadcast send[^`]*` again later"), "it resumes when quota is back"),
    (re.compile(r"`sesdesk ([a-z -]+)`"), r"“\1”"),
)


_LONG_QUOTED = re.compile(r"'([^'\s]{41,})'")


def _shorten(match: re.Match[str]) -> str:
    text = match.group(1)
    return f"'{text[:16]}…{text[-8:]}' ({len(text)} characters)"


def window_words(error: SesdeskError) -> str:
    """The error's message (and hint) as a window says it; long quoted input is shortened
    so the message fits beside the field."""
    text = error.problem if isinstance(error, BadInput) else error.message
    text = _LONG_QUOTED.sub(_shorten, text)
    for pattern, replacement in _CLI_PHRASES:
        text = pattern.sub(replacement, text)
    text = text[:1].upper() + text[1:]
    if error.hint:
        hint = error.hint
        for pattern, replacement in _CLI_PHRASES:
            hint = pattern.sub(replacement, hint)
        text += f" {hint}"
    return text
