"""A user's install: build the wheel, install it with pipx into a fresh virtualenv, run it.

Slow (pipx installs PySide6 and the rest into a new virtualenv: half a minute or more).
Everything pipx and sesdesk write goes under tmp_path; the index pip uses is the machine's.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(importlib.util.find_spec("pipx") is None, reason="pipx is not installed"),
]


def _run(argv: list[str], env: dict[str, str], **kwargs: object) -> str:
    result = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=600, check=False, **kwargs
    )  # type: ignore[call-overload]
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout[-3000:]}{result.stderr[-5000:]}"
    return str(result.stdout)


def _wheel(tmp_path: Path, env: dict[str, str]) -> Path:
    out = tmp_path / "wheel"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        env,
    )
    (wheel,) = out.glob("sesdesk-*.whl")
    return wheel


def test_the_wheel_carries_resources_and_migrations(tmp_path):
    wheel = _wheel(tmp_path, dict(os.environ))
    names = set(zipfile.ZipFile(wheel).namelist())
    for resource in (REPO / "resources").iterdir():
        if resource.is_file():
            assert f"sesdesk/resources/{resource.name}" in names
    for migration in (REPO / "sesdesk" / "models" / "migrations").rglob("*"):
        if migration.is_file() and "__pycache__" not in migration.parts:
            relative = migration.relative_to(REPO).as_posix()
            assert relative in names


def test_pipx_install_from_the_wheel_gives_a_working_sesdesk(tmp_path):
    home = tmp_path / "user"
    env = {
        **os.environ,
        "HOME": str(home),
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(home / ".local" / "bin"),
        "PIPX_MAN_DIR": str(home / ".local" / "share" / "man"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "SESDESK_HOME": str(home / "sesdesk"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "QT_QPA_PLATFORM": "offscreen",
    }
    for leaked in ("PYTHONPATH", "VIRTUAL_ENV", "SESDESK_STARTUP_PROBE"):
        env.pop(leaked, None)
    wheel = _wheel(tmp_path, env)
    _run([sys.executable, "-m", "pipx", "install", str(wheel)], env)
    sesdesk = home / ".local" / "bin" / "sesdesk"
    # The installed program, not this checkout: run from elsewhere, nothing on PYTHONPATH.
    cwd = str(tmp_path)

    assert _run([str(sesdesk), "--version"], env, cwd=cwd).strip().startswith("sesdesk ")
    _run([str(sesdesk), "team", "create", "acme"], env, cwd=cwd)
    status = _run([str(sesdesk), "status", "--team", "acme", "--json"], env, cwd=cwd)
    assert '"team": "acme"' in status and '"mailer": null' in status
    where = _run(
        [str(sesdesk.resolve().parent / "python"), "-c", "import sesdesk; print(sesdesk.__file__)"],
        env,
        cwd=cwd,
    )
    assert str(tmp_path / "pipx") in where

    # The window (demo mode) finds its resources and starts until the dashboard shows.
    window = _run([str(sesdesk), "--demo"], {**env, "SESDESK_STARTUP_PROBE": "ready"}, cwd=cwd)
    assert "team=Demo shop" in window

    # The launcher entry from a pip install: icons rendered from the packaged SVG.
    _run([str(sesdesk), "--install-desktop-entry"], env, cwd=cwd)
    entry = home / ".local" / "share" / "applications" / "io.github.sesdesk.sesdesk.desktop"
    assert f"Exec={sesdesk.resolve()}\n" in entry.read_text(encoding="utf-8")
    icon = home / ".local/share/icons/hicolor/256x256/apps/io.github.sesdesk.sesdesk.png"
    assert icon.read_bytes().startswith(b"\x89PNG")
    _run([str(sesdesk), "--uninstall-desktop-entry"], env, cwd=cwd)
    assert not entry.exists() and not icon.exists()
