"""The evenly spaced token bucket: spacing, no saved-up bursts, catching up after short
stalls, the one-second window guard, live rate, backoff."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import threading
import time

import pytest

from sesdesk.services.rate import (
    MAX_CATCH_UP,
    LatencyEstimate,
    RateLimiter,
    in_flight_needed,
)


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


def test_a_send_a_little_late_is_caught_up_but_never_closer_than_half_a_slot():
    clock = FakeClock()
    limiter = RateLimiter(10, headroom=1.0, clock=clock)
    first = limiter.take()
    clock.now = first + 0.1 + 0.03  # woke 30 ms after its slot (a GC, a busy GIL)
    late = limiter.take()
    assert late == clock.now
    # The grid holds: the one after goes at its own slot, 70 ms later, not 100 ms.
    assert limiter.take() == pytest.approx(first + 0.2)
    clock.now = first + 0.3 + 0.045
    nearly = limiter.take()
    # 45 ms late: the next slot (55 ms on) stays, since half a slot (50 ms) is kept.
    assert limiter.take() - nearly == pytest.approx(0.055)


def test_a_stall_longer_than_the_catch_up_starts_the_grid_afresh():
    clock = FakeClock()
    limiter = RateLimiter(10, headroom=1.0, clock=clock)
    first = limiter.take()
    clock.now = first + 0.1 + MAX_CATCH_UP + 0.03
    after_stall = limiter.take()
    assert after_stall == clock.now
    assert limiter.take() - after_stall == pytest.approx(0.1)  # no missed slots fired


def test_lowering_the_rate_mid_run_never_crowds_one_second():
    clock = FakeClock()
    limiter = RateLimiter(10, headroom=1.0, clock=clock)
    sent = [limiter.take() for _ in range(10)]  # 100.0 … 100.9
    limiter.set_rate(5)
    # The grid alone would send at 101.0; but four of the ten are still within a second then,
    # so the fifth may go only when the sixth (100.5) has left the window.
    assert limiter.take() == pytest.approx(sent[5] + 1.0)


def _most_in_any_second(times: list[float], span: float = 1.0) -> int:
    times = sorted(times)
    return max(bisect.bisect_right(times, t + span - 1e-9) - i for i, t in enumerate(times))


@pytest.mark.parametrize("rate", [3.0, 50.0, 200.0, 7.5])
def test_late_senders_never_put_more_than_the_rate_in_any_second(rate: float) -> None:
    # Senders wake late about once a second (by 2 ms, or a GC's 30-70 ms) and take messages
    # to one or more recipients: whatever the mix, the recipients that leave within any one
    # second never exceed the rate.
    rng = random.Random(int(rate * 10))
    clock = FakeClock()
    limiter = RateLimiter(rate, clock=clock)
    left: list[float] = []
    for _ in range(int(rate * 20)):
        recipients = rng.choice([1, 1, 1, 1, 2]) if rate >= 2 else 1
        late = rng.choice([0.002, 0.03, 0.07]) if rng.random() < 1 / rate else 0.0
        clock.now = max(clock.now, limiter.peek()) + late
        slot = limiter.take(recipients)
        assert slot >= clock.now
        left.extend([slot] * recipients)
    assert _most_in_any_second(left) <= math.floor(rate)
    if rate >= 50:  # and it keeps the pace: short stalls are made up (at low rates a
        # message to two may have to wait for a second to clear, which says nothing of pace)
        assert (len(left) - 1) / (left[-1] - left[0]) >= 0.95 * rate


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
    # A wake-up a little late keeps the grid (no drift): the next gap shrinks, to half a slot
    # at most.
    assert min(gaps) >= 0.0049
    assert times[-1] - times[0] == pytest.approx(0.09, abs=0.02)
    time.sleep(0.2)  # a stall: the missed slots must not fire in a burst afterwards
    after = [limiter.wait() for _ in range(3)]
    assert min(b - a for a, b in itertools.pairwise(after)) >= 0.0049
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
