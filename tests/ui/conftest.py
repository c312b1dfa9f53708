"""Qt fixtures for the window tests: offscreen Qt, one qasync loop, windows on real services."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def qasync_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop on pytest-qt's QApplication for the whole session.

    Never stopped between tests: stopping calls QApplication.exit() outside exec(), after which
    every later waitSignal / waitUntil times out.
    """
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop


@pytest.fixture
def bridge(qasync_loop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    """A Bridge whose log file is in this test's folder; shut down after the test."""
    from sesdesk.ui.bridge import Bridge

    the_bridge = Bridge(log_file=tmp_path / "sesdesk.log")
    yield the_bridge
    shutdown = asyncio.ensure_future(the_bridge.shutdown())
    qtbot.waitUntil(shutdown.done, timeout=10_000)
    shutdown.result()


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """This test's SESDESK_HOME (set by the root conftest), created."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    return isolated_home


@pytest.fixture
def open_window(bridge: Any, qtbot: Any, home: Path) -> Iterator[Any]:
    """Open the window on real services: `open_window(demo=...)` → MainWindow, attached.

    Services start in a worker thread as in the app; everything is closed after the test.
    """
    from concurrent.futures import ThreadPoolExecutor

    from sesdesk.app import open_in_background
    from sesdesk.ui.main_window import MainWindow

    # A plain thread pool as in the app (qasync's default executor uses QThreads that outlive
    # the never-closed test loop).
    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-start")
    opened: list[Any] = []
    windows: list[MainWindow] = []

    def factory(*, demo: bool = False, wait: bool = True, expect_error: bool = False) -> MainWindow:
        window = MainWindow(bridge=bridge, demo=demo, settings_dir=home, log_folder=home / "logs")
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        task = asyncio.ensure_future(
            open_in_background(window, bridge, demo=demo, home=home, executor=starter)
        )
        opened.append(task)
        if wait:
            qtbot.waitUntil(task.done, timeout=60_000)
            if task.result() is None and not expect_error:
                pytest.fail(f"start-up failed: {window.error_page.message.text()}")
        return window

    yield factory
    for window in windows:
        window.close()
        detaching = asyncio.ensure_future(window.detach())
        qtbot.waitUntil(detaching.done, timeout=30_000)
    # Stop background reads before the store they read from closes.
    shutdown = asyncio.ensure_future(bridge.shutdown())
    qtbot.waitUntil(shutdown.done, timeout=10_000)
    for task in opened:
        qtbot.waitUntil(task.done, timeout=60_000)
        services = task.result()
        if services is not None:
            services.close()
    starter.shutdown(wait=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    """The window's tests run on SQLite only: the service and CLI suites cover PostgreSQL, and
    widgets reading through bridge threads would keep server connections past the test."""
    from tests.conftest import open_store

    with open_store(tmp_path) as opened:
        yield opened
