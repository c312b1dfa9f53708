"""SESDESK_STARTUP_PROBE=ready: the window runs until the dashboard shows, then quits by itself
(packaging/smoke.sh relies on it to check a bundle's window without a person)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.packaging.processes import run_sesdesk


def _run_window(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "SESDESK_HOME": str(home),
        "SESDESK_STARTUP_PROBE": "ready",
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(home.parent / "xdg-data"),
    }
    return run_sesdesk(*args, env=env, timeout=110)


def _lines(stdout: str, word: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(word + " ")]


def test_demo_window_quits_once_the_dashboard_shows_the_demo_team(tmp_path):
    result = _run_window("--demo", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert len(_lines(result.stdout, "shown")) == 1
    ready = _lines(result.stdout, "ready")
    assert len(ready) == 1, result.stdout
    assert ready[0].endswith("team=Demo shop")
    seconds = float(ready[0].split()[1])
    shown = float(_lines(result.stdout, "shown")[0].split()[1])
    assert seconds >= shown


def test_a_home_with_no_team_is_ready_on_the_no_team_hint(tmp_path):
    result = _run_window(home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    ready = _lines(result.stdout, "ready")
    assert len(ready) == 1 and ready[0].endswith("team=-"), result.stdout


def test_a_failed_start_says_failed_and_exits_1(tmp_path):
    not_a_folder = tmp_path / "home"
    not_a_folder.write_text("a file where the home folder should be")
    result = _run_window(home=not_a_folder)
    assert result.returncode == 1
    assert _lines(result.stdout, "ready") == []
    assert len(_lines(result.stdout, "failed")) == 1, result.stdout
