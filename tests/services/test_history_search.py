"""The history query's text filter: case-insensitive on subject or message, and bounded to
the newest events when asked (the history card's search)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sesdesk.models import StatusEvent, Store
from sesdesk.services.state import recent_events
from sesdesk.services.teams import create_team


@pytest.fixture
def store():
    with Store.in_memory() as store:
        yield store


def test_filter_ignores_case_and_newest_bounds_the_search(store):
    team_id = create_team(store, "acme").id
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with store.session() as session:
        for i in range(50):
            StatusEvent.record(
                session,
                team_id,
                f"identity:shop{i}.example",
                "status",
                "PENDING",
                "SUCCESS",
                f"Verified {'Rare Thing' if i == 3 else 'as usual'} #{i}",
                at=start + timedelta(minutes=i),
            )
    found = recent_events(store, team_id, text="rare thing")
    assert [e.message for e in found] == ["Verified Rare Thing #3"]
    assert [e.subject for e in recent_events(store, team_id, text="SHOP4")][:2] == [
        "identity:shop49.example",
        "identity:shop48.example",
    ]
    # Event 3 is the 47th newest: outside the newest 40, inside the newest 47.
    assert recent_events(store, team_id, text="rare thing", newest=40) == []
    assert len(recent_events(store, team_id, text="rare thing", newest=47)) == 1
    assert len(recent_events(store, team_id, text="usual", newest=10)) == 10
