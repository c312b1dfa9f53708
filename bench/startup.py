"""Start-up benchmark: time from spawn to the first window on screen, sesdesk vs. bare PySide6.

    .venv/bin/python bench/startup.py [--runs 7]

Each run is a fresh process with QT_QPA_PLATFORM=offscreen (and, for sesdesk, a fresh
SESDESK_HOME and SESDESK_STARTUP_PROBE=1, which makes the window print "shown …" on its first
show, finishes building the frame (menus, toolbar), prints "complete …" and exits). Prints the
medians, their ratio (target ≤ 1.5), the median time until the frame is complete (for
information), and whether boto3 had been imported before the window showed (target: never).

Bytecode: an installed sesdesk runs from compiled .pyc files, so by default both programs run
with a private, warmed PYTHONPYCACHEPREFIX (one untimed run each first), even when the shell sets
PYTHONDONTWRITEBYTECODE. `--cold-bytecode` keeps the caller's environment instead (with
PYTHONDONTWRITEBYTECODE=1 every run then compiles sesdesk's sources, ~10–20 ms).
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

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5

BARE_WINDOW = (
    "import sys\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv[:1])\n"
    "window = QMainWindow()\n"
    "window.resize(1240, 720)\n"  # sesdesk.ui.main_window.DEFAULT_SIZE
    "window.show()\n"
    "app.processEvents()\n"
    "print('shown', flush=True)\n"
)


def _time_until_shown(argv: list[str], env: dict[str, str]) -> tuple[float, str, float | None]:
    """Seconds from spawn to the 'shown' line, that line, and seconds to 'complete' if printed."""
    start = time.perf_counter()
    shown: tuple[float, str] | None = None
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("shown"):
                shown = (time.perf_counter() - start, line.strip())
            elif line.startswith("complete") and shown is not None:
                complete = time.perf_counter() - start
                proc.wait(timeout=30)
                return shown[0], shown[1], complete
        code = proc.wait(timeout=30)
        if shown is not None:
            return shown[0], shown[1], None
        stderr = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"{argv} never printed 'shown' (exit {code}): {stderr[-2000:]}")


def _base_env(pycache: str | None) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _app_env(pycache: str | None, home: str, default_home: bool) -> dict[str, str]:
    env = {**_base_env(pycache), "SESDESK_STARTUP_PROBE": "1"}
    if default_home:
        env.pop("SESDESK_HOME", None)
        env["XDG_DATA_HOME"] = home
    else:
        env["SESDESK_HOME"] = home
    return env


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--demo", action="store_true", help="time `sesdesk --demo`")
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="use the caller's bytecode settings instead of a private, warmed .pyc cache",
    )
    parser.add_argument(
        "--default-home",
        action="store_true",
        help="find the home as a user's install does (platformdirs, under a temporary "
        "XDG_DATA_HOME) instead of setting SESDESK_HOME",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sesdesk-bench-pyc-") as pycache:
        return _bench(args, None if args.cold_bytecode else pycache)


def _bench(args: argparse.Namespace, pycache: str | None) -> int:
    command = [sys.executable, "-m", "sesdesk"] + (["--demo"] if args.demo else [])
    if pycache is not None:  # one untimed run of each fills the .pyc cache
        _time_until_shown([sys.executable, "-c", BARE_WINDOW], _base_env(pycache))
        with tempfile.TemporaryDirectory(prefix="sesdesk-bench-") as home:
            env = _app_env(pycache, home, args.default_home)
            _time_until_shown(command, env)

    bare_times: list[float] = []
    app_times: list[float] = []
    complete_times: list[float] = []
    boto3_before_show: list[bool] = []
    heavy_seen: set[str] = set()
    for _ in range(args.runs):
        bare, _line, _ = _time_until_shown([sys.executable, "-c", BARE_WINDOW], _base_env(pycache))
        bare_times.append(bare)
        with tempfile.TemporaryDirectory(prefix="sesdesk-bench-") as home:
            env = _app_env(pycache, home, args.default_home)
            elapsed, line, complete = _time_until_shown(command, env)
        app_times.append(elapsed)
        if complete is not None:
            complete_times.append(complete)
        fields = dict(part.split("=", 1) for part in line.split()[2:] if "=" in part)
        boto3_before_show.append(fields.get("boto3_loaded") == "True")
        heavy = fields.get("heavy_loaded", "-")
        if heavy != "-":
            heavy_seen.update(heavy.split(","))

    bare_median = statistics.median(bare_times)
    app_median = statistics.median(app_times)
    ratio = app_median / bare_median
    bytecode = "caller's settings" if pycache is None else "warmed private .pyc cache"
    print(f"runs: {args.runs} each (bytecode: {bytecode})")
    print(
        f"bare PySide6 window: median {bare_median * 1000:.0f} ms "
        f"(min {min(bare_times) * 1000:.0f}, max {max(bare_times) * 1000:.0f})"
    )
    print(
        f"sesdesk{' --demo' if args.demo else ''} window: median {app_median * 1000:.0f} ms "
        f"(min {min(app_times) * 1000:.0f}, max {max(app_times) * 1000:.0f})"
    )
    if complete_times:
        print(
            f"sesdesk frame complete (menus, toolbar): median "
            f"{statistics.median(complete_times) * 1000:.0f} ms"
        )
    print(
        f"ratio: {ratio:.2f} (target <= {TARGET_RATIO}) {'OK' if ratio <= TARGET_RATIO else 'SLOW'}"
    )
    print(f"boto3 imported before show: {any(boto3_before_show)}")
    print(f"heavy modules before show: {', '.join(sorted(heavy_seen)) or 'none'}")
    return 0 if ratio <= TARGET_RATIO and not any(boto3_before_show) else 1


if __name__ == "__main__":
    raise SystemExit(main())
