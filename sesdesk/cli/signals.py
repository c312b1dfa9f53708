"""Stopping a long command gracefully on SIGINT (Ctrl+C), SIGTERM and SIGHUP.

`kill`, a logout and service managers send SIGTERM or SIGHUP; they get what Ctrl+C gets: the
command is asked to stop (a broadcast pauses once its in-flight sends have landed) and the
exit code is 130. A second signal interrupts at once (KeyboardInterrupt).

The handler itself only records the signal: code run inside a signal handler must take no
lock the interrupted code may hold. A small watcher thread passes the request on.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_WATCH_EVERY = 0.05


class StopRequest:
    """Which signal asked the command to stop (None: none did)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def name(self) -> str | None:
        """The signal's name, e.g. "SIGTERM"."""
        return signal.Signals(self.signum).name if self.signum is not None else None


@contextlib.contextmanager
def graceful_stop(on_stop: Callable[[str], None]) -> Iterator[StopRequest]:
    """While the block runs, the first stop signal calls `on_stop(reason)` (from a thread)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request  # signal handlers can only be set from the main thread
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        if request.signum is not None:
            raise KeyboardInterrupt
        request.signum = signum

    done = threading.Event()

    def watch() -> None:
        while not done.wait(_WATCH_EVERY):
            if request.signum is not None:
                on_stop(f"interrupted by {request.name}")
                return

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    watcher = threading.Thread(target=watch, name="sesdesk-stop", daemon=True)
    watcher.start()
    try:
        yield request
    finally:
        done.set()
        watcher.join(1)
        for signum, old in previous.items():
            signal.signal(signum, old)
