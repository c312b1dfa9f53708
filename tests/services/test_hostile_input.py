"""Hostile input at the service level (the window and the CLI share these): refused with the
field and the broken rule named, nothing stored, nothing sent."""

from __future__ import annotations

import pytest

from sesdesk.errors import BadInput
from sesdesk.models import Store
from sesdesk.services import access
from sesdesk.services.teams import (
    MAX_NAME_LENGTH,
    create_team,
    find_team,
    list_teams,
    rename_team,
)

HOSTILE_NAMES = {
    "undecodable bytes": ("bad\udcffname", "not valid UTF-8"),
    "right-to-left override": ("abc\u202egpj.exe", "U+202E"),
    "left-to-right embedding": ("a\u202ab", "U+202A"),
    "first strong isolate": ("a\u2068b", "U+2068"),
    "right-to-left mark": ("a\u200fb", "U+200F"),
    "arabic letter mark": ("a\u061cb", "U+061C"),
    "zero-width space only": ("\u200b\u200b", "no visible characters"),
    "byte order mark only": ("\ufeff", "no visible characters"),
    "word joiner only": ("\u2060 \u200d", "no visible characters"),
    "zero-width space inside": ("ac\u200bme", "U+200B"),
    "DEL": ("ac\x7fme", "U+007F"),
    "escape": ("\x1b[31mred", "U+001B"),
    "bell": ("ding\x07", "U+0007"),
    "too long": ("x" * 101, f"at most {MAX_NAME_LENGTH} characters"),
    "white space only": ("  \u3000 \t ", "a team needs a name"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_NAMES))
def test_hostile_team_names_are_refused_on_create_and_rename(case: str, store: Store) -> None:
    name, rule = HOSTILE_NAMES[case]
    with pytest.raises(BadInput) as created:
        create_team(store, name)
    assert created.value.field == "name"
    assert rule in created.value.message
    assert list_teams(store) == []

    team = create_team(store, "Acme")
    with pytest.raises(BadInput) as renamed:
        rename_team(store, team.id, name)
    assert renamed.value.field == "name"
    assert rule in renamed.value.message
    assert [t.name for t in list_teams(store)] == ["Acme"]


def test_team_names_are_nfc_normalised_and_found_either_way(store: Store) -> None:
    decomposed = "Cafe\u0301"  # e + combining acute accent
    team = create_team(store, decomposed)
    assert team.name == "Caf\u00e9"
    assert find_team(store, "caf\u00e9").id == team.id
    assert find_team(store, decomposed).id == team.id
    with pytest.raises(BadInput, match="already exists"):
        create_team(store, "CAF\u00c9")


def test_joiners_between_letters_are_kept(store: Store) -> None:
    # Persian writes some words with a zero-width non-joiner; emoji sequences use the joiner.
    assert create_team(store, "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645").name
    assert create_team(store, "shop \U0001f469\u200d\U0001f4bb").name


def test_finding_a_team_by_an_undecodable_name_is_bad_input(store: Store) -> None:
    create_team(store, "Acme")
    with pytest.raises(BadInput) as caught:
        find_team(store, "Acme\udcff")
    assert caught.value.field == "team"
    assert "UTF-8" in caught.value.message


def _form(description: str) -> access.AccessForm:
    built, _ = access.form_from_template("otp", website_url="https://shop.example")
    return access.AccessForm(**{**built.__dict__, "use_case_description": description})


UNREADABLE_DESCRIPTIONS = {
    "NUL bytes": ("\x00" * 200, "NUL"),
    "NUL inside text": (
        "We send one-time passcodes to customers who sign up on our website\x00 daily.",
        "NUL",
    ),
    "control characters": (
        "We send\x1b[2J codes to customers who sign up, about 100 a day.",
        "U+001B",
    ),
    "bidi override": ("We send \u202ecodes to customers who sign up, about 100 a day.", "U+202E"),
    "one character": ("x", "one character repeated"),
    "one character repeated": ("x" * 400, "one character repeated"),
    "one character spaced": ("a " * 50, "one character repeated"),
    "fewer than ten words": ("We send OTP codes to our customers.", "Only 7 words"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE_DESCRIPTIONS))
def test_unreadable_use_case_descriptions_block_before_aws(case: str) -> None:
    text, rule = UNREADABLE_DESCRIPTIONS[case]
    form = _form(text)

    # The window's wizard reads the same checks: a BLOCK keeps its Submit button disabled.
    editor = access.RequestEditor(form, access.ComposerAnswers())
    blocking = [r for r in editor.checks() if r.verdict is access.Verdict.BLOCK]
    assert [(r.field, r.key) for r in blocking] == [(access.F_DESCRIPTION, "description")]
    assert rule in blocking[0].message
    assert access.overall(editor.checks()) is access.Verdict.BLOCK

    with pytest.raises(BadInput) as caught:
        access.require_valid(form)
    assert caught.value.field == access.F_DESCRIPTION
    assert rule in caught.value.message


def test_a_real_description_passes_including_japanese() -> None:
    built, _ = access.form_from_template("otp", website_url="https://shop.example")
    assert access.description_problem(built.use_case_description) is None
    japanese = "当社はオンラインショップで、購入した顧客に注文確認メールを送ります。"
    assert access.description_problem(japanese) is None
    assert access.description_problem("Line one of ten words here.\n\tAnd five more words.") is None
