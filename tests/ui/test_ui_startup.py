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


@pytest.mark.parametrize("args", [[], ["--demo"]], ids=["normal", "demo"])
def test_window_shows_before_boto3_and_sqlalchemy_load(tmp_path, args):
    done = subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        env=_env(tmp_path / "home", SESDESK_STARTUP_PROBE="1"),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
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
    done = subprocess.run(
        [sys.executable, "-c", CLOSE_WHEN_READY],
        env=_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
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
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("error ") and str(home / "sesdesk.db") in lines[0]
    assert lines[-1] == "exit 1"
    assert "Traceback" not in done.stderr
    assert (home / "sesdesk.db").read_bytes() == b"not a database" * 100
