"""An evenly spaced token bucket charged per recipient at the account's `MaxSendRate`.

SES counts the recipients it accepts in any one second, so two rules pace the sends:

- **The grid**: every recipient gets its own slot, 1/(rate × headroom) after the previous
  one. An idle spell never saves up a burst; a sender that woke a little late (a busy GIL, a
  garbage collection: tens of ms) may catch up with the grid at up to twice the rate, so such
  stalls do not cost the broadcast its pace. A longer stall starts the grid afresh from now.
- **The window guard**: over any span of 1/headroom seconds the sends that actually left
  carry at most ⌊rate⌋ recipients. On the grid this holds by itself; it binds when a late
  send, a catch-up or a rate lowered mid-run would otherwise crowd one second. The span's
  margin over a second (15 ms at the default headroom) absorbs network jitter on the way.

The rate is read live and may change between slots. One limiter per (account, region) in a
process, shared by test emails and broadcasts, because SES counts them together.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

# Aim a little under the rate: requests leave evenly spaced, but the network and the receiving
# end can pull two of them closer together on the way.
DEFAULT_HEADROOM = 0.985
MAX_BACKOFF = 30.0
# Queued senders re-check `halt` this often: rarely enough that dozens of them waiting do not
# wake the process hundreds of times a second, often enough that a pause is prompt.
HALT_POLL = 0.25
# How far behind the grid a send may leave and still have the sends after it catch up.
MAX_CATCH_UP = 0.05
# While catching up, two sends are never closer than this share of a slot.
MIN_GAP = 0.5


class RateLimiter:
    """Hands out send slots (monotonic times) at the rate; thread-safe."""

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
        self._grid = 0.0  # the next send's place on the grid (may be in the past)
        self._earliest = 0.0  # no send before this (the catch-up gap, a throttling pause)
        self._sent: deque[tuple[float, int]] = deque()  # (left at, recipients), oldest first
        self._in_window = 0  # recipients in `_sent`
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

    # --- the two rules (call with self._lock held) ---------------------------------------

    def _window(self) -> tuple[int, float]:
        """The guard: at most `cap` recipients may leave within any `span` seconds."""
        cap = max(1, math.floor(self._rate))
        return cap, max(1.0, cap / self._rate) / self._headroom

    def _guard(self, recipients: int) -> float:
        """The earliest time a send to `recipients` keeps the window guard."""
        cap, span = self._window()
        excess = self._in_window + recipients - cap
        if excess <= 0:
            return 0.0
        # The oldest sends must age out of the window first: walk until enough have.
        for left_at, count in self._sent:
            excess -= count
            if excess <= 0:
                return left_at + span
        return self._sent[-1][0] + span if self._sent else 0.0

    def _due(self, recipients: int) -> float:
        """When the next send to `recipients` may leave."""
        now = self._clock()
        grid = self._grid
        if now - grid > MAX_CATCH_UP:
            grid = now  # too far behind: no catching up, a fresh start
        return max(grid, self._earliest, self._guard(recipients), now)

    def _record(self, left: float, recipients: int) -> None:
        """A send to `recipients` left at `left`: place the next one."""
        spacing = recipients / (self._rate * self._headroom)
        base = self._grid if left - self._grid <= MAX_CATCH_UP else left
        self._grid = base + spacing
        self._earliest = max(self._earliest, left + MIN_GAP * spacing)
        self._sent.append((left, recipients))
        self._in_window += recipients
        _, span = self._window()
        while self._sent and self._sent[0][0] <= left - span:
            self._in_window -= self._sent.popleft()[1]

    # --- taking slots -----------------------------------------------------------------------

    def peek(self) -> float:
        """When the next slot would be, without taking it."""
        with self._lock:
            return self._due(1)

    def take(self, recipients: int = 1) -> float:
        """Reserve the next slot for a message to `recipients`; returns its monotonic time
        (for callers that schedule ahead; `acquire` waits for the slot instead)."""
        if recipients < 1:
            raise ValueError("a send has at least one recipient")
        with self._lock:
            slot = self._due(recipients)
            self._record(slot, recipients)
            return slot

    def acquire(self, halt: threading.Event | None = None, recipients: int = 1) -> float | None:
        """Wait for the next slot and return when it came (the send may go now).

        Senders queue on one lock and the slot is computed when the previous send has left,
        not booked ahead, so the guard judges what actually left. Returns None, without using
        a slot, when `halt` is set while waiting.
        """
        if recipients < 1:
            raise ValueError("a send has at least one recipient")
        while not self._pace.acquire(timeout=HALT_POLL):
            if halt is not None and halt.is_set():
                return None
        try:
            while True:
                if halt is not None and halt.is_set():
                    return None
                with self._lock:
                    due = self._due(recipients)
                delay = due - self._clock()
                if delay <= 0:
                    break
                # Sleep, then look again: the rate or a throttling pause may have moved it.
                if halt is not None:
                    halt.wait(delay)
                else:
                    time.sleep(delay)
            with self._lock:
                now = self._clock()
                self._record(now, recipients)
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
            resume = max(now, self._grid, self._earliest) + self._backoff
            self._grid = self._earliest = resume
            # Refusals arriving within one round trip after this pause belong to this burst.
            self._throttled_until = resume + 0.5
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
