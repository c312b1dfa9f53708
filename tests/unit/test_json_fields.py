"""`services.json_fields`: a read model's fields as its `--json` document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sesdesk.services.json_fields import json_fields


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class View:
    name: str
    at: datetime | None
    colour: Colour | None
    tags: tuple[str, ...]
    count: int = 0


def test_all_fields_in_order_with_json_values() -> None:
    at = datetime(2026, 11, 30, 4, 5, tzinfo=UTC)
    document = json_fields(View("a", at, Colour.RED, ("x", "y"), 3))
    assert document == {
        "name": "a",
        "at": "2026-11-30T04:05:00+00:00",
        "colour": "red",
        "tags": ["x", "y"],
        "count": 3,
    }
    assert list(document) == ["name", "at", "colour", "tags", "count"]
    assert type(document["colour"]) is str


def test_only_the_named_fields_in_the_order_named_and_none_stays_none() -> None:
    document = json_fields(View("a", None, None, ()), "count", "at", "colour")
    assert list(document.items()) == [("count", 0), ("at", None), ("colour", None)]
