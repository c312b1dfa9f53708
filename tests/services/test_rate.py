"""The evenly spaced token bucket: spacing, no saved-up bursts, live rate, backoff."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from sesdesk.services.rate import LatencyEstimate, RateLimiter, in_flight_needed


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_evenly_spaced_at_the_rate_times_the_headroom():
    clock = FakeClock()
    limiter = RateLimiter(50, headroom=0.98, clock=clock)
    slots = [limiter.take() for _ in range(5)]
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert gaps == pytest.approx([1 / (50 * 0.98)] * 4)
    assert slots[0] == clock.now


def test_an_idle_spell_does_not_save_up_a_burst():
    clock = FakeClock()
    limiter = RateLimiter(10, headroom=1.0, clock=clock)
    limiter.take()
    clock.now += 60  # a minute of silence
    first, second = limiter.take(), limiter.take()
    assert first == clock.now
    assert second - first == pytest.approx(0.1)


def test_the_rate_is_read_live_and_a_message_to_many_costs_many_slots():
    clock = FakeClock()
    limiter = RateLimiter(10, headroom=1.0, clock=clock)
    a = limiter.take()
    limiter.set_rate(20)
    b = limiter.take(recipients=3)
    c = limiter.take()
    assert b - a == pytest.approx(0.1)  # the old rate spaced the slot already taken
    assert c - b == pytest.approx(3 / 20)
    with pytest.raises(ValueError):
        limiter.set_rate(0)


def test_throttling_pushes_later_slots_back_exponentially_until_calm():
    clock = FakeClock()
    limiter = RateLimiter(10, headroom=1.0, clock=clock)
    first = limiter.throttled()
    assert limiter.throttled() == 0.0  # the same burst of refusals: no compounding
    clock.now = limiter.peek() + 1.0
    second = limiter.throttled()
    assert second == pytest.approx(2 * first)
    assert limiter.peek() >= clock.now + second
    limiter.calm()
    clock.now = limiter.peek() + 1.0
    assert limiter.throttled() == pytest.approx(first)


def test_acquire_spaces_real_sends_and_resumes_evenly_after_a_stall():
    limiter = RateLimiter(100, headroom=1.0)
    times = [limiter.wait() for _ in range(10)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # A wake-up a little late keeps the grid (no drift), so one gap may be shorter by that.
    assert min(gaps) >= 0.005
    assert times[-1] - times[0] == pytest.approx(0.09, abs=0.02)
    time.sleep(0.2)  # a stall: the missed slots must not fire in a burst afterwards
    after = [limiter.wait() for _ in range(3)]
    assert min(b - a for a, b in itertools.pairwise(after)) >= 0.005
    assert after[-1] - after[0] >= 0.0195


def test_acquire_from_many_threads_never_beats_the_rate():
    limiter = RateLimiter(200, headroom=1.0)
    times: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            at = limiter.wait()
            with lock:
                times.append(at)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    assert len(times) == 80
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.0025
    assert times[-1] - times[0] >= 79 * 0.005 - 0.003


def test_a_halted_wait_gives_up_without_using_a_slot():
    limiter = RateLimiter(1, headroom=1.0)
    assert limiter.acquire() is not None
    halt = threading.Event()
    threading.Timer(0.05, halt.set).start()
    started = time.monotonic()
    assert limiter.acquire(halt) is None
    assert time.monotonic() - started < 0.5


def test_in_flight_needed_follows_rate_times_latency():
    assert in_flight_needed(1, 0.14) == 3
    assert in_flight_needed(50, 0.14) == 13
    assert in_flight_needed(200, 0.1) == 32
    assert in_flight_needed(10_000, 1.0) == 64  # the send pool's ceiling


def test_latency_estimate_moves_towards_samples():
    estimate = LatencyEstimate(initial=0.2, weight=0.5)
    estimate.add(0.1)
    assert estimate.value == pytest.approx(0.15)
