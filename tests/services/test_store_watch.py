"""The store watcher: another writer's commit reaches `on_change` (PostgreSQL LISTEN/NOTIFY,
SQLite data_version); a server that goes away is reported offline, then online again."""

from __future__ import annotations

import threading
import time

from sesdesk.models import Store
from sesdesk.services.store_watch import StoreWatcher
from sesdesk.services.teams import create_team


def _other_writer(store: Store) -> Store:
    """A second, independent handle on the same records (another desktop or process)."""
    return Store.open_url(store.url) if store.url is not None else Store.open(store.path)


def _wait(event: threading.Event, timeout: float = 10.0) -> bool:
    return event.wait(timeout)


def test_another_writers_commit_is_noticed(store: Store) -> None:
    changed = threading.Event()
    watcher = StoreWatcher(store, changed.set, interval=0.1).start()
    try:
        time.sleep(0.5)  # let the watcher take its first look
        assert not changed.is_set()
        with _other_writer(store) as other:
            create_team(other, "elsewhere")
        assert _wait(changed), "the commit of another writer went unnoticed"
        changed.clear()
        time.sleep(0.5)
        assert not changed.is_set()  # quiet when nothing changes
    finally:
        watcher.stop()


def test_a_lost_server_is_reported_and_the_watcher_comes_back(postgres_server) -> None:
    name = postgres_server.create_database()
    states: list[tuple[bool, str]] = []
    back = threading.Event()

    def on_state(online: bool, why: str) -> None:
        states.append((online, why))
        if online:
            back.set()

    with Store.open_url(postgres_server.url(name)) as store:
        watcher = StoreWatcher(store, lambda: None, on_state=on_state, interval=0.1).start()
        try:
            time.sleep(0.5)
            postgres_server.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            assert _wait(back, 20), states
            back.clear()
            # Offline with the reason, then connected again (and after its first connection).
            assert _wait(back, 20), states
            assert states[0] == (True, "")
            assert states[1][0] is False and states[1][1]
            assert states[-1] == (True, "")
            create_team(store, "after")  # the pool replaced its dead connections by itself
        finally:
            watcher.stop()
    postgres_server.drop_database(name)
