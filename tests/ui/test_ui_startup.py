"""Start-up as a user sees it (subprocesses): the window first, heavy imports after it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SESDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _run(
    args: list[str], home: Path, *, timeout: int, **extra: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run `python *args` with SESDESK_HOME `home` (from its parent folder); it must exit 0.
    Returns the finished process and its output's lines."""
    done = subprocess.run(
        [sys.executable, *args],
        env=_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=home.parent,
    )
    assert done.returncode == 0, done.stderr
    return done, done.stdout.strip().splitlines()


@pytest.mark.parametrize("args", [[], ["--demo"]], ids=["normal", "demo"])
def test_window_shows_before_boto3_and_sqlalchemy_load(tmp_path, args):
    _, lines = _run(
        ["-m", "sesdesk", *args], tmp_path / "home", timeout=60, SESDESK_STARTUP_PROBE="1"
    )
    line, complete = lines[-2], lines[-1]
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    assert line.startswith("shown ")
    assert float(line.split()[1]) > 0
    # The rest of the frame (menus, toolbar) is built right after the first show.
    assert complete.startswith("complete ")
    assert float(complete.split()[1]) >= float(line.split()[1])
    assert fields["boto3_loaded"] == "False"
    # None of boto3, botocore, SQLAlchemy, moto, keyring, alembic was imported before the show.
    assert fields["heavy_loaded"] == "-"


CLOSE_WHEN_READY = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])

    def close_when_ready():
        windows = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
        if windows and windows[0].dashboard is not None and windows[0].dashboard.snapshot:
            print("ready", windows[0].team_switcher.combo.currentText(), flush=True)
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_ready)

    QTimer.singleShot(0, close_when_ready)
    from sesdesk.app import run_gui

    code = run_gui(demo=True)
    import threading
    alive = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    print("exit", code, "threads", ",".join(sorted(alive)) or "-", flush=True)
    """
)


def test_demo_app_opens_and_quits_cleanly_when_the_window_closes(tmp_path):
    done, lines = _run(["-c", CLOSE_WHEN_READY], tmp_path / "home", timeout=90)
    assert lines[0] == "ready Demo shop"
    # Services closed: the simulator's server threads and our worker threads are gone.
    assert lines[-1] == "exit 0 threads -", done.stdout
    assert "Traceback" not in done.stderr


def test_a_corrupt_database_is_reported_not_a_traceback(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "sesdesk.db").write_bytes(b"not a database" * 100)
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        app = QApplication(sys.argv[:1])

        def close_on_error():
            windows = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
            if windows and windows[0].stack.currentWidget() is windows[0].error_page:
                print("error", windows[0].error_page.message.text(), flush=True)
                windows[0].close()
            else:
                QTimer.singleShot(50, close_on_error)

        QTimer.singleShot(0, close_on_error)
        from sesdesk.app import run_gui

        print("exit", run_gui(), flush=True)
        """
    )
    done, lines = _run(["-c", script], home, timeout=60)
    assert lines[0].startswith("error ") and str(home / "sesdesk.db") in lines[0]
    assert lines[-1] == "exit 1"
    assert "Traceback" not in done.stderr
    assert (home / "sesdesk.db").read_bytes() == b"not a database" * 100


def test_the_first_dashboard_leaves_dns_compose_and_the_engine_unloaded(tmp_path):
    # What the dashboard imports is paid on the GUI thread before its first data shows: the
    # readiness check's DNS code and the Compose/Contacts windows load when first used.
    script = textwrap.dedent(
        """
        import sys
        import sesdesk.ui.dashboard.view
        import sesdesk.ui.sending.broadcasts
        late = [
            "dns.resolver",
            "sesdesk.services.readiness.run",
            "sesdesk.ui.sending.compose",
            "sesdesk.ui.sending.contacts",
        ]
        print(",".join(name for name in late if name in sys.modules) or "-")
        from sesdesk.ui.sending import ComposeWindow
        print(ComposeWindow.__module__)
        """
    )
    (tmp_path / "home").mkdir()
    _, lines = _run(["-c", script], tmp_path / "home", timeout=60)
    assert lines == ["-", "sesdesk.ui.sending.compose"]
