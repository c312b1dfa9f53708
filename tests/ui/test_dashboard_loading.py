"""Until the store has been read the dashboard says it is reading: never "No team yet" while the
team list is being read, and never a team's empty cards (root-key advice beside "No AWS account
is connected… Connect AWS…") before its first read is shown."""

from __future__ import annotations

import sys
from pathlib import Path

from sesdesk.ui.dashboard import NO_TEAM, READING_TEAMS, DashboardArea
from sesdesk.ui.dashboard.view import LOADING, UNREAD, DashboardView

sys.path.insert(0, str(Path(__file__).parent))
from dashboard_states import build_state


def test_the_area_says_it_reads_the_teams_until_told_there_is_none(qtbot, bridge, store):
    area = DashboardArea(bridge, store)
    qtbot.addWidget(area)
    area.show()
    assert area.currentWidget() is area.empty_label
    assert area.empty_label.text() == READING_TEAMS
    area.show_team(None)
    assert area.empty_label.text() == NO_TEAM


def test_a_team_shows_reading_until_its_first_read_is_shown(qtbot, bridge, store):
    view = DashboardView(bridge, store, build_state(store, "verified-sandbox"))
    qtbot.addWidget(view)
    view.show()
    # Before the read lands no card shows: not the credentials card's contradictory defaults.
    assert view.data is None
    assert view.pages.currentWidget() is view.loading_label
    assert view.loading_label.text() == LOADING
    assert not view.credentials.isVisible()
    assert not view.credentials.root_warning.isVisibleTo(view.credentials)
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    assert view.pages.currentWidget() is view.scroll_area
    assert view.credentials.connected.isVisible()
    assert not view.credentials.disconnected.isVisible()
    assert not view.credentials.root_warning.isVisible()  # the stored mailer is no root key


def test_a_failed_first_read_says_so(qtbot, bridge, store):
    store.close()  # every read now fails
    view = DashboardView(bridge, store, 1)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.loading_label.text().startswith(UNREAD), timeout=10_000)
    assert view.pages.currentWidget() is view.loading_label
