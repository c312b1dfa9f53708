"""The contacts window's lazy model: pages arrive as the view scrolls, a big list opens with
one page read, and the model passes Qt's model consistency checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex

from sesdesk.models import Store
from sesdesk.models.sending import Contact
from sesdesk.services import contacts
from sesdesk.services.contacts import ContactInfo
from sesdesk.services.teams import create_team
from sesdesk.ui.sending import ContactsWindow
from sesdesk.ui.sending.contacts_model import PAGE_SIZE, ContactTableModel


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "sesdesk.db") as store:
        yield store


def fill(store: Store, count: int) -> int:
    team_id = create_team(store, "acme").id
    list_id = contacts.create_list(store, team_id, "big").id
    now = datetime.now(UTC)
    rows = [
        {
            "list_id": list_id,
            "email": f"c{i}@example.com",
            "email_lower": f"c{i}@example.com",
            "name": f"C {i}",
            "status": "subscribed",
            "created_at": now,
        }
        for i in range(count)
    ]
    with store.engine.begin() as conn:
        conn.execute(Contact.__table__.insert(), rows)
    return team_id


def loader(store: Store, team_id: int, calls: list[int | None]) -> Any:
    def page(after_id: int | None, limit: int) -> list[ContactInfo]:
        calls.append(after_id)
        return contacts.list_contacts(store, team_id, "big", after_id=after_id, limit=limit)

    return page


def test_pages_arrive_in_order_and_the_model_stays_consistent(qtmodeltester, store):
    team_id = fill(store, 250)
    calls: list[int | None] = []
    model = ContactTableModel(page_size=100)
    model.load(loader(store, team_id, calls))
    assert model.rowCount() == 100 and calls == [None]
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 250 and model.complete
    assert len(calls) == 3  # 100 + 100 + 50: the short page ends it
    emails = [model.index(row, 0).data() for row in range(250)]
    assert emails == [f"c{i}@example.com" for i in range(250)]
    assert model.index(7, 1).data() == "C 7" and model.index(7, 2).data() == "subscribed"
    qtmodeltester.check(model)


def test_a_page_for_an_older_load_is_dropped(qtmodeltester):
    waiting: list[Any] = []
    model = ContactTableModel(runner=lambda read, done: waiting.append((read, done)))
    first = [ContactInfo(1, "old@example.com", None, "subscribed", datetime.now(UTC))]
    model.load(lambda after, limit: first)
    model.load(lambda after, limit: [])  # the user picked another list meanwhile
    stale_read, stale_done = waiting[0]
    stale_done(stale_read())
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_a_big_list_opens_with_one_page_and_scrolling_loads_more(qtbot, bridge, store):
    team_id = fill(store, PAGE_SIZE * 3 + 10)
    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    assert window.model.rowCount() == PAGE_SIZE  # never the whole list
    # The counts arrive on their own, after the names and the first page.
    qtbot.waitUntil(
        lambda: f"{PAGE_SIZE * 3 + 10} subscribed" in window.list_title.text(), timeout=10_000
    )
    assert window.lists.item(0).text() == f"big\n{PAGE_SIZE * 3 + 10} subscribed"
    bar = window.table.verticalScrollBar()
    for _ in range(50):
        if window.model.complete:
            break
        bar.setValue(bar.maximum())
        qtbot.wait(20)
    qtbot.waitUntil(lambda: window.model.rowCount() == PAGE_SIZE * 3 + 10, timeout=10_000)
    last = window.model.index(window.model.rowCount() - 1, 0).data()
    assert last == f"c{PAGE_SIZE * 3 + 9}@example.com"
    # A search starts over from its own first page.
    window.search.setText("c42@")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.model.index(0, 0).data() == "c42@example.com"
    window.table.selectRow(0)
    assert window._selected_email() == "c42@example.com"


def test_an_unsubscribe_through_ses_says_so_in_the_status_column(qtbot, bridge, store):
    from sqlalchemy import update

    from sesdesk.models.sending import SOURCE_LOCAL, SOURCE_SES

    team_id = fill(store, 3)
    when = datetime(2026, 11, 30, 1, 2, tzinfo=UTC)
    with store.session() as session:
        for email, source in (("c0@example.com", SOURCE_SES), ("c1@example.com", SOURCE_LOCAL)):
            session.execute(
                update(Contact)
                .where(Contact.email_lower == email)
                .values(status="unsubscribed", unsubscribed_at=when, unsubscribe_source=source)
            )
    window = ContactsWindow(bridge, store, team_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
    shown = when.astimezone().strftime("%Y-%m-%d %H:%M")
    cells = [window.model.index(row, 2).data() for row in range(3)]
    assert cells == [
        f"unsubscribed (via SES unsubscribe link, {shown})",
        f"unsubscribed ({shown})",
        "subscribed",
    ]


def test_loaded_rows_give_the_garbage_collector_nothing_to_walk(store):
    # A full collection walks every tracked object holding the GIL; rows kept as objects
    # would lengthen it (and the stall it makes while scrolling) with every page loaded.
    import gc

    team_id = fill(store, 3000)
    model = ContactTableModel(page_size=500)
    model.load(loader(store, team_id, []))
    assert model.rowCount() == 500
    gc.collect()
    before = len(gc.get_objects())
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 3000
    gc.collect()
    assert len(gc.get_objects()) - before < 250
    # The rows still read as contacts.
    contact = model.contact(2999)
    assert contact is not None and contact.email == "c2999@example.com"
    assert contact.created_at.tzinfo is not None
