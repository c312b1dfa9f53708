"""Backing off when SES throttles the contact calls: wait, slow down, resume — the call that
was throttled is made again, so nothing is lost. Shared by the sync's worker threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sesdesk.aws.errors import Throttled

T = TypeVar("T")

FIRST_WAIT = 0.5
LONGEST_WAIT = 30.0
#: Consecutive throttles of one call before giving up (the work done so far is kept).
GIVE_UP_AFTER = 10


class Pace:
    """Calls made through `call` wait out any back-off; a throttle doubles the wait (up to
    30 s) for every thread, each success halves it."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._wait = 0.0
        self._until = 0.0
        self.throttled = 0
        self.calls = 0

    def _pause(self) -> None:
        with self._lock:
            left = self._until - self._clock()
        if left > 0:
            self._sleep(left)

    def _throttled(self) -> None:
        with self._lock:
            self.throttled += 1
            self._wait = min(LONGEST_WAIT, max(FIRST_WAIT, self._wait * 2))
            self._until = max(self._until, self._clock() + self._wait)

    def _fine(self) -> None:
        with self._lock:
            self._wait = self._wait / 2 if self._wait > FIRST_WAIT else 0.0

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()` once it may go; again after a throttle, until it succeeds or gives up."""
        for attempt in range(1, GIVE_UP_AFTER + 1):
            self._pause()
            with self._lock:
                self.calls += 1
            try:
                result = fn()
            except Throttled:
                self._throttled()
                if attempt == GIVE_UP_AFTER:
                    raise
                continue
            self._fine()
            return result
        raise AssertionError("unreachable")
