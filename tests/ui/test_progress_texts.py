"""The progress window says what is true while a broadcast pauses and resumes, its counts add up
to the total, Ctrl+W closes it (and the report), and once finished it leads to the report."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from sesdesk.services import broadcast_list, contacts, sending
from sesdesk.services.refresh import refresh_team
from sesdesk.ui.sending import SendProgressWindow
from sesdesk.ui.sending.progress import PAUSING_TEXT
from sesdesk.ui.sending.report import BroadcastReportDialog
from tests.conftest import FAKE_KEYS, connected_team

COMPOSITION = sending.Composition(
    from_address="news@shop.example", subject="Hi {{name}}", text_body="x"
)


@pytest.fixture
def draft_id(store, simulator, monkeypatch) -> tuple[int, int]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team_id = connected_team(
        store, simulator, "shop", keys=FAKE_KEYS, identity="shop.example", verify=True
    ).team_id
    simulator.set_production(True)
    simulator.set_quota(max_rate=4)
    refresh_team(store, team_id)
    contacts.create_list(store, team_id, "all")
    for i in range(10):
        contacts.add_contact(store, team_id, "all", f"user{i}@example.com", f"User {i}")
    draft = sending.create_broadcast(store, team_id, list_name="all", composition=COMPOSITION)
    return team_id, draft.id


def _window(qtbot, bridge, store, team_id, broadcast_id) -> SendProgressWindow:
    window = SendProgressWindow(bridge, store, team_id, broadcast_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.resume_button.isVisible(), timeout=10_000)
    return window


def test_pausing_and_resuming_say_what_is_true(qtbot, bridge, store, draft_id, simulator):
    team_id, broadcast_id = draft_id
    window = _window(qtbot, bridge, store, team_id, broadcast_id)
    simulator.set_latency(0.4)
    window.start()
    assert "Stopped" not in window.rate_label.text()
    qtbot.waitUntil(lambda: int(window.counts["sent"].text()) >= 1, timeout=15_000)
    window.pause()
    assert window.state_label.text() == PAUSING_TEXT
    # While pausing, progress reports never show a rate or a time left.
    seen: list[str] = []
    window.runs.progressed.connect(lambda *_: seen.append(window.rate_label.text()))
    with qtbot.waitSignal(window.finished_run, timeout=15_000):
        pass
    assert seen and not any("recipients/s" in text or "time left" in text for text in seen)
    assert window.state_label.text() == "Paused"
    assert "paused by the user" in window.rate_label.text()

    window.start()  # Resume: the reason it stopped is gone at once
    assert window.state_label.text() == "Sending…"
    assert "paused by the user" not in window.rate_label.text()
    with qtbot.waitSignal(window.finished_run, timeout=30_000):
        pass
    assert window.state_label.text() == "Done"


def test_counts_add_up_while_messages_are_on_their_way(qtbot, bridge, store, draft_id):
    team_id, broadcast_id = draft_id
    window = _window(qtbot, bridge, store, team_id, broadcast_id)
    status = broadcast_list.read_status(store, team_id, broadcast_id)
    on_the_way = replace(status, state="sending", pending=6, in_flight=4)
    window._show_progress(sending.Progress(on_the_way, 0.0, 14.0, 0.3, 0))
    assert window.bar.text().startswith("0 of 10")
    shown = sum(int(label.text()) for label in window.counts.values())
    assert shown == 10  # the 4 on their way count as not done yet
    # No answer from AWS yet: no rate of 0 and no "about 1 s" guess.
    assert "0.0 recipients/s" not in window.rate_label.text()
    assert "time left" not in window.rate_label.text()

    all_handled = replace(status, state="sending", sent=10, pending=0, in_flight=0)
    window._show_progress(sending.Progress(all_handled, 12.0, 14.0, 0.0, 0))
    assert "time left" not in window.rate_label.text()


def test_finished_window_opens_the_report_and_ctrl_w_closes(
    qtbot, bridge, store, draft_id, simulator
):
    team_id, broadcast_id = draft_id
    simulator.set_quota(max_rate=50)
    window = _window(qtbot, bridge, store, team_id, broadcast_id)
    assert not window.report_button.isVisible()  # a draft has nothing to report
    with qtbot.waitSignal(window.finished_run, timeout=20_000):
        window.start()
    assert window.report_button.isVisible() and window.report_button.isEnabled()
    opened: list[tuple[int, int]] = []
    window.report_opener = lambda team, broadcast: opened.append((team, broadcast))
    window.report_button.click()
    assert opened == [(team_id, broadcast_id)]

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()

    window.report_opener = None  # a window on its own opens the report itself
    window.show()
    window.report_button.click()
    (report,) = window.findChildren(BroadcastReportDialog)
    qtbot.waitUntil(report.isVisible, timeout=5_000)
    report.activateWindow()
    qtbot.waitUntil(report.isActiveWindow, timeout=5_000)
    qtbot.keyClick(report, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not report.isVisible()
