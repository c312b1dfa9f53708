"""Demo mode keeps its records between runs, re-creates the simulated account they need, says
so in the banner, and wipes them only through File ▸ Reset demo… after asking."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from sesdesk.services import contacts, sending
from sesdesk.services.refresh import refresh_team
from sesdesk.services.runtime import open_app
from sesdesk.services.teams import list_teams
from tests.conftest import send_to_new_list

pytestmark = pytest.mark.timeout(120)


def _click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


def _first_run(home) -> tuple[int, int]:
    """A first demo run: a verified domain, production, a list and a sent broadcast."""
    services = open_app(demo=True, home=home)
    try:
        demo = services.demo
        store, team_id = services.store, demo.team_id
        demo.simulator.set_identity_status("demo-shop.example", "SUCCESS")
        demo.simulator.set_production(True)
        demo.simulator.set_quota(max_rate=20)
        refresh_team(store, team_id)
        broadcast_id = send_to_new_list(store, team_id, "news@demo-shop.example")
        return team_id, broadcast_id
    finally:
        services.close()


def test_demo_records_survive_a_restart_and_reset_demo_wipes_them(open_window, qtbot, home):
    team_id, _broadcast_id = _first_run(home)

    window = open_window(demo=True)
    assert "kept between runs" in window.demo_banner.text_label.text()
    assert "Reset demo" in window.demo_banner.text_label.text()
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    snapshot = window.dashboard.snapshot
    assert snapshot.team_id == team_id
    # The simulated account was re-created for the kept records: keys work, the domain is
    # verified, production is on — and the dashboard read it back from the simulator.
    assert snapshot.mailer.access == "ok"
    statuses = {i.name: i.status for i in snapshot.identities}
    assert statuses["demo-shop.example"] == "SUCCESS"
    assert snapshot.account.production
    store = window.services.store
    assert [info.name for info in contacts.list_lists(store, team_id)] == ["customers"]
    window.pages.show_broadcasts()
    view = window.broadcasts_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert view.model.data(view.model.index(0, 1)) == "Done"
    # The kept keys send again.
    again = sending.send_test_email(
        store,
        team_id,
        to="success@simulator.amazonses.com",
        composition=sending.Composition(
            from_address="news@demo-shop.example", subject="Still here", text_body="x"
        ),
    )
    assert again.status.sent == 1
    # SES's contact list was made again with the list's contacts: the simulator's
    # "unsubscribe" works on them at once, and the next poll brings the unsubscribe back.
    panel = window.simulator_panel
    panel.unsubscribe.address.setText("c1@example.com")
    with qtbot.waitSignal(panel.unsubscribe.action_done, timeout=30_000):
        panel.unsubscribe.button.click()
    rows = {r.email: r.status for r in contacts.list_contacts(store, team_id, "customers")}
    assert rows == {
        "c0@example.com": "subscribed",
        "c1@example.com": "unsubscribed",
        "c2@example.com": "subscribed",
    }

    file_menu = window.menuBar().actions()[0].menu()
    assert "Reset demo…" in [a.text().replace("&", "") for a in file_menu.actions()]
    box = window.demo_reset.ask()
    _click(box, "Keep my demo")
    assert contacts.list_lists(store, team_id)  # nothing wiped without saying yes

    box = window.demo_reset.ask()
    _click(box, "Reset demo")
    qtbot.waitUntil(
        lambda: window.status.currentMessage() == "The demo starts afresh.", timeout=30_000
    )
    qtbot.waitUntil(
        lambda: (
            {i.name: i.status for i in window.dashboard.snapshot.identities}.get(
                "demo-shop.example"
            )
            == "PENDING"
        ),
        timeout=30_000,
    )
    assert not window.dashboard.snapshot.account.production
    teams = list_teams(store)
    assert [t.name for t in teams] == [window.services.demo.team_name]
    assert contacts.list_lists(store, teams[0].id) == []
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10_000)
