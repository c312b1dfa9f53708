"""The readiness card on the dashboard and the readiness lines of the send confirmation:
the check runs off the GUI thread, each failure has its button, Set up MAIL FROM sets it in
SES and opens the records, and only a blocking failure disables Send."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.services import contacts, sending
from sesdesk.services.mailers import save_mailer
from sesdesk.services.readiness.checks import DMARC, MAIL_FROM, ONE_CLICK
from sesdesk.services.refresh import refresh_team
from sesdesk.services.runtime import open_app
from sesdesk.services.teams import create_team
from sesdesk.ui.dashboard.readiness import ReadinessCard
from tests.conftest import connected_team

pytestmark = pytest.mark.timeout(120)
DOMAIN = "acme.test"
FAKE_KEYS = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def _card(bridge, store, team_id, qtbot, dns_server) -> ReadinessCard:
    card = ReadinessCard(bridge, store, team_id)
    qtbot.addWidget(card)
    qtbot.waitUntil(lambda: not card.busy, timeout=20_000)  # the first check, with any DNS
    card.dns = dns_server.config()
    card.budget = 15.0  # what the card shows, not how fast: a loaded CI machine may be slow
    with qtbot.waitSignal(card.checked, timeout=20_000):
        card.check_now()
    return card


def test_card_shows_each_check_with_its_fix_and_sets_up_mail_from(
    bridge, store, sim, qtbot, dns_server
):
    team_id, _, facade = connected_team(store, sim, identity=DOMAIN, verify=True)
    card = _card(bridge, store, team_id, qtbot, dns_server)
    result = card.result
    assert result is not None and result.from_address == DOMAIN
    pill, _title, message, _button = card.rows[MAIL_FROM]
    assert pill.text() == "✗ Fails" and pill.tone == "bad"
    assert "No custom MAIL FROM" in message.text()
    assert card.button(MAIL_FROM).text() == "Set up MAIL FROM"
    assert card.button(DMARC).text() == "Show DNS records…"
    assert card.rows[ONE_CLICK][0].text() == "✓ Passes"
    assert card.button(ONE_CLICK).isHidden()
    assert card.summary.text() == "2 to fix"

    asked: list[tuple[str, str]] = []
    card.fix_requested.connect(lambda fix, detail: asked.append((fix, detail)))
    card.button(DMARC).click()
    assert asked == [("records", DOMAIN)]
    with qtbot.waitSignal(card.checked, timeout=20_000):
        card.button(MAIL_FROM).click()
    assert ("records", DOMAIN) in asked[1:]  # the records of the new subdomain are shown
    assert facade.get_identity(DOMAIN).mail_from_domain == f"mail.{DOMAIN}"
    assert "set in SES but its DNS is not right" in card.rows[MAIL_FROM][2].text()

    # Published and found by SES: Check again turns the row green.
    dns_server.add(f"mail.{DOMAIN}", "MX", "10 feedback-smtp.us-east-1.amazonses.com.")
    dns_server.add(f"mail.{DOMAIN}", "TXT", '"v=spf1 include:amazonses.com ~all"')
    dns_server.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=quarantine"')
    sim.set_mail_from_status(DOMAIN, "SUCCESS")
    with qtbot.waitSignal(card.checked, timeout=20_000):
        card.again_button.click()
    assert card.rows[MAIL_FROM][0].text() == "✓ Passes"
    assert card.summary.text() in ("Ready", "1 not checked")  # no complaint rate yet


def test_card_without_any_identity_says_so_instead_of_failing(bridge, store, sim, qtbot):
    team_id, _, _ = connected_team(store, sim)
    card = ReadinessCard(bridge, store, team_id)
    qtbot.addWidget(card)
    with qtbot.waitSignal(card.checked, timeout=20_000) as signal:
        pass
    assert signal.args == [None]
    assert "no sender identity" in card.intro.text()
    assert card.summary.text() == "Not checked"


def test_dashboard_routes_the_card_s_fix_to_the_records_dialog(open_window, qtbot):
    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard is not None, timeout=60_000)
    qtbot.waitUntil(lambda: window.dashboard.view is not None, timeout=30_000)
    card = window.dashboard.view.readiness
    qtbot.waitUntil(lambda: card.result is not None, timeout=30_000)
    assert card.title_label.text() == "Will this reach Gmail, Yahoo and Outlook inboxes?"
    assert card.result.domain_identity == "demo-shop.example"
    card.button(DMARC).click()
    from sesdesk.ui.dialogs.records import RecordsDialog

    dialog = window.fixes.last_opened
    assert isinstance(dialog, RecordsDialog) and dialog.domain == "demo-shop.example"
    dialog.close()


def _production_team(home, simulator) -> int:
    """A production team that verified only an address (no domain: no Easy DKIM)."""
    simulator.set_production(True)
    services = open_app(demo=False, home=home)
    try:
        store = services.store
        facade = SesFacade(ClientFactory("us-east-1", FAKE_KEYS, endpoint=simulator.endpoint))
        team = create_team(store, "shop")
        save_mailer(
            store, team.id, region="us-east-1", keys=FAKE_KEYS, caller=facade.caller_identity()
        )
        facade.create_identity("news@shop.example")
        simulator.set_identity_status("news@shop.example", "SUCCESS")
        refresh_team(store, team.id, facade)
        contacts.create_list(store, team.id, "customers")
        contacts.add_contact(store, team.id, "customers", "c1@example.com", "C 1")
        return team.id
    finally:
        services.close()


def test_a_broadcast_without_one_click_cannot_be_confirmed(
    open_window, qtbot, home, simulator, monkeypatch
):
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    team_id = _production_team(home, simulator)
    window = open_window()
    store = window.services.store
    composition = sending.Composition(
        from_address="news@shop.example", subject="Sale", text_body="Hi"
    )
    draft = sending.create_broadcast(store, team_id, list_name="customers", composition=composition)
    desk = window.sending_desk
    desk.open_progress(team_id, draft.id, start=True)
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=20_000)
    box = desk.confirm_box
    assert box.text() == "This broadcast cannot be sent yet"
    assert box.icon() == QMessageBox.Icon.Warning
    details = box.informativeText()
    assert "Send to 1 person now?" not in box.text()
    assert "Sending is blocked until this is fixed" in details
    assert "✗ One-click unsubscribe: " in details  # each line names its rule
    assert "Also missing for Gmail, Yahoo and Outlook:" in details
    assert "one-click" in details.lower()
    (send,) = [b for b in box.buttons() if b.text() == "Send now"]
    assert not send.isEnabled()
    (later,) = [b for b in box.buttons() if b.text() == "Not now"]
    later.click()
    assert simulator.sent_messages() == []

    # A test campaign from the same address is never blocked: it only says what is missing.
    trial = sending.create_broadcast(
        store,
        team_id,
        list_name="customers",
        composition=composition,
        kind=sending.KIND_TEST_CAMPAIGN,
    )
    desk.open_progress(team_id, trial.id, start=True)
    qtbot.waitUntil(lambda: desk.confirm_box is not None, timeout=20_000)
    box = desk.confirm_box
    assert box.text() == "Send to 1 person now?"
    assert "Sending is blocked" not in box.informativeText()
    assert "you may still send" in box.informativeText()
    (send,) = [b for b in box.buttons() if b.text() == "Send now"]
    assert send.isEnabled()
    assert box.icon() == QMessageBox.Icon.Question
    (later,) = [b for b in box.buttons() if b.text() == "Not now"]
    later.click()


def test_card_checks_again_when_an_identity_changes_in_the_store(
    bridge, store, sim, qtbot, dns_server
):
    from sesdesk.services.state import load_snapshot

    team_id, _, facade = connected_team(store, sim, identity=DOMAIN)  # DKIM pending
    card = _card(bridge, store, team_id, qtbot, dns_server)
    card.show_snapshot(load_snapshot(store, team_id))  # what the dashboard shows with it
    assert card.result is not None and card.result.blocking
    assert "checked at" in card.intro.text()
    # The same read again: no new check.
    card.show_snapshot(load_snapshot(store, team_id))
    assert not card.busy
    # The domain verifies (the poller writes it): the next read re-checks by itself.
    sim.set_identity_status(DOMAIN, "SUCCESS")
    refresh_team(store, team_id, facade)
    with qtbot.waitSignal(card.checked, timeout=20_000):
        card.show_snapshot(load_snapshot(store, team_id))
    assert card.result is not None and not card.result.blocking
