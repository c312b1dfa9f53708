"""Running this checkout's `python -m sesdesk` as the packaging tests do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_sesdesk(*args: str, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    """`python -m sesdesk *args` from the repository, with `env` over this process's
    environment; its output captured as text, its exit code left to the caller."""
    return subprocess.run(
        [sys.executable, "-m", "sesdesk", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
    )
