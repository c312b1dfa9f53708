"""Tables show their short columns whole on 1280×800 and 1024×700 screens: the Broadcasts
table's State, Progress, Outcome and Created; the DNS records' names share the room with the
values, elided in the middle, whole in the tooltip and copied whole."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from sesdesk.services import contacts, sending
from sesdesk.services.refresh import refresh_team
from sesdesk.ui.dialogs.records import (
    COL_AWS,
    COL_COPY_NAME,
    COL_DNS,
    COL_NAME,
    COL_PURPOSE,
    COL_TYPE,
    COL_VALUE,
)
from sesdesk.ui.sending.broadcasts import ACTIONS_COLUMN

pytestmark = pytest.mark.timeout(120)
SIZES = [(1280, 770), (1024, 670)]  # the screens less a window frame


def _demo_with_broadcasts(open_window, qtbot):
    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    demo, store = window.services.demo, window.services.store
    demo.simulator.set_identity_status("demo-shop.example", "SUCCESS")
    demo.simulator.set_production(True)
    refresh_team(store, demo.team_id)
    contacts.create_list(store, demo.team_id, "customers")
    contacts.add_contact(store, demo.team_id, "customers", "c0@example.com")
    for subject in ("Autumn bread week", "Christmas orders open"):
        sending.create_broadcast(
            store,
            demo.team_id,
            list_name="customers",
            composition=sending.Composition(
                from_address="news@demo-shop.example", subject=subject, text_body="Hi"
            ),
        )
    return window


@pytest.mark.parametrize("size", SIZES)
def test_broadcasts_short_columns_show_their_contents_whole(open_window, qtbot, size):
    window = _demo_with_broadcasts(open_window, qtbot)
    window.resize(*size)
    window.pages.show_broadcasts()
    view = window.broadcasts_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    QApplication.processEvents()
    view.refresh_button.click()  # the reload empties the table, then the rows come back
    table, header = view.table, view.table.horizontalHeader()

    def whole() -> None:  # retried: a poll may reload the table meanwhile
        assert view.model.rowCount() == 2
        assert view.model.data(view.model.index(0, 1)) == "Ready to send"
        for column in range(1, ACTIONS_COLUMN):
            assert header.sectionSize(column) >= table.sizeHintForColumn(column), (size, column)
        assert table.horizontalScrollBar().maximum() == 0

    qtbot.waitUntil(whole, timeout=10_000)


def test_dns_names_are_readable_beside_their_values(open_window, qtbot):
    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    window.open_fix("records", "demo-shop.example")
    dialog = window.fixes.last_opened
    table = dialog.view.table
    qtbot.waitUntil(lambda: table.rowCount() == 6, timeout=10_000)
    header = table.horizontalHeader()
    # 980 px wide on 1024- and 1280-px screens alike (never wider than the small screen).
    dialog.resize(980, dialog.height())
    QApplication.processEvents()
    for column in (COL_TYPE, COL_COPY_NAME, COL_PURPOSE, COL_AWS, COL_DNS):
        assert header.sectionSize(column) >= table.sizeHintForColumn(column), column
    # A DKIM name (about 60 characters) keeps as much room as its value: never a few letters.
    assert header.sectionSize(COL_NAME) >= 200
    assert abs(header.sectionSize(COL_NAME) - header.sectionSize(COL_VALUE)) <= 1
    assert table.horizontalScrollBar().maximum() == 0
    name = dialog.view.records[0].name
    assert len(name) > 50 and name.endswith("._domainkey.demo-shop.example")
    assert table.item(0, COL_NAME).text() == name and table.item(0, COL_NAME).toolTip() == name
    table.cellWidget(0, COL_COPY_NAME).click()
    assert QGuiApplication.clipboard().text() == name
    dialog.close()
