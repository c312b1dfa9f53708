"""Telling a full disk apart, saying so plainly, and a log handler that never prints its own
traceback when it cannot write."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from sesdesk.config import quiet_rotating_handler_class
from sesdesk.diskspace import Reserve, as_disk_full, is_disk_full
from sesdesk.errors import DiskFull, EnvironmentProblem


def test_a_full_disk_is_recognised_however_it_is_wrapped(tmp_path):
    enospc = OSError(errno.ENOSPC, "No space left on device")
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    full.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    wrapped = sa_exc.OperationalError("COMMIT", {}, full)
    try:
        try:
            raise enospc
        except OSError as inner:
            raise RuntimeError("while writing") from inner
    except RuntimeError as outer:
        chained = outer
    assert all(is_disk_full(e) for e in (enospc, full, wrapped, chained))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
    problem = as_disk_full(wrapped, tmp_path)
    assert isinstance(problem, DiskFull) and isinstance(problem, EnvironmentProblem)
    assert problem.exit_code == 6
    assert problem.message.startswith(f"the disk holding {tmp_path} is full: ")
    assert problem.message.endswith(" MB free; free some space and run it again.")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_the_log_handler_says_once_in_one_line_and_prints_no_traceback(capsys):
    handler = quiet_rotating_handler_class()("/dev/full", maxBytes=1000, backupCount=1)
    logger = logging.getLogger("sesdesk.test.fulldisk")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(5):
            logger.warning("record %d", n)
    finally:
        logger.removeHandler(handler)
        handler.close()
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert err.count("\n") == 1 and "cannot write the log file /dev/full" in err
    assert "the disk is full" in err
    assert handler.dropped == 5


def test_the_reserve_holds_real_space_and_gives_it_back(tmp_path):
    reserve = Reserve(tmp_path, size=100_000)
    assert reserve.keep() and reserve.path.stat().st_size == 100_000
    assert os.stat(reserve.path).st_blocks * 512 >= 100_000  # not a sparse file
    assert reserve.give_back() and not reserve.path.exists()
    assert not reserve.give_back()
