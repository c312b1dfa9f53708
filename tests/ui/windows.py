"""Helpers for the tests that open the whole window (`open_window`)."""

from __future__ import annotations

from typing import Any


def shown_view(window: Any, qtbot: Any) -> Any:
    """The team's DashboardView once its first read of the store is shown."""
    qtbot.waitUntil(lambda: window.dashboard is not None, timeout=60_000)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    return window.dashboard.view
