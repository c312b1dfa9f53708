"""The dashboard never needs a horizontal scrollbar in a 1024-px window beside the Simulator
dock: long statuses ("Review pending since 06:36", "Paused by AWS (shutdown)") wrap inside
their card instead of widening it, and no card, word or button is cut at the right edge."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel
from sqlalchemy import update

from sesdesk.models import AccountStatus, Store
from sesdesk.ui.dashboard.view import DashboardView
from sesdesk.ui.widgets.pill import StatusPill

sys.path.insert(0, str(Path(__file__).parent))
from dashboard_states import build_state

#: The dashboard's share of a 1024-px screen with the Simulator dock open, and narrower: the
#: offscreen platform's font is narrower than a desktop's, so 560 here stands for 690 there.
WIDTHS = (690, 560)


def _paused_in_review(store: Store) -> int:
    """A team whose production-access review is pending and whom AWS paused (SHUTDOWN)."""
    team_id = build_state(store, "review-pending")
    with store.session() as s:
        s.execute(
            update(AccountStatus)
            .where(AccountStatus.team_id == team_id)
            .values(sending_enabled=False, enforcement_status="SHUTDOWN")
        )
    return team_id


def _assert_nothing_cut(view: DashboardView) -> None:
    area = view.scroll_area
    assert area.horizontalScrollBar().maximum() == 0, area.widget().minimumSizeHint()
    viewport = area.viewport()
    right = viewport.width()
    for widget in area.widget().findChildren(QLabel) + area.widget().findChildren(QAbstractButton):
        if not widget.isVisibleTo(view) or widget.width() == 0:
            continue
        left = widget.mapTo(viewport, QPoint(0, 0)).x()
        name = widget.text() if hasattr(widget, "text") else widget
        assert left + widget.width() <= right, (name, left, widget.width(), right)
        if isinstance(widget, QAbstractButton):
            assert widget.width() >= widget.sizeHint().width(), name
        elif isinstance(widget, StatusPill):
            # Its whole text shows: as wide as its longest word, as tall as the wrapped text.
            assert widget.width() >= widget.minimumSizeHint().width(), name
            if widget.wordWrap():
                assert widget.height() >= widget.heightForWidth(widget.width()), name


@pytest.mark.parametrize("width", WIDTHS)
def test_long_statuses_wrap_instead_of_widening_the_dashboard(qtbot, bridge, store, width):
    view = DashboardView(bridge, store, _paused_in_review(store))
    qtbot.addWidget(view)
    view.resize(width, 900)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    qtbot.wait(50)
    QApplication.processEvents()
    assert view.account.review.text().startswith("Review pending since ")
    assert view.account.sending.text() == "Paused by AWS (shutdown)"
    assert view.account.reputation_button.isVisibleTo(view)
    _assert_nothing_cut(view)


def test_every_state_fits_beside_the_dock(qtbot, bridge, store: Store, tmp_path: Any):
    from dashboard_states import STATES

    for state in STATES:
        view = DashboardView(bridge, store, build_state(store, state, team=f"Team {state}"))
        qtbot.addWidget(view)
        view.resize(WIDTHS[0], 900)
        view.show()
        qtbot.waitUntil(lambda v=view: v.data is not None, timeout=10_000)
        qtbot.wait(50)
        _assert_nothing_cut(view)
        view.close()


def test_a_long_status_stays_on_one_line_where_there_is_room(qtbot, bridge, store):
    view = DashboardView(bridge, store, _paused_in_review(store))
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    qtbot.wait(50)
    one_line = view.account.mode.height()  # "Sandbox", a pill that never wraps
    for pill in (
        view.account.review,
        view.account.sending,
        view.can_send.rows["test_email"].answer,
    ):
        assert pill.height() == one_line, pill.text()
        assert pill.width() >= pill.sizeHint().width(), pill.text()


def test_tables_and_chart_keep_their_text_beside_the_dock(qtbot, bridge, store):
    from PySide6.QtGui import QFontMetrics

    view = DashboardView(bridge, store, build_state(store, "production"))
    qtbot.addWidget(view)
    view.resize(WIDTHS[0], 900)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    qtbot.wait(50)
    QApplication.processEvents()
    for table, last in ((view.history.table, 3), (view.identities.table, 3)):
        header = table.horizontalHeader()
        width = table.viewport().width()
        # The message column keeps a real share, and no sideways scrolling inside the card.
        assert header.sectionSize(last) >= width * 0.4, (table.accessibleName(), width)
        assert table.horizontalScrollBar().maximum() == 0, table.accessibleName()
    header = view.identities.table.horizontalHeader()
    for column in (1, 2):  # Type, Status: whole
        assert header.sectionSize(column) >= view.identities.table.sizeHintForColumn(column)
    # The history shows its rows (up to ten) without scrolling inside the card.
    history = view.history.table
    rows = history.model().rowCount()
    assert 3 <= rows <= 10
    last = history.rowViewportPosition(rows - 1) + history.rowHeight(rows - 1)
    assert last <= history.viewport().height(), (last, history.viewport().height())
    # Fourteen day labels fit under the bars.
    chart = view.quota.chart
    labels = view.quota.days_axis.categories()
    assert len(labels) == 14
    widest = max(
        QFontMetrics(view.quota.days_axis.labelsFont()).horizontalAdvance(t) for t in labels
    )
    assert widest * 14 <= chart.plotArea().width() * 0.8, (widest, chart.plotArea().width())
