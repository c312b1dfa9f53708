"""Package attributes that load their module on first use (PEP 562 module `__getattr__`).

A package whose `__init__` re-exports names from heavy submodules makes every import of any
of its submodules pay for all of them; `exports` keeps the names while the start-up path
imports only what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def exports(package: str, homes: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name → the submodule (relative) that defines it."""

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return attribute
