"""An evenly spaced token bucket charged per recipient at the account's `MaxSendRate`.

SES throttles bursts even when the average stays under the rate, so the bucket holds one
token only: every recipient gets its own slot, 1/rate after the previous one, and an idle
spell never saves up a burst. The rate is read live and may change between slots.

One limiter per (account, region) in a process, shared by test emails and broadcasts, because
SES counts them together.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

# Aim a little under the rate: the simulator (and SES) count arrivals in a sliding second, and
# network and scheduling jitter can pull two evenly spaced requests closer together.
DEFAULT_HEADROOM = 0.985
MAX_BACKOFF = 30.0
# Queued senders re-check `halt` this often: rarely enough that dozens of them waiting do not
# wake the process hundreds of times a second, often enough that a pause is prompt.
HALT_POLL = 0.25
# How late a slot may be taken and still keep the grid (see `acquire`).
CATCH_UP = 0.005


class RateLimiter:
    """Hands out send slots (monotonic times) spaced 1/rate apart; thread-safe."""

    def __init__(
        self,
        rate: float,
        *,
        headroom: float = DEFAULT_HEADROOM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        self._lock = threading.Lock()
        self._pace = threading.Lock()  # held by the one sender waiting for the next slot
        self._clock = clock
        self._headroom = headroom
        self._next = 0.0
        self._rate = 0.0
        self._backoff = 0.0
        self._throttled_until = 0.0
        self.set_rate(rate)

    @property
    def rate(self) -> float:
        """The account's MaxSendRate as last set (recipients per second)."""
        return self._rate

    @property
    def effective_rate(self) -> float:
        """The rate slots are actually spaced at (the rate times the headroom)."""
        return self._rate * self._headroom

    @property
    def interval(self) -> float:
        """Seconds between two slots."""
        return 1.0 / self.effective_rate

    def set_rate(self, rate: float) -> None:
        """Change the rate (read live from GetAccount); applies from the next slot."""
        if not rate > 0 or math.isinf(rate):
            raise ValueError(f"the sending rate must be a positive number, not {rate!r}")
        with self._lock:
            self._rate = float(rate)

    def peek(self) -> float:
        """When the next slot would be, without taking it."""
        with self._lock:
            return max(self._clock(), self._next)

    def take(self, recipients: int = 1) -> float:
        """Reserve the next slot for a message to `recipients`; returns its monotonic time."""
        if recipients < 1:
            raise ValueError("a send has at least one recipient")
        with self._lock:
            slot = max(self._clock(), self._next)
            self._next = slot + recipients / (self._rate * self._headroom)
            return slot

    def acquire(self, halt: threading.Event | None = None, recipients: int = 1) -> float | None:
        """Wait for the next slot and return when it comes (the send may go now).

        Senders queue on one lock, so the slot is computed when the previous send leaves,
        not booked ahead: after a stall (GC, a busy CPU) sending resumes evenly spaced from
        *now* instead of firing the missed slots in a burst. Returns None, without using a
        slot, when `halt` is set while waiting.
        """
        while not self._pace.acquire(timeout=HALT_POLL):
            if halt is not None and halt.is_set():
                return None
        try:
            if halt is not None and halt.is_set():
                return None
            with self._lock:
                slot = max(self._clock(), self._next)
            while True:
                delay = slot - self._clock()
                if delay <= 0:
                    break
                if halt is not None:
                    if halt.wait(delay):
                        return None
                else:
                    time.sleep(delay)
            now = self._clock()
            with self._lock:
                spacing = recipients / (self._rate * self._headroom)
                # A wake-up up to CATCH_UP late keeps the grid (no drift: at 200/s a hand-over
                # behind the GIL is often a few ms late, and re-basing on each lost ~10 % of
                # the rate), but the next gap is never under half a slot; a longer stall
                # re-bases it. CATCH_UP is a third of the headroom's jitter margin (15 ms).
                late = now - slot > CATCH_UP
                base = now if late else max(slot, now - spacing / 2)
                self._next = max(self._next, base + spacing)
            return now
        finally:
            self._pace.release()

    def wait(self, recipients: int = 1) -> float:
        """Wait for the next slot (no way to give up); returns when it came."""
        slot = self.acquire(None, recipients)
        assert slot is not None
        return slot

    def throttled(self) -> float:
        """AWS said slow down: push every later slot back (exponential) and return the pause.

        Requests already in flight when the first refusal came back are refused for the same
        moment: those do not compound the pause (0 is returned for them).
        """
        with self._lock:
            now = self._clock()
            if now < self._throttled_until:
                return 0.0
            first = max(0.1, 4.0 / self._rate)
            self._backoff = min(MAX_BACKOFF, max(first, self._backoff * 2))
            self._next = max(now, self._next) + self._backoff
            # Refusals arriving within one round trip after this pause belong to this burst.
            self._throttled_until = self._next + 0.5
            return self._backoff

    def calm(self) -> None:
        """A send went through: the next throttle starts from a short pause again."""
        with self._lock:
            self._backoff = 0.0


_shared: dict[tuple[str, str], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(account_id: str, region: str, rate: float) -> RateLimiter:
    """The process-wide limiter for one SES account and region, its rate set to `rate`."""
    key = (account_id, region)
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = _shared[key] = RateLimiter(rate)
        else:
            limiter.set_rate(rate)
        return limiter


def in_flight_needed(rate: float, latency: float, *, ceiling: int = 64) -> int:
    """Requests in flight needed to keep `rate` at `latency` seconds per call, with margin."""
    if rate <= 0:
        return 1
    needed = math.ceil(rate * max(latency, 0.001) * 1.5) + 2
    return max(1, min(ceiling, needed))


class LatencyEstimate:
    """An exponentially weighted moving average of send latency (seconds); thread-safe."""

    def __init__(self, initial: float = 0.2, weight: float = 0.1) -> None:
        self._value = initial
        self._weight = weight
        self._lock = threading.Lock()

    @property
    def value(self) -> float:
        """The current estimate."""
        return self._value

    def add(self, sample: float) -> None:
        """Fold in one measured call."""
        with self._lock:
            self._value += self._weight * (sample - self._value)
