"""A read model's fields as a `--json` document: the one conversion every such document uses."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any


def json_value(value: Any) -> Any:
    """`value` as JSON holds it: datetimes in ISO 8601, enums as their value, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def json_fields(view: Any, *names: str) -> dict[str, Any]:
    """The dataclass `view`'s fields named (all of them, in order, when none is), as JSON values."""
    return {
        name: json_value(getattr(view, name))
        for name in names or tuple(field.name for field in fields(view))
    }
