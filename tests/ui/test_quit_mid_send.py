"""Quitting mid-send with "Pause and quit": the window says it is pausing, closes as soon as no
message is on its way (not after the run's closing reads of AWS), leaves no sesdesk window on
screen, and the store stays open until the broadcast has recorded its pause: nothing is sent
twice or left uncertain. The Broadcasts list shows a broadcast it sends as sending."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QMessageBox

from sesdesk.services import broadcast_list, sending
from sesdesk.ui.sending.progress import PAUSING_TEXT
from tests.ui.test_broadcasts_view import COMPOSITION, _set_up_team


@pytest.fixture
def endpoint(simulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    yield simulator
    simulator.set_latency(0)


def _click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_pause_and_quit_closes_every_window_once_nothing_is_in_flight(
    open_window,
    qtbot,
    home,
    endpoint,
):
    team_id = _set_up_team(home, endpoint, contacts_count=40, rate=4)
    window = open_window()
    store = window.services.store
    draft = sending.create_broadcast(store, team_id, list_name="customers", composition=COMPOSITION)
    desk = window.sending_desk
    view = window.broadcasts_view
    window.pages.show_broadcasts()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert view.model.data(view.model.index(0, 1)) == "Ready to send"
    endpoint.set_latency(0.8)  # every AWS call, the sends and the run's closing reads
    desk.open_progress(team_id, draft.id, start=True)
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=10_000)
    _click(desk.confirm_box, "Send now")
    # Started: the list says so at once, before the run's first send is recorded.
    qtbot.waitUntil(lambda: desk.runs.is_running(draft.id), timeout=10_000)
    assert view.model.data(view.model.index(0, 1)) == "Sending…"
    qtbot.waitUntil(lambda: len(endpoint.sent_messages()) >= 2, timeout=20_000)
    progress = desk.progress_windows[draft.id]
    assert progress.isVisible()

    window.close()
    _click(desk.quit_box, "Pause and quit")
    assert progress.state_label.text() == PAUSING_TEXT
    assert desk.indicator.text() == PAUSING_TEXT
    with qtbot.waitSignal(window.closed, timeout=20_000):
        pass
    # Closed once the sends in flight landed, while the run still reads the account
    # (two calls of 0.8 s each) and gives its leases back.
    assert desk.runs.threads_alive()
    assert not progress.isVisible()
    assert not window.isVisible()

    detaching = asyncio.ensure_future(window.detach())  # what quitting does before closing
    qtbot.waitUntil(detaching.done, timeout=30_000)
    assert not desk.runs.threads_alive()
    status = broadcast_list.read_status(store, team_id, draft.id)
    assert status.state == "paused"
    assert status.uncertain == 0 and status.in_flight == 0
    assert 0 < status.sent < 40 and status.sent + status.pending == 40
    assert status.sent == len(endpoint.sent_messages())
