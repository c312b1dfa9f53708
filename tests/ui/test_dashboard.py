"""The dashboard cards in each state, on a real store (no AWS needed: states are stored)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from sesdesk.models import Store
from sesdesk.ui.dashboard.view import DashboardView

sys.path.insert(0, str(Path(__file__).parent))
from dashboard_states import STATES, build_state


def open_view(qtbot: Any, bridge: Any, store: Store, state: str) -> DashboardView:
    team_id = build_state(store, state)
    view = DashboardView(bridge, store, team_id)
    qtbot.addWidget(view)
    view.resize(1100, 900)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    return view


def can(view: DashboardView) -> dict[str, tuple[str, str, bool]]:
    """kind → (answer pill, fix button text, button visible)."""
    return {
        kind: (row.answer.text(), row.button.text(), row.button.isVisibleTo(view))
        for kind, row in view.can_send.rows.items()
    }


def test_no_mailer(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "no-mailer")
    assert view.credentials.disconnected.isVisibleTo(view)
    assert view.credentials.access.text() == "Not connected"
    rows = can(view)
    assert rows["test_email"] == ("No", "Connect AWS…", True)
    assert not view.can_send.rows["broadcast"].answer.isVisibleTo(view)  # said once
    assert view.can_send.rows["test_email"].title.text() == "Any sending"
    assert view.account.unknown.isVisibleTo(view)
    assert not view.account.apply_button.isVisibleTo(view)
    assert not view.identities.add_button.isEnabled()
    assert view.warnings.codes() == []
    assert not view.warnings.refresh_button.isEnabled()
    assert view.quota.sent.text() == "—"
    with qtbot.waitSignal(view.fix_requested) as signal:
        view.credentials.connect_button.click()
    assert signal.args == ["connect", ""]
    with qtbot.waitSignal(view.fix_requested) as signal:
        view.can_send.rows["test_email"].button.click()
    assert signal.args == ["connect", ""]


def test_pending(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "pending")
    assert view.warnings.codes() == ["identity_pending", "identity_pending"]
    assert can(view)["test_email"][:2] == ("No", "Show what to do…")
    assert "waiting for AWS to verify" in view.can_send.rows["test_email"].reason.text()
    model = view.identities.model
    assert model.rowCount() == 2
    assert {model.index(r, 2).data() for r in range(2)} == {"Pending"}
    assert "open the link AWS sent" in model.index(1, 3).data()
    assert "DNS records" in model.index(0, 3).data()
    with qtbot.waitSignal(view.fix_requested) as signal:
        view.can_send.rows["test_email"].button.click()
    assert signal.args == ["verify", "acme-shop.example"]
    # The view points at the identity concerned.
    assert view.identities.selected().name == "acme-shop.example"
    assert view.identities.records_button.isEnabled()
    with qtbot.waitSignal(view.fix_requested) as signal:
        view.identities.records_button.click()
    assert signal.args == ["records", "acme-shop.example"]


def test_verified_sandbox(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "verified-sandbox")
    rows = can(view)
    assert rows["test_email"][0] == "Yes (verified recipients)"
    assert rows["test_campaign"][0] == "Yes (verified recipients)"
    assert rows["broadcast"] == ("No", "Apply for production access…", True)
    assert view.account.mode.text() == "Sandbox"
    assert view.account.apply_button.isVisibleTo(view)
    assert view.quota.sent.text() == "37 of 200"
    assert view.quota.left.text() == "163"
    assert view.quota.rate.text() == "1 / s"
    assert view.quota.sends_set.count() == 14
    assert view.quota.quota_line.at(0).y() == 200
    assert "identity_failed" in view.warnings.codes()
    view.identities.select("old-brand.example")
    assert view.identities.retry_button.isEnabled()
    with qtbot.waitSignal(view.fix_requested) as signal:
        view.identities.retry_button.click()
    assert signal.args == ["retry", "old-brand.example"]
    with qtbot.waitSignal(view.fix_requested) as signal:
        view.can_send.rows["broadcast"].button.click()
    assert signal.args == ["apply", ""]


def test_review_pending(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "review-pending")
    assert view.account.review.text().startswith("Review pending since")
    assert not view.account.apply_button.isVisibleTo(view)
    assert "review pending since" in view.can_send.rows["broadcast"].reason.text()
    assert can(view)["test_email"][0] == "Yes (verified recipients)"
    assert view.warnings.codes() == ["review_pending"]
    assert view.account.case.text() == "172839465"


def test_production(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "production")
    assert {kind: row[0] for kind, row in can(view).items()} == {
        "test_email": "Yes",
        "test_campaign": "Yes",
        "broadcast": "Yes",
    }
    assert not any(row[2] for row in can(view).values())
    assert view.account.mode.text() == "Production"
    assert view.warnings.codes() == []
    assert view.quota.sent.text() == "1,250 of 50,000"
    assert view.quota.quota_line.at(0).y() == 50000
    assert max(view.quota.sends_set.at(i) for i in range(14)) == 4000


def test_lost_access(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "lost-access")
    assert view.warnings.codes()[0] == "lost_access"
    banner = view.warnings.banners[0]
    assert banner.property("tone") == "error"
    assert "lost access" in banner.text_label.text()
    assert view.credentials.access.text() == "Lost access"
    assert view.credentials.reconnect_button.isDefault()
    assert can(view)["test_email"] == ("No", "Reconnect…", True)
    assert not view.account.apply_button.isEnabled()
    buttons = {b.text(): b for b in banner.findChildren(type(view.warnings.refresh_button))}
    with qtbot.waitSignal(view.fix_requested) as signal:
        buttons["Reconnect…"].click()
    assert signal.args == ["reconnect", ""]
    with qtbot.waitSignal(view.fix_requested) as signal:
        buttons["Delete mailer…"].click()
    assert signal.args == ["delete_mailer", ""]


def test_offline_shows_the_last_known_state(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "offline")
    assert view.warnings.codes()[0] == "offline"
    assert view.warnings.banners[0].text_label.text().startswith("Offline since")
    assert view.credentials.access.text() == "Offline"
    assert "offline since" in view.credentials.last_checked.text()
    # The last known state is still there.
    assert view.identities.model.rowCount() == 3
    assert view.quota.sent.text() == "37 of 200"
    assert can(view)["test_email"][0] == "Yes (verified recipients)"


def test_history_filter_and_csv_export(qtbot, bridge, store, tmp_path):
    view = open_view(qtbot, bridge, store, "verified-sandbox")
    total = view.history.visible_rows()
    assert total >= 6
    view.history.filter.setText("old-brand")
    assert 0 < view.history.visible_rows() < total
    view.history.filter.setText("HOST_NOT_FOUND")
    assert view.history.visible_rows() == 1
    target = tmp_path / "history.csv"
    with qtbot.waitSignal(view.history.exported, timeout=10_000) as signal:
        view.history.export_csv(target)
    assert signal.args == [str(target), 1]
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["at_utc", "subject", "field", "old", "new", "message"]
    assert rows[1][1:5] == ["identity:old-brand.example", "status", "PENDING", "FAILED"]


def test_every_state_builds(qtbot, bridge, store):
    assert len(STATES) == 7


def test_store_changed_reloads_the_view(qtbot, bridge, store):
    from sesdesk.models import SenderIdentity

    view = open_view(qtbot, bridge, store, "pending")
    with store.session() as session:
        for row in session.query(SenderIdentity).all():
            row.status = "SUCCESS"
    with qtbot.waitSignal(view.data_loaded, timeout=10_000):
        bridge.store_changed.emit(view.team_id)
    assert can(view)["test_email"][0] == "Yes (verified recipients)"
    assert "identity_pending" not in view.warnings.codes()


def test_a_read_lands_in_stages_and_data_is_set_last(qtbot, bridge, store):
    from sesdesk.models import SenderIdentity

    view = open_view(qtbot, bridge, store, "pending")
    seen: list[tuple[int, int, str]] = []

    def landed(data: Any) -> None:
        # Every card already shows the read when `data` is set and data_loaded fires.
        assert view.data is data
        seen.append(
            (
                view.identities.model.rowCount(),
                len(data.snapshot.identities),
                view.identities.model.index(0, 2).data(),
            )
        )

    view.data_loaded.connect(landed)
    with store.session() as session:
        for row in session.query(SenderIdentity).all():
            row.status = "SUCCESS"
    ticks: list[tuple[str, int]] = []
    timer = QTimer()
    timer.timeout.connect(
        lambda: ticks.append((view.identities.model.index(0, 2).data(), len(seen)))
    )
    timer.start(0)
    with qtbot.waitSignal(view.data_loaded, timeout=10_000):
        view.reload()
    timer.stop()
    assert seen == [(2, 2, "Verified")]
    assert view.quota.sent.text() != ""
    # The event loop ran between the stages (Qt paints there): after the identities showed
    # the read and before the last card did, so no single long block.
    assert ("Verified", 0) in ticks


def test_notifier_falls_back_to_a_toast(qtbot):
    from PySide6.QtWidgets import QWidget

    from sesdesk.ui.dashboard.notifications import Notifier

    window = QWidget()
    qtbot.addWidget(window)
    window.resize(600, 400)
    window.show()
    notifier = Notifier(window, use_tray=False)
    notifier.notify("acme.test is verified", "You can send from it.")
    assert not notifier.uses_tray
    assert notifier.toast.isVisible()
    assert notifier.toast.title.text() == "acme.test is verified"
    assert notifier.shown == [("acme.test is verified", "You can send from it.")]


def test_a_refresh_ending_while_new_data_is_staged_keeps_the_new_warnings(
    qtbot, bridge, store, monkeypatch
):
    from types import SimpleNamespace

    from sesdesk.services.mailers import mark_lost
    from sesdesk.ui.dashboard import view as view_module

    view = open_view(qtbot, bridge, store, "verified-sandbox")
    assert "lost_access" not in view.warnings.codes()
    # Slow stages, so the refresh's end lands between the warnings and the last card.
    monkeypatch.setattr(view_module, "STAGE_GAP_MS", 300)
    view.refresh_now()  # no poller: a background cycle; its end is simulated below
    mark_lost(store, view.team_id, "The keys were deleted in IAM.")
    view.reload()
    qtbot.waitUntil(lambda: view.credentials.access.text() == "Lost access", timeout=10_000)
    assert view.data is not None and "lost_access" not in [
        w.code for w in view.data.gate.warnings
    ]  # still staging: `data` is the old read
    view._refreshing = True
    view._cycle_finished(SimpleNamespace(team_id=view.team_id))
    assert "lost_access" in view.warnings.codes()


def test_can_send_reasons_keep_their_width_beside_the_simulator_dock(qtbot, bridge, store):
    view = open_view(qtbot, bridge, store, "verified-sandbox")
    # The dashboard's share of a 1000-px window beside the Simulator dock.
    view.resize(690, 900)
    qtbot.waitUntil(lambda: view.can_send.rows["broadcast"].button.isVisibleTo(view))
    qtbot.wait(50)
    rows = view.can_send.rows
    # The fix button stands under its reason, so the reasons keep the card's width.
    button, reason = rows["broadcast"].button, rows["broadcast"].reason
    below = reason.mapTo(view, reason.rect().bottomLeft()).y()
    assert button.mapTo(view, button.rect().topLeft()).y() > below
    for kind, row in rows.items():
        assert row.reason.width() >= view.can_send.width() // 3, kind
