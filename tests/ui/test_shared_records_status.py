"""The status bar says whether the shared database answers: connected, or offline and
retrying (the reason in the tooltip), and back by itself; nothing for this desktop's file."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QStatusBar

from sesdesk.models import Store
from sesdesk.ui.store_watch_bridge import (
    CONNECTED,
    OFFLINE,
    SharedRecordsLabel,
    StoreWatchBridge,
)


@pytest.mark.postgresql
def test_the_shared_databases_state_shows_in_the_status_bar(bridge, qtbot, postgres_server):
    name = postgres_server.create_database()
    status = QStatusBar()
    qtbot.addWidget(status)
    with Store.open_url(postgres_server.url(name)) as store:
        watch = StoreWatchBridge(bridge, store).show_state_in(status).start()
        try:
            label = watch.label
            assert label is not None and label in status.findChildren(SharedRecordsLabel)
            qtbot.waitUntil(lambda: label.text() == CONNECTED, timeout=10_000)
            postgres_server.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            qtbot.waitUntil(lambda: label.text() == OFFLINE, timeout=10_000)
            assert "does not answer: " in label.toolTip()
            assert label.toolTip().split("does not answer: ", 1)[1].strip()  # the reason
            qtbot.waitUntil(lambda: label.text() == CONNECTED, timeout=20_000)
        finally:
            watch.stop()
    postgres_server.drop_database(name)


def test_no_shared_records_state_for_this_desktops_own_file(bridge, qtbot, store):
    status = QStatusBar()
    qtbot.addWidget(status)
    watch = StoreWatchBridge(bridge, store).show_state_in(status).start()
    try:
        assert watch.label is None and not status.findChildren(SharedRecordsLabel)
    finally:
        watch.stop()


@pytest.mark.postgresql
def test_the_window_on_a_shared_database_shows_it_connected(
    open_window, qtbot, postgres_url, monkeypatch
):
    monkeypatch.setenv("SESDESK_DATABASE_URL", postgres_url)
    window = open_window()
    labels = window.status.findChildren(SharedRecordsLabel)
    assert len(labels) == 1
    qtbot.waitUntil(lambda: labels[0].text() == CONNECTED, timeout=10_000)
