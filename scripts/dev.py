#!/usr/bin/env python3
"""Set up sesdesk in ./.venv and run it or its tests. Needs only Python 3.11+.

    python3 scripts/dev.py app     # set up, then open the window (demo mode if no AWS account)
    python3 scripts/dev.py test    # set up, then lint, type-check, import contracts and pytest

Setup is idempotent and skipped when pyproject.toml has not changed since the last one.
On Debian/Ubuntu it installs the system libraries Qt needs (as root, or with sudo -n).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".sesdesk-setup"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

# Shared libraries the Qt xcb/offscreen plugins load, Xvfb for screenshots, and validators.
DEBIAN_PACKAGES = [
    "libegl1",
    "libgl1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libfontconfig1",
    "libdbus-1-3",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-randr0",
    "libxcb-xkb1",
    "libxcb-xfixes0",
    "libglib2.0-0",
    "fonts-dejavu-core",
    "xvfb",
    "xauth",
    # Validators for the launcher entry and the AppStream metainfo (tests/packaging).
    "desktop-file-utils",
    "appstream",
    # The tests start their own PostgreSQL server (initdb + pg_ctl) for the shared-records suite.
    "postgresql",
]


def log(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs: object) -> int:
    return subprocess.call(cmd, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def _installed(package: str) -> bool:
    probe = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return "install ok installed" in probe.stdout


def debian_setup() -> None:
    """Install Qt's system libraries on Debian/Ubuntu when any is missing."""
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return
    missing = [pkg for pkg in DEBIAN_PACKAGES if not _installed(pkg)]
    if not missing:
        return
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") and run(["sudo", "-n", "true"], stderr=subprocess.DEVNULL) == 0:
            prefix = ["sudo", "-n"]
        else:
            log("Qt needs these system packages; please install them: " + " ".join(missing))
            return
    log("installing system packages for Qt: " + " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([*prefix, "apt-get", "update", "-qq"], env=env)
    if run(
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env
    ):
        log("apt-get failed; the window may not start. Missing: " + " ".join(missing))


def python_setup() -> None:
    """Create .venv and install sesdesk with its dev tools (skipped when up to date)."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not PYTHON.exists():
        log(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    log("installing sesdesk and its dependencies (first time takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    if run([*pip, "install", "--upgrade", "pip"]) or run([*pip, "install", "-e", ".[dev]"]):
        sys.exit("[dev] pip install failed")
    STAMP.write_text(digest)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this runs on whatever python3 is)
        sys.exit(f"sesdesk needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    debian_setup()
    python_setup()


def app(extra: list[str]) -> int:
    """Open the window; demo mode unless some team has an AWS account connected."""
    if not extra:
        probe = subprocess.run(
            [
                str(PYTHON),
                "-c",
                "from sesdesk.services.runtime import has_connected_mailer; "
                "print(has_connected_mailer())",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if probe.stdout.strip() != "True":
            log("no AWS account connected yet: opening demo mode (sesdesk --demo)")
            extra = ["--demo"]
    env = dict(os.environ)
    if (
        sys.platform.startswith("linux")
        and not env.get("DISPLAY")
        and not env.get("WAYLAND_DISPLAY")
    ):
        if shutil.which("xvfb-run"):
            log("no display: running under Xvfb (nothing will be visible)")
            return run(["xvfb-run", "-a", str(PYTHON), "-m", "sesdesk", *extra], env=env)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return run([str(PYTHON), "-m", "sesdesk", *extra], env=env)


def test(extra: list[str]) -> int:
    """ruff, mypy, import contracts, then pytest. Any failure (or no tests) fails."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    steps = [
        ("ruff", [str(BIN / "ruff"), "check", "sesdesk", "tests", "bench", "scripts"]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "sesdesk", "tests", "bench"]),
        ("import contracts", [str(BIN / "lint-imports")]),
        ("mypy", [str(PYTHON), "-m", "mypy", "sesdesk"]),
    ]
    for name, cmd in steps:
        log(f"running {name}")
        if run(cmd, env=env):
            log(f"{name} failed")
            return 1
    log("running pytest")
    code = run([str(PYTHON), "-m", "pytest", *extra], env=env)
    if code == 5:
        log("pytest collected no tests: that is a failure")
        return 1
    return code


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"app", "test", "setup"}:
        print(__doc__, file=sys.stderr)
        return 2
    setup()
    command, extra = sys.argv[1], sys.argv[2:]
    if command == "setup":
        return 0
    return app(extra) if command == "app" else test(extra)


if __name__ == "__main__":
    sys.exit(main())
