"""Start-up of the PyInstaller bundle vs the virtualenv install, in one run, as a ratio.

    .venv/bin/python bench/bundle_startup.py [--bundle dist/sesdesk] [--runs 5]

Each run starts `sesdesk --demo` fresh (offscreen, a new SESDESK_HOME) with
SESDESK_STARTUP_PROBE=ready, alternating the virtualenv's `sesdesk` script and the bundle's
executable, and records two times from spawn: the first window on screen ("shown") and the
dashboard showing the demo team ("ready": services, demo simulator, first store read). The
virtualenv runs from a warmed private .pyc cache, as an installed sesdesk runs from compiled
files (see bench/startup.py). Prints the medians and the ratios bundle / virtualenv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import REPO, _base_env


def _time_run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawn to the 'shown' line and to the 'ready' line."""
    start = time.perf_counter()
    shown: float | None = None
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("shown"):
                shown = time.perf_counter() - start
            elif line.startswith("ready") and shown is not None:
                ready = time.perf_counter() - start
                proc.wait(timeout=60)
                return shown, ready
        code = proc.wait(timeout=60)
        stderr = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"{argv} never got ready (exit {code}): {stderr[-2000:]}")


def _env(pycache: str, home: str) -> dict[str, str]:
    env = {**_base_env(pycache), "SESDESK_STARTUP_PROBE": "ready", "SESDESK_HOME": home}
    env.pop("PYTHONPATH", None)  # each program finds sesdesk as its users' would
    return env


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "sesdesk")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    bundle_exe = args.bundle.resolve() / "sesdesk"
    if not bundle_exe.is_file():
        print(f"no bundle at {bundle_exe}: run `bash packaging/build.sh`", file=sys.stderr)
        return 2
    script = Path(sys.executable).parent / "sesdesk"
    venv_cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "sesdesk"]
    programs = {"virtualenv": [*venv_cmd, "--demo"], "bundle": [str(bundle_exe), "--demo"]}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in programs}
    with tempfile.TemporaryDirectory(prefix="sesdesk-bench-pyc-") as pycache:
        for index in range(args.runs + 1):
            for name, command in programs.items():
                with tempfile.TemporaryDirectory(prefix="sesdesk-bench-") as home:
                    measured = _time_run(command, _env(pycache, home))
                if index > 0:  # the first round warms the .pyc cache and the page cache
                    times[name].append(measured)

    medians = {
        name: (statistics.median(s for s, _ in runs), statistics.median(r for _, r in runs))
        for name, runs in times.items()
    }
    print(f"runs: {args.runs} each, alternating, after one untimed round (sesdesk --demo)")
    for name, (shown, ready) in medians.items():
        print(
            f"{name:>10}: window shown median {shown * 1000:.0f} ms, "
            f"dashboard ready median {ready * 1000:.0f} ms"
        )
    venv_shown, venv_ready = medians["virtualenv"]
    bundle_shown, bundle_ready = medians["bundle"]
    print(
        f"ratio bundle / virtualenv: shown {bundle_shown / venv_shown:.2f}, "
        f"ready {bundle_ready / venv_ready:.2f}"
    )
    print(f"bundle: {bundle_exe.parent} (cpus: {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
