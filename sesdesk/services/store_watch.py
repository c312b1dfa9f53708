"""Notice when another process or desktop changed the records, so open windows refresh.

PostgreSQL: a dedicated connection LISTENs on `CHANGES_CHANNEL` (every table's statement
trigger NOTIFYs it at commit, see migration 0005). SQLite: `PRAGMA data_version` on a
dedicated connection changes when any other connection commits. Either way `on_change()` is
called from the watcher's thread, at most once per `interval`; the window's bridge turns it
into `store_changed`. A lost server connection is reported through `on_state(False, reason)`
and retried with backoff until it answers again (`on_state(True, "")`); the first
connection is reported too (`on_state(True, "")`), with no change notice.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sesdesk.models import Store
from sesdesk.models.server import redact_url

log = logging.getLogger(__name__)

CHANGES_CHANNEL = "sesdesk_changes"
RETRY_FIRST, RETRY_MAX = 1.0, 30.0


class StoreWatcher:
    """A background thread that calls `on_change()` after others' commits."""

    def __init__(
        self,
        store: Store,
        on_change: Callable[[], None],
        *,
        on_state: Callable[[bool, str], None] | None = None,
        interval: float = 0.5,
    ) -> None:
        self.store = store
        self.on_change = on_change
        self.on_state = on_state or (lambda _online, _why: None)
        self.interval = interval
        #: None until the first look settles: connected (True) or not (False, with on_state).
        self.online: bool | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> StoreWatcher:
        """Start watching (no-op for a private in-memory store)."""
        if self.store.url is None and self.store.path is None:
            return self
        self._thread = threading.Thread(target=self._run, name="sesdesk-store-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop the thread (it ends within about `interval`; `wait` for it)."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        delay = RETRY_FIRST
        while not self._stop.is_set():
            try:
                if self.store.url is not None:
                    self._listen()
                else:
                    self._poll_data_version()
                return
            except Exception as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                if self.store.url is not None and self.store.url.password:
                    reason = reason.replace(str(self.store.url.password), "***")
                self._set_online(False, reason)
                log.info("watching %s failed (retry in %.0fs): %s", self.store.where, delay, reason)
                if self._stop.wait(delay):
                    return
                delay = min(RETRY_MAX, delay * 2)

    def _set_online(self, online: bool, reason: str) -> None:
        if online != self.online:
            was = self.online
            self.online = online
            self.on_state(online, reason)
            if online and was is False:
                self.on_change()  # whatever changed while offline

    def _changed(self) -> None:
        try:
            self.on_change()
        except Exception:
            log.exception("store change callback failed")

    def _listen(self) -> None:
        import psycopg

        assert self.store.url is not None
        url = self.store.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        log.info("listening for changes on %s", redact_url(url))
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            self._set_online(True, "")
            while not self._stop.is_set():
                seen = False
                for _note in conn.notifies(timeout=self.interval, stop_after=1000):
                    seen = True
                if seen:
                    self._changed()
                # A quiet connection may have died: a round trip proves it is alive.
                conn.execute("SELECT 1")

    def _poll_data_version(self) -> None:
        assert self.store.path is not None
        uri = f"{self.store.path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)
        try:
            last: Any = conn.execute("PRAGMA data_version").fetchone()[0]
            self._set_online(True, "")
            while not self._stop.wait(self.interval):
                now = conn.execute("PRAGMA data_version").fetchone()[0]
                if now != last:
                    last = now
                    self._changed()
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
