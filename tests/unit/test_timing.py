"""`punctual()`: a short GIL switch interval and a frozen heap while any user needs them."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from sesdesk.timing import is_punctual, punctual


def test_punctual_sets_then_restores_the_switch_interval_and_the_heap() -> None:
    before = sys.getswitchinterval()
    assert not is_punctual()
    with punctual(0.0007):
        assert is_punctual()
        assert sys.getswitchinterval() == pytest.approx(0.0007, abs=2e-6)
        assert gc.get_freeze_count() > 0
    assert not is_punctual()
    assert sys.getswitchinterval() == pytest.approx(before, abs=2e-6)
    assert gc.get_freeze_count() == 0


def test_overlapping_users_restore_only_when_the_last_leaves() -> None:
    before = sys.getswitchinterval()
    entered, release = threading.Event(), threading.Event()

    def other_user() -> None:
        with punctual():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other_user)
    with punctual():
        thread.start()
        assert entered.wait(5)
    # The first user left; the other still needs it.
    assert is_punctual()
    assert sys.getswitchinterval() < before
    release.set()
    thread.join(5)
    assert not is_punctual()
    assert sys.getswitchinterval() == pytest.approx(before, abs=2e-6)


def test_punctual_never_lengthens_a_shorter_interval_and_restores_after_errors() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    try:
        try:
            with punctual(0.001):
                assert sys.getswitchinterval() == pytest.approx(0.0002, abs=2e-6)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert sys.getswitchinterval() == pytest.approx(0.0002, abs=2e-6)
        assert not is_punctual()
    finally:
        sys.setswitchinterval(before)


def test_a_nested_user_gets_its_shorter_interval_until_all_leave() -> None:
    before = sys.getswitchinterval()
    with punctual(0.001):
        with punctual(0.0005):
            assert sys.getswitchinterval() == pytest.approx(0.0005, abs=2e-6)
        assert is_punctual()
    assert sys.getswitchinterval() == pytest.approx(before, abs=2e-6)
