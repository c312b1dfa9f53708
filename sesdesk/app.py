"""The window's start-up path: show the window first, then start everything heavy.

Module-level imports stay light (stdlib and PySide6 only): boto3, botocore, SQLAlchemy, moto
and keyring load in a worker thread after the window is on screen, through
`sesdesk.services.runtime.open_app`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from sesdesk.services.runtime import AppServices
    from sesdesk.ui.bridge import Bridge
    from sesdesk.ui.main_window import MainWindow

PROBE_ENV = "SESDESK_STARTUP_PROBE"
#: SESDESK_STARTUP_PROBE=ready: run on until the dashboard shows its first data, print "ready …"
#: and quit (exit 0; "failed …" and exit 1 when start-up failed). packaging/smoke.sh uses it.
READY_PROBE = "ready"
#: The launcher entry's name (sesdesk.desktop_entry.APP_ID, kept out of the start-up imports):
#: docks and Wayland compositors match the window to its entry and icon by it.
DESKTOP_FILE_NAME = "io.github.sesdesk.sesdesk"
#: Modules that must not be imported before the window is first shown.
HEAVY_MODULES = ("boto3", "botocore", "sqlalchemy", "moto", "keyring", "alembic")

_T0 = time.monotonic()


def _seconds_since_process_start() -> float:
    """Seconds since this process started (Linux: from /proc), else since this module loaded."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of /proc/<pid>/stat, counted after "(comm)"
        with open("/proc/uptime", encoding="ascii") as uptime_file:
            uptime = float(uptime_file.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, KeyError):
        return time.monotonic() - _T0


def heavy_modules_loaded() -> list[str]:
    """Which of HEAVY_MODULES are already imported."""
    return [name for name in HEAVY_MODULES if name in sys.modules]


def _probe_line() -> str:
    loaded = heavy_modules_loaded()
    return (
        f"shown {_seconds_since_process_start():.3f} "
        f"boto3_loaded={'boto3' in sys.modules} heavy_loaded={','.join(loaded) or '-'}"
    )


def run_gui(*, demo: bool = False, home: Path | None = None) -> int:
    """Show the window at once ("Loading…"), then open the services off the GUI thread."""
    # Plain-Python modules first: once PySide6 is loaded, its import hook reads the source of
    # every module imported after it (shibokensupport.feature; ~0.3 ms a module in a profile).
    from sesdesk import config

    base = config.paths(home)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from sesdesk.ui import style
    from sesdesk.ui.bridge import Bridge
    from sesdesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("sesdesk")
    app.setApplicationDisplayName("sesdesk")
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    style.apply(app)

    bridge = Bridge(log_file=base.log_file)
    window = MainWindow(
        bridge=bridge,
        demo=demo,
        settings_dir=base.home,
        log_folder=base.logs,
    )
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.show()
    app.processEvents()  # the first frame is painted here
    probe_mode = os.environ.get(PROBE_ENV)
    probe = probe_mode in ("1", READY_PROBE)
    if probe:
        print(_probe_line(), flush=True)

    # The rest of the frame (menus, toolbar, error page) right after the first show, before
    # the services start: attach() and show_startup_error() find it built.
    window.finish_building()
    app.processEvents()
    if probe:
        print(f"complete {_seconds_since_process_start():.3f}", flush=True)
    if probe_mode == "1":
        window.close()
        return 0

    return _run_loop(app, window, bridge, demo=demo, home=home)


def _run_loop(
    app: QApplication, window: MainWindow, bridge: Bridge, *, demo: bool, home: Path | None
) -> int:
    import asyncio

    import qasync  # after the first show: it costs start-up time and the window is up

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(_main(app, window, bridge, demo=demo, home=home))


def _open_services(demo: bool, home: Path | None) -> AppServices:
    from sesdesk.services.runtime import open_app

    return open_app(demo=demo, home=home)


def receive_services(window: MainWindow, bridge: Bridge, opened: Any) -> AppServices | None:
    """Hand the finished start-up to the window: `opened` is the services or the exception.

    A SesdeskError (corrupt or newer database, unwritable home, no keyring) becomes the
    window's error page with its message and hint; anything else is logged and shown as a bug.
    Returns the services when start-up worked.
    """
    import logging

    from sesdesk.errors import SesdeskError
    from sesdesk.ui.bridge import bug_message

    log = logging.getLogger("sesdesk.app")
    if isinstance(opened, SesdeskError):
        log.info("start-up refused: %s", opened.message)
        window.show_startup_error(opened.message, opened.hint)
        return None
    if isinstance(opened, BaseException):
        log.error("start-up failed", exc_info=opened)
        window.show_startup_error(bug_message(bridge.log_file))
        return None
    window.attach(opened)
    return opened


async def open_in_background(
    window: MainWindow, bridge: Bridge, *, demo: bool, home: Path | None, executor: Any = None
) -> AppServices | None:
    """Run `open_app` off the GUI thread and give the window the outcome."""
    import asyncio

    loop = asyncio.get_running_loop()
    try:
        services = await loop.run_in_executor(executor, _open_services, demo, home)
    except Exception as exc:
        return receive_services(window, bridge, exc)
    return receive_services(window, bridge, services)


def quit_when_ready(window: MainWindow, opening: Any) -> None:
    """Print "ready …" once the dashboard shows data (or "failed …"), then close the window."""
    services = None
    if not opening.cancelled() and opening.exception() is None:
        services = opening.result()
    dashboard = window.dashboard
    if services is None or dashboard is None:
        print(f"failed {_seconds_since_process_start():.3f}", flush=True)
        window.close()
        return
    done: list[bool] = []

    def ready(_data: object = None) -> None:
        if done:
            return
        done.append(True)
        team = dashboard.snapshot.team_name if dashboard.snapshot is not None else "-"
        print(f"ready {_seconds_since_process_start():.3f} team={team}", flush=True)
        window.close()

    def team_selected(team_id: int | None) -> None:
        if team_id is None:  # no team yet: the dashboard's hint is what the user sees
            ready()

    dashboard.data_loaded.connect(ready)
    if window.team_switcher is not None:
        window.team_switcher.team_selected.connect(team_selected)
    if dashboard.snapshot is not None:
        ready()


async def _main(
    app: QApplication, window: MainWindow, bridge: Bridge, *, demo: bool, home: Path | None
) -> int:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    closed = asyncio.Event()
    # Quit by waiting on this event: app.quit() inside the running loop would stop it
    # before this coroutine completes, and the process would hang with the window gone.
    app.setQuitOnLastWindowClosed(False)  # Qt's own quit would end the loop under us
    app.lastWindowClosed.connect(closed.set)
    window.closed.connect(closed.set)
    loop = asyncio.get_running_loop()
    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sesdesk-start")
    opening = asyncio.ensure_future(
        open_in_background(window, bridge, demo=demo, home=home, executor=starter)
    )
    if os.environ.get(PROBE_ENV) == READY_PROBE:
        opening.add_done_callback(lambda task: quit_when_ready(window, task))
    waiting_for_close = asyncio.ensure_future(closed.wait())
    services: AppServices | None = None
    try:
        await asyncio.wait({opening, waiting_for_close}, return_when=asyncio.FIRST_COMPLETED)
        await waiting_for_close
    finally:
        await window.detach()  # the poller stops before the store it writes to closes
        await bridge.shutdown()
        # Closed while still starting: let start-up finish so it can be closed cleanly.
        try:
            services = await opening
        except Exception:
            services = None
        if services is not None:
            await loop.run_in_executor(starter, services.close)
        starter.shutdown(wait=True)
    return 0 if services is not None else 1
