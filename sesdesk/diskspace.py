"""Telling a full disk apart from other failures, and saying so plainly.

SQLite reports a full disk as SQLITE_FULL ("database or disk is full"), sometimes wrapped in
SQLAlchemy's OperationalError; files report OSError ENOSPC (or EDQUOT past a quota). Both can
arrive as the cause or context of another exception, so the whole chain is searched.
A shared leaf: any layer may import it (stdlib only).
"""

from __future__ import annotations

import errno
import logging
import shutil
from pathlib import Path
from typing import Any

from sesdesk.errors import DiskFull

log = logging.getLogger(__name__)

_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_SQLITE_FULL = 13  # the primary result code; extended codes keep it in the low byte


def _is_full_itself(error: BaseException) -> bool:
    if isinstance(error, DiskFull):
        return True
    if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
        return True
    name = getattr(error, "sqlite_errorname", None)
    if name is not None:
        return bool(name == "SQLITE_FULL")
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == _SQLITE_FULL
    # SQLAlchemy's DBAPIError keeps the driver's error in `orig`.
    orig = getattr(error, "orig", None)
    return isinstance(orig, BaseException) and orig is not error and _is_full_itself(orig)


def is_disk_full(error: BaseException) -> bool:
    """True when `error`, or anything in its cause/context chain, is a full disk."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_full_itself(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def free_bytes(folder: Path) -> int | None:
    """Free bytes on the disk holding `folder` (its nearest existing parent), or None."""
    path = Path(folder)
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def disk_full(folder: Path) -> DiskFull:
    """The DiskFull error for `folder`, with the free space measured now."""
    return DiskFull(folder, free_bytes(folder))


def as_disk_full(error: BaseException, folder: Path) -> DiskFull | None:
    """`error` as a DiskFull about `folder` when it is one, else None."""
    if isinstance(error, DiskFull):
        return error
    return disk_full(folder) if is_disk_full(error) else None


RESERVE_NAME = ".sesdesk-reserve"
RESERVE_BYTES = 2_000_000


class Reserve:
    """A little disk space set aside beside the database while a broadcast sends.

    When the disk fills up mid-broadcast, giving it back lets sesdesk still record what
    happened: the outcomes of the sends in flight and the broadcast `paused` with the
    reason. Without it those writes fail too and the in-flight rows end `uncertain`.
    """

    def __init__(self, folder: Path | None, size: int = RESERVE_BYTES) -> None:
        # No folder (a store in memory): nothing to set aside, nothing to give back.
        self.path = Path(folder) / RESERVE_NAME if folder is not None else None
        self.size = size

    def keep(self) -> bool:
        """Set the space aside (if the disk has it); True when it is there."""
        if self.path is None:
            return False
        try:
            if self.path.exists() and self.path.stat().st_size >= self.size:
                return True
            with self.path.open("wb") as handle:
                # Real blocks, not a sparse file: the point is to own the space.
                handle.write(b"\0" * self.size)
                handle.flush()
            return True
        except OSError:
            self.give_back()
            return False

    def give_back(self) -> bool:
        """Free the space; True when there was some to free."""
        if self.path is None:
            return False
        try:
            self.path.unlink()
        except OSError:
            return False
        return True


def give_back_wal(engine: Any) -> None:
    """Checkpoint and truncate an SQLite engine's WAL: on a full disk its space may be all
    there is. Other databases: nothing to do."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception as exc:
        log.info("WAL checkpoint on a full disk failed: %s", exc)
