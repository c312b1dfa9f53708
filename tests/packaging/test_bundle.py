"""Build the PyInstaller bundle and smoke-test it (packaging/build.sh, packaging/smoke.sh).

Slow (a minute or two to build on two cores): it is the only test that runs the program a
user of the bundle gets. Skipped where PyInstaller is not installed (it is in the dev extras).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SIZE_LIMIT_MB = 250

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1500),
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller is not installed"
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the scripts are for Linux"),
]


def _folder_size(folder: Path) -> int:
    """Bytes in the folder's files; PyInstaller links some libraries twice (symlinks)."""
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    return sum(path.stat().st_size for path in files)


def _run(script: str, *args: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        ["bash", str(REPO / "packaging" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        cwd=REPO,
    )
    output = result.stdout[-4000:] + result.stderr[-6000:]
    assert result.returncode == 0, f"{script} failed:\n{output}"
    return time.perf_counter() - started


def test_the_bundle_builds_runs_and_stays_small(tmp_path):
    env = {
        **os.environ,
        "SESDESK_DIST": str(tmp_path / "dist"),
        "SESDESK_BUILD": str(tmp_path / "build"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the bundle should carry compiled modules
    built = _run("build.sh", env=env)
    bundle = tmp_path / "dist" / "sesdesk"
    assert (bundle / "sesdesk").is_file()
    size_mb = _folder_size(bundle) / 1e6
    smoked = _run("smoke.sh", str(bundle), env=env)
    print(f"bundle: {size_mb:.0f} MB; build {built:.0f} s, smoke {smoked:.0f} s")
    assert size_mb < SIZE_LIMIT_MB
