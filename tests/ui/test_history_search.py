"""The history card's filter: the rows on screen filter at once, then the store search finds
matches older than the rows the dashboard loaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sesdesk.models import StatusEvent, Store
from sesdesk.services.state import recent_events
from sesdesk.services.teams import create_team
from sesdesk.ui.dashboard.common import HISTORY_ROWS
from sesdesk.ui.dashboard.history import HistoryCard


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "sesdesk.db") as store:
        yield store


def test_filter_finds_events_older_than_the_loaded_rows(qtbot, bridge, store):
    team_id = create_team(store, "acme").id
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with store.session() as session:
        for i in range(HISTORY_ROWS + 20):
            message = "Bounce storm on old-list" if i == 0 else f"Routine check {i}"
            StatusEvent.record(
                session, team_id, "account", "status", "a", "b", message, start + timedelta(i)
            )
    card = HistoryCard()
    qtbot.addWidget(card)
    card.bridge, card.store, card.team_id = bridge, store, team_id
    card.show_events(tuple(recent_events(store, team_id, limit=HISTORY_ROWS)))
    assert card.visible_rows() == HISTORY_ROWS
    with qtbot.waitSignal(card.searched, timeout=10_000) as signal:
        card.filter.setText("bounce STORM")
        assert card.visible_rows() == 0  # not among the loaded rows
    assert signal.args == [1]
    assert card.visible_rows() == 1
    assert card.search_note.isVisibleTo(card)
    card.filter.setText("")
    assert card.visible_rows() == HISTORY_ROWS
    assert not card.search_note.isVisibleTo(card)
