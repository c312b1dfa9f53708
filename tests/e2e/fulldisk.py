"""A really full disk for tests: a small tmpfs mounted (as root) where SESDESK_HOME lives."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount_tmpfs(target: Path, size_mb: int) -> str | None:
    """Mount a tmpfs of `size_mb` at `target`; the reason it cannot be done, else None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "mounting a small tmpfs to fill needs root"
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(target)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return f"mount -t tmpfs is not permitted here: {result.stderr.strip()}"
    return None


@contextlib.contextmanager
def small_disk(target: Path, size_mb: int = 16) -> Iterator[Path]:
    """`target` as the mount point of a fresh `size_mb` MB tmpfs; unmounted afterwards."""
    target.mkdir(parents=True, exist_ok=True)
    reason = _mount_tmpfs(target, size_mb)
    if reason is not None:
        pytest.skip(reason)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(folder: Path) -> Path:
    """Write a filler file in `folder` until the disk has not one free byte."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    assert shutil.disk_usage(folder).free == 0
    return filler
