"""The bridge: blocking work off the GUI thread, results and failures back on it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from sesdesk.errors import BadInput, EnvironmentProblem
from sesdesk.ui.bridge import bug_message


def test_run_returns_the_result_on_the_gui_thread(bridge, qtbot):
    seen: dict[str, object] = {}

    def work(a, b):
        seen["worker"] = threading.current_thread().name
        return a + b

    def done(result):
        seen["result"] = result
        seen["callback"] = threading.current_thread() is threading.main_thread()

    with qtbot.waitSignal(bridge.operation_finished, timeout=5000) as finished:
        bridge.run(work, 2, 3, label="Adding", on_success=done)
    assert finished.args == ["Adding"]
    assert seen == {"worker": seen["worker"], "result": 5, "callback": True}
    assert str(seen["worker"]).startswith("sesdesk-bg")
    qtbot.waitUntil(lambda: bridge.pending == 0, timeout=5000)


def test_a_domain_error_reaches_the_user_with_its_hint(bridge, qtbot):
    def work():
        raise EnvironmentProblem("The disk is full.", hint="Free some space and try again.")

    with qtbot.waitSignal(bridge.error_reported, timeout=5000) as reported:
        bridge.run(work)
    assert reported.args == ["The disk is full.", "Free some space and try again."]


def test_on_failure_receives_domain_errors_instead_of_the_status_bar(bridge, qtbot):
    failures: list[Exception] = []
    reported: list[str] = []
    bridge.error_reported.connect(lambda message, hint: reported.append(message))

    def work():
        raise BadInput("name", "a team needs a name")

    with qtbot.waitSignal(bridge.operation_finished, timeout=5000):
        bridge.run(work, on_failure=failures.append)
    assert [getattr(f, "field", None) for f in failures] == ["name"]
    assert reported == []


def test_a_bug_is_logged_with_traceback_and_shown_with_the_log_path(
    bridge, qtbot, caplog: pytest.LogCaptureFixture, tmp_path: Path
):
    failures: list[Exception] = []

    def work():
        raise ZeroDivisionError("boom")

    with (
        caplog.at_level(logging.ERROR, logger="sesdesk.ui.bridge"),
        qtbot.waitSignal(bridge.error_reported, timeout=5000) as reported,
    ):
        bridge.run(work, on_failure=failures.append)
    # Bugs never go to on_failure (which is for things a person can fix): they are reported.
    assert failures == []
    assert reported.args == [bug_message(tmp_path / "sesdesk.log"), ""]
    assert str(tmp_path / "sesdesk.log") in reported.args[0]
    record = next(r for r in caplog.records if r.exc_info)
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_a_failing_success_callback_is_reported_not_swallowed(bridge, qtbot):
    def broken_callback(_result):
        raise KeyError("oops")

    with qtbot.waitSignal(bridge.error_reported, timeout=5000) as reported:
        bridge.run(lambda: 1, on_success=broken_callback)
    assert reported.args[0].startswith("Something went wrong; details in ")


def test_shutdown_cancels_waiting_operations_and_refuses_new_ones(bridge, qtbot):
    import asyncio

    release = threading.Event()
    finished: list[object] = []
    bridge.run(release.wait, 10, on_success=finished.append)
    assert bridge.pending == 1
    shutdown = asyncio.ensure_future(bridge.shutdown())
    qtbot.waitUntil(shutdown.done, timeout=5000)
    release.set()
    assert bridge.pending == 0
    assert finished == []
    # A widget asking for work while the window closes is dropped quietly...
    ran: list[int] = []
    assert bridge.run(ran.append, 1) is None
    assert ran == []
    # ...while a coroutine started directly is refused (and closed: no "never awaited").
    with pytest.raises(RuntimeError, match="shut down"):
        bridge.start(asyncio.sleep(0))


def test_an_operation_cancelled_before_it_starts_leaves_no_warning(bridge, qtbot):
    import asyncio

    # Started and shut down in the same step: the task never runs its first step. With
    # filterwarnings=error, a "coroutine was never awaited" warning would fail this test.
    bridge.run(lambda: None)
    shutdown = asyncio.ensure_future(bridge.shutdown())
    qtbot.waitUntil(shutdown.done, timeout=5000)
    import gc

    gc.collect()
    assert bridge.pending == 0


def test_a_result_for_a_deleted_widget_is_dropped_quietly(bridge, qtbot):
    import threading

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    deleted = threading.Event()
    reported: list[tuple[str, str]] = []
    bridge.error_reported.connect(lambda message, hint: reported.append((message, hint)))

    def slow_work() -> str:
        assert deleted.wait(5)  # the result arrives only after the widget is gone
        return "late"

    task = bridge.run(slow_work, on_success=label.setText)
    label.deleteLater()
    qtbot.waitUntil(lambda: not shiboken_valid(label), timeout=5_000)
    deleted.set()
    qtbot.waitUntil(task.done, timeout=5_000)
    assert reported == []


def shiboken_valid(obj) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_run_passes_keyword_arguments_and_says_what_changed_after_success(bridge, qtbot):
    order: list[object] = []
    bridge.store_changed.connect(lambda team_id: order.append(("changed", team_id)))

    def work(a, *, b):
        return a * b

    with qtbot.waitSignal(bridge.operation_succeeded, timeout=5000):
        bridge.run(work, 3, b=4, changes=7, on_success=lambda r: order.append(("done", r)))
    qtbot.waitUntil(lambda: len(order) == 2, timeout=5000)
    # The widgets re-read the store first, then the caller goes on (and may close).
    assert order == [("changed", 7), ("done", 12)]


def test_a_failed_run_changes_nothing(bridge, qtbot):
    changed: list[int] = []
    bridge.store_changed.connect(changed.append)

    def work():
        raise BadInput("name", "a team needs a name")

    with qtbot.waitSignal(bridge.operation_finished, timeout=5000):
        bridge.run(work, changes=3, on_failure=lambda _error: None)
    qtbot.waitUntil(lambda: bridge.pending == 0, timeout=5000)
    assert changed == []


def test_without_changes_the_store_is_not_said_to_change(bridge, qtbot):
    changed: list[int] = []
    bridge.store_changed.connect(changed.append)
    with qtbot.waitSignal(bridge.operation_finished, timeout=5000):
        bridge.run(lambda: 1, on_success=lambda _r: None)
    qtbot.waitUntil(lambda: bridge.pending == 0, timeout=5000)
    assert changed == []
