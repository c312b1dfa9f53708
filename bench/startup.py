"""Start-up benchmark: time from spawn to the first window on screen, sesdesk vs. bare PySide6.

    .venv/bin/python bench/startup.py [--runs 7]

Each run is a fresh process with QT_QPA_PLATFORM=offscreen (and, for sesdesk, a fresh
SESDESK_HOME and SESDESK_STARTUP_PROBE=1, which makes the window print "shown …" on its first
show and exit). Prints the medians, their ratio (target ≤ 1.5) and whether boto3 had been
imported before the window showed (target: never).
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
    "window.resize(1100, 720)\n"
    "window.show()\n"
    "app.processEvents()\n"
    "print('shown', flush=True)\n"
)


def _time_until_shown(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawn to the 'shown' line, and that line."""
    start = time.perf_counter()
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("shown"):
                elapsed = time.perf_counter() - start
                proc.wait(timeout=30)
                return elapsed, line.strip()
        stderr = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"{argv} never printed 'shown' (exit {proc.wait()}): {stderr[-2000:]}")


def _base_env() -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--demo", action="store_true", help="time `sesdesk --demo`")
    args = parser.parse_args(argv)

    bare_times: list[float] = []
    app_times: list[float] = []
    boto3_before_show: list[bool] = []
    heavy_seen: set[str] = set()
    for _ in range(args.runs):
        bare, _line = _time_until_shown([sys.executable, "-c", BARE_WINDOW], _base_env())
        bare_times.append(bare)
        with tempfile.TemporaryDirectory(prefix="sesdesk-bench-") as home:
            env = {**_base_env(), "SESDESK_HOME": home, "SESDESK_STARTUP_PROBE": "1"}
            command = [sys.executable, "-m", "sesdesk"] + (["--demo"] if args.demo else [])
            elapsed, line = _time_until_shown(command, env)
        app_times.append(elapsed)
        fields = dict(part.split("=", 1) for part in line.split()[2:] if "=" in part)
        boto3_before_show.append(fields.get("boto3_loaded") == "True")
        heavy = fields.get("heavy_loaded", "-")
        if heavy != "-":
            heavy_seen.update(heavy.split(","))

    bare_median = statistics.median(bare_times)
    app_median = statistics.median(app_times)
    ratio = app_median / bare_median
    print(f"runs: {args.runs} each")
    print(
        f"bare PySide6 window: median {bare_median * 1000:.0f} ms "
        f"(min {min(bare_times) * 1000:.0f}, max {max(bare_times) * 1000:.0f})"
    )
    print(
        f"sesdesk{' --demo' if args.demo else ''} window: median {app_median * 1000:.0f} ms "
        f"(min {min(app_times) * 1000:.0f}, max {max(app_times) * 1000:.0f})"
    )
    print(
        f"ratio: {ratio:.2f} (target <= {TARGET_RATIO}) {'OK' if ratio <= TARGET_RATIO else 'SLOW'}"
    )
    print(f"boto3 imported before show: {any(boto3_before_show)}")
    print(f"heavy modules before show: {', '.join(sorted(heavy_seen)) or 'none'}")
    return 0 if ratio <= TARGET_RATIO and not any(boto3_before_show) else 1


if __name__ == "__main__":
    raise SystemExit(main())
