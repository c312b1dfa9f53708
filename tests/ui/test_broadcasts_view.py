"""Broadcasts are findable and nothing is lost on close: the Broadcasts view (lazy model, per-row
Resume / Cancel / Report), interrupted broadcasts listed at start, closing the progress window
keeps sending, confirming a start, warning before a repeat, asking before quitting, and a
broadcast waiting for quota resuming by itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select, update

from sesdesk.models import Store, utcnow
from sesdesk.models.sending import Broadcast, Recipient
from sesdesk.services import broadcast_list, contacts, sending
from sesdesk.services.refresh import refresh_team
from sesdesk.services.runtime import open_app
from tests.conftest import FAKE_KEYS, connected_team

COMPOSITION = sending.Composition(
    from_address="news@shop.example", subject="Spring sale", text_body="Hi {{name}}"
)


def _set_up_team(home: Path, simulator, *, contacts_count: int, rate: float) -> int:
    """A team with a production mailer, a verified domain and a list of `contacts_count`."""
    simulator.set_production(True)
    simulator.set_quota(max_rate=rate)
    services = open_app(demo=False, home=home)
    try:
        store = services.store
        team_id = connected_team(
            store, simulator, "shop", keys=FAKE_KEYS, identity="shop.example", verify=True
        ).team_id
        contacts.create_list(store, team_id, "customers")
        for i in range(contacts_count):
            contacts.add_contact(store, team_id, "customers", f"c{i}@example.com", f"C {i}")
        return team_id
    finally:
        services.close()


def _interrupt(home: Path, team_id: int, *, sent: int, in_flight: int) -> int:
    """A broadcast left as a killed sesdesk leaves it: state `sending`, rows `sending`."""
    services = open_app(demo=False, home=home)
    try:
        draft = sending.create_broadcast(
            services.store, team_id, list_name="customers", composition=COMPOSITION
        )
        with services.store.session() as session:
            ids = session.scalars(
                select(Recipient.id)
                .where(Recipient.broadcast_id == draft.id)
                .order_by(Recipient.id)
            ).all()
            session.execute(
                update(Recipient).where(Recipient.id.in_(ids[:sent])).values(state="sent")
            )
            session.execute(
                update(Recipient)
                .where(Recipient.id.in_(ids[sent : sent + in_flight]))
                .values(state="sending")
            )
            session.execute(
                update(Broadcast)
                .where(Broadcast.id == draft.id)
                .values(state="sending", started_at=utcnow())
            )
        return draft.id
    finally:
        services.close()


@pytest.fixture
def endpoint(simulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    return simulator


def _click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_interrupted_broadcast_is_listed_at_start_resumed_and_keeps_sending_when_closed(
    open_window, qtbot, home, endpoint
):
    team_id = _set_up_team(home, endpoint, contacts_count=30, rate=10)
    broadcast_id = _interrupt(home, team_id, sent=5, in_flight=2)

    window = open_window()
    view = window.broadcasts_view
    qtbot.waitUntil(lambda: window.stack.currentWidget() is view, timeout=10_000)
    qtbot.waitUntil(view.interrupted_banner.isVisible, timeout=10_000)
    assert "stopped at 7 of 30" in view.interrupted_banner.text_label.text()
    assert "2 may or may not have received it" in view.interrupted_banner.text_label.text()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert view.model.data(view.model.index(0, 0)) == "#1 Spring sale → customers"
    assert view.button(broadcast_id, "resume").text() == "Resume"

    view.resume_interrupted_button.click()
    desk = window.sending_desk
    qtbot.waitUntil(lambda: desk.runs.is_running(broadcast_id), timeout=10_000)
    progress = desk.progress_windows[broadcast_id]
    qtbot.waitUntil(lambda: len(endpoint.sent_messages()) >= 2, timeout=10_000)
    progress.close()  # closing the window must not pause the broadcast
    assert desk.runs.is_running(broadcast_id)
    assert desk.indicator.isVisible()
    assert desk.indicator.text().startswith(f"Sending broadcast {broadcast_id}")
    qtbot.waitUntil(lambda: not desk.runs.is_running(broadcast_id), timeout=20_000)
    assert not desk.indicator.isVisible()
    status = broadcast_list.read_status(window.services.store, team_id, broadcast_id)
    assert (status.state, status.sent, status.uncertain, status.pending) == ("done", 28, 2, 0)
    assert len(endpoint.sent_messages()) == 23  # the 5 sent before and 2 uncertain: never again
    qtbot.waitUntil(lambda: not view.interrupted_banner.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert view.model.data(view.model.index(0, 1)) == "Done"
    assert not view.button(broadcast_id, "resume").isEnabled()

    view.button(broadcast_id, "report").click()
    report = desk.report_dialog
    qtbot.waitUntil(lambda: report.table.rowCount() == 2, timeout=10_000)
    assert {report.table.item(r, 1).text() for r in range(2)} == {"uncertain"}
    assert "28 sent" in report.summary.text()


def test_a_running_broadcast_is_named_once_and_enter_or_escape_never_pause_it(
    open_window, qtbot, home, endpoint
):
    team_id = _set_up_team(home, endpoint, contacts_count=40, rate=10)
    broadcast_id = _interrupt(home, team_id, sent=0, in_flight=0)
    window = open_window()
    view = window.broadcasts_view
    qtbot.waitUntil(view.interrupted_banner.isVisible, timeout=10_000)
    view.resume_interrupted_button.click()
    desk = window.sending_desk
    qtbot.waitUntil(lambda: desk.runs.is_running(broadcast_id), timeout=10_000)
    progress = desk.progress_windows[broadcast_id]
    qtbot.waitUntil(progress.pause_button.isVisible, timeout=10_000)
    # The indicator names the run; the status bar does not repeat it beside the indicator.
    assert desk.indicator.text().startswith(f"Sending broadcast {broadcast_id}")
    assert "Sending broadcast" not in window.status.operation_label.text()

    # Enter on the focused Pause button goes to Close, the only default: the run goes on.
    assert not progress.pause_button.autoDefault() and not progress.pause_button.isDefault()
    assert progress.close_button.isDefault()
    progress.pause_button.setFocus()
    qtbot.keyClick(progress.pause_button, Qt.Key.Key_Return)
    assert not progress.isVisible()
    assert progress.pause_button.isEnabled() and progress.state_label.text() != "Pausing…"
    assert desk.runs.is_running(broadcast_id)

    # Escape closes the window as Close does; the broadcast keeps sending.
    desk.open_progress(team_id, broadcast_id)
    assert progress.isVisible()
    qtbot.keyClick(progress, Qt.Key.Key_Escape)
    assert not progress.isVisible()
    assert desk.runs.is_running(broadcast_id)
    qtbot.waitUntil(lambda: not desk.runs.is_running(broadcast_id), timeout=30_000)
    status = broadcast_list.read_status(window.services.store, team_id, broadcast_id)
    assert (status.state, status.sent) == ("done", 40)


def test_new_broadcast_is_confirmed_and_a_repeat_to_the_same_list_warns(
    open_window, qtbot, home, endpoint
):
    team_id = _set_up_team(home, endpoint, contacts_count=6, rate=20)
    window = open_window()
    qtbot.waitUntil(lambda: window.dashboard.team_id == team_id, timeout=10_000)
    window.pages.show_broadcasts()
    window.broadcasts_view.new_button.click()
    compose = window.fixes.last_opened
    assert compose.kind == "broadcast"  # "New broadcast…" opens on a broadcast
    qtbot.waitUntil(lambda: compose.list_combo.count() > 0, timeout=10_000)
    compose.subject_edit.setText("Spring sale")
    compose.text_edit.setPlainText("Hi {{name}}")
    compose.send_button.click()

    desk = window.sending_desk
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=10_000)
    box = desk.confirm_box
    assert box.text() == "Send to 6 people now?"
    details = box.informativeText()
    assert "From: news@shop.example" in details and "List: customers" in details
    assert "Today's quota left: 50000" in details
    assert endpoint.sent_messages() == []
    _click(box, "Send now")
    broadcast_id = box.property("broadcast_id")
    qtbot.waitUntil(lambda: broadcast_id in desk.progress_windows, timeout=10_000)
    progress = desk.progress_windows[broadcast_id]
    with qtbot.waitSignal(progress.finished_run, timeout=20_000):
        pass
    assert progress.state_label.text() == "Done"
    assert not progress.banner.isVisible()  # never "already being sent"
    assert len(endpoint.sent_messages()) == 6
    # Compose closed once the broadcast was made: it would stand in front of the progress.
    assert not compose.isVisible()

    window.open_fix("compose")  # the same subject to the same list again
    compose = window.fixes.last_opened
    qtbot.waitUntil(lambda: compose.list_combo.count() > 0, timeout=10_000)
    compose.kind_combo.setCurrentIndex(2)
    compose.subject_edit.setText("Spring sale")
    compose.text_edit.setPlainText("Hi {{name}}")
    compose.send_button.click()
    qtbot.waitUntil(lambda: compose.duplicate_box is not None, timeout=10_000)
    warning = compose.duplicate_box
    assert "customers already received “Spring sale”" in warning.text()
    _click(warning, "Go back")
    assert desk.confirm_box is None
    store = window.services.store
    assert broadcast_list.count_broadcasts(store, team_id) == 1

    compose.subject_edit.setText("Summer sale")
    compose.send_button.click()
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=10_000)
    _click(desk.confirm_box, "Not now")
    qtbot.wait(200)
    assert broadcast_list.count_broadcasts(store, team_id) == 2
    assert len(endpoint.sent_messages()) == 6  # "Not now" sent nothing; the draft stays listed
    window.pages.show_broadcasts()
    view = window.broadcasts_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    assert view.model.data(view.model.index(0, 1)) == "Ready to send"


def test_closing_the_window_mid_broadcast_asks_then_pauses_with_nothing_uncertain(
    open_window, qtbot, home, endpoint
):
    team_id = _set_up_team(home, endpoint, contacts_count=60, rate=5)
    window = open_window()
    store = window.services.store
    draft = sending.create_broadcast(store, team_id, list_name="customers", composition=COMPOSITION)
    desk = window.sending_desk
    desk.open_progress(team_id, draft.id, start=True)
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=10_000)
    _click(desk.confirm_box, "Send now")
    qtbot.waitUntil(lambda: len(endpoint.sent_messages()) >= 3, timeout=10_000)

    window.close()
    assert window.isVisible()  # asked first
    assert desk.quit_box is not None
    _click(desk.quit_box, "Keep sending")
    assert window.isVisible() and desk.runs.is_running(draft.id)

    window.close()
    with qtbot.waitSignal(window.closed, timeout=20_000):
        _click(desk.quit_box, "Pause and quit")
    status = broadcast_list.read_status(store, team_id, draft.id)
    assert status.state == "paused"
    assert status.uncertain == 0 and status.in_flight == 0
    assert 0 < status.sent < 60 and status.sent + status.pending == 60
    assert status.sent == len(endpoint.sent_messages())


def test_broadcast_waiting_for_quota_says_so_and_resumes_when_quota_returns(
    open_window, qtbot, home, endpoint
):
    team_id = _set_up_team(home, endpoint, contacts_count=8, rate=20)
    endpoint.set_quota(max_24h=3)
    window = open_window()
    store = window.services.store
    refresh_team(store, team_id)
    draft = sending.create_broadcast(store, team_id, list_name="customers", composition=COMPOSITION)
    desk = window.sending_desk
    desk.open_progress(team_id, draft.id, start=True)
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=10_000)
    assert "Only 3 can go out today" in desk.confirm_box.informativeText()
    _click(desk.confirm_box, "Send now")
    qtbot.waitUntil(lambda: draft.id in desk.progress_windows, timeout=10_000)
    progress = desk.progress_windows[draft.id]
    with qtbot.waitSignal(progress.finished_run, timeout=20_000) as ended:
        pass
    assert ended.args[0].status.state == "waiting_quota"
    assert progress.state_label.text() == "Waiting for the daily quota"
    words = progress.rate_label.text()
    assert "resumes this broadcast by itself" in words and "broadcast send" not in words
    assert progress.rate_label.wordWrap()

    endpoint.set_quota(max_24h=1000)
    refresh_team(store, team_id)  # what the poller does; it then says the store changed
    window.bridge.store_changed.emit(team_id)
    qtbot.waitUntil(
        lambda: broadcast_list.read_status(store, team_id, draft.id).state == "done",
        timeout=20_000,
    )
    qtbot.waitUntil(lambda: not desk.runs.running_ids(), timeout=10_000)
    assert len(endpoint.sent_messages()) == 8


def test_broadcast_model_loads_a_page_at_a_time(qtbot, qtmodeltester, bridge, tmp_path, endpoint):
    from sesdesk.ui.sending.broadcasts import PAGE, BroadcastTableModel

    team_id = _set_up_team(tmp_path, endpoint, contacts_count=1, rate=10)
    with Store.open(tmp_path / "sesdesk.db") as store:
        for _ in range(PAGE * 2 + 5):
            sending.create_broadcast(store, team_id, list_name="customers", composition=COMPOSITION)
        model = BroadcastTableModel(bridge, store)
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.set_team(team_id)
        assert model.rowCount() == PAGE
        assert model.canFetchMore()
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.fetchMore()
        assert model.rowCount() == PAGE * 2
        assert model.data(model.index(0, 0)).startswith(f"#{PAGE * 2 + 5} ")
        qtmodeltester.check(model)


def test_compose_warns_when_the_list_is_bigger_than_the_quota_left(
    qtbot, bridge, tmp_path, endpoint
):
    from sesdesk.ui.sending import ComposeWindow

    team_id = _set_up_team(tmp_path, endpoint, contacts_count=8, rate=10)
    endpoint.set_quota(max_24h=5)
    with Store.open(tmp_path / "sesdesk.db") as store:
        refresh_team(store, team_id)
        window = ComposeWindow(bridge, store, team_id)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.list_combo.count() > 0, timeout=10_000)
        window.kind_combo.setCurrentIndex(2)  # broadcast
        qtbot.waitUntil(window.quota_label.isVisible, timeout=10_000)
        words = window.quota_label.text()
        assert "customers has 8 subscribed contacts" in words
        assert "only 5 more messages may go out today" in words
        window.kind_combo.setCurrentIndex(0)  # a test email: no list, no warning
        assert not window.quota_label.isVisible()


def test_cancel_from_the_broadcasts_view_asks_first(open_window, qtbot, home, endpoint):
    team_id = _set_up_team(home, endpoint, contacts_count=3, rate=10)
    broadcast_id = _interrupt(home, team_id, sent=1, in_flight=0)
    window = open_window()
    view = window.broadcasts_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    desk = window.sending_desk
    view.button(broadcast_id, "cancel").click()
    assert desk.cancel_box is not None
    _click(desk.cancel_box, "Keep it")
    store = window.services.store
    # Untouched: an interrupted broadcast (nobody holds its lease) reads as paused.
    assert broadcast_list.read_status(store, team_id, broadcast_id).state == "paused"
    view.button(broadcast_id, "cancel").click()
    _click(desk.cancel_box, "Cancel broadcast")
    qtbot.waitUntil(
        lambda: broadcast_list.read_status(store, team_id, broadcast_id).state == "stopped",
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: view.model.data(view.model.index(0, 1)) == "Cancelled", timeout=10_000)
    assert not view.button(broadcast_id, "cancel").isEnabled()
    assert endpoint.sent_messages() == []


def test_the_interrupted_strip_does_not_say_paused_twice():
    from sesdesk.ui.sending.broadcasts import _without_state

    assert _without_state("paused: sesdesk was closed") == "sesdesk was closed"
    assert _without_state("Stopped: the keys were revoked") == "the keys were revoked"
    assert _without_state("the disk is full: 3 MB free") == "the disk is full: 3 MB free"
