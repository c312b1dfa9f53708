"""Opening a big store does not read every page first: PRAGMA quick_check runs only on files
up to QUICK_CHECK_MAX_BYTES (it took seconds on a store of a million contacts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sesdesk.models import store as store_module
from sesdesk.models.store import HEAD_REVISION, DatabaseCorrupt, _inspect_existing
from tests.models.test_store_open import _populated_db


def _damage_last_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in range(len(data) // page_size - 4, len(data) // page_size):
        data[page * page_size : page * page_size + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))


def test_only_small_files_get_the_full_quick_check(tmp_path: Path, monkeypatch) -> None:
    path = _populated_db(tmp_path / "sesdesk.db", events=400)
    _damage_last_pages(path)
    with pytest.raises(DatabaseCorrupt):
        _inspect_existing(path)  # small: every page is checked
    monkeypatch.setattr(store_module, "QUICK_CHECK_MAX_BYTES", path.stat().st_size - 1)
    # Big: the schema and revision are read, the history's pages are not.
    assert _inspect_existing(path) == HEAD_REVISION
