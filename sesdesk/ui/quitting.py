"""Quitting: once the main window has closed, no other sesdesk window stays on screen, and the
store stays open until every sending thread has recorded how its broadcast ended."""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtWidgets import QApplication, QWidget

from sesdesk.ui.sending.runs import BroadcastRuns

log = logging.getLogger(__name__)

#: How long quitting waits for paused broadcasts to record their end (they only write
#: their counts, read the account once and give their leases back).
RUNS_END_WAIT = 120.0


def hide_other_windows(main: QWidget) -> None:
    """Hide every other top-level window of the application (the main window has closed):
    a progress, compose or contacts window left behind would outlive the app it belongs to."""
    for widget in QApplication.topLevelWidgets():
        if widget is not main and widget.isWindow() and widget.isVisible():
            widget.hide()


async def runs_ended(runs: BroadcastRuns, timeout: float = RUNS_END_WAIT) -> None:
    """Wait, without blocking the loop, until every sending thread of `runs` has ended."""
    deadline = time.monotonic() + timeout
    while runs.threads_alive():
        if time.monotonic() > deadline:
            log.warning("a broadcast was still recording its end when sesdesk quit")
            return
        await asyncio.sleep(0.05)
