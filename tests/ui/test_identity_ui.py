"""The add-identity wizard and the DNS records dialog, on real services and the simulator."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWizard

from sesdesk.models import Store
from sesdesk.services.identities import add_identity, list_identities
from sesdesk.services.refresh import refresh_team
from sesdesk.simulator import SesSimulator
from sesdesk.ui.dialogs.records import COL_COPY_VALUE, COL_DNS, COL_VALUE, RecordsDialog
from sesdesk.ui.wizards.identity import PAGE_INPUT, PAGE_RESULT, AddIdentityWizard
from tests.conftest import connected_team

REGION = "us-east-1"


@pytest.fixture
def team(sim: SesSimulator, store: Store) -> tuple[Store, int]:
    return store, connected_team(store, sim, user="ui-user").team_id


def make_wizard(bridge: Any, qtbot: Any, team: tuple[Store, int], **kwargs: Any) -> Any:
    store, team_id = team
    wizard = AddIdentityWizard(bridge, store, team_id, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def commit(wizard: AddIdentityWizard) -> Any:
    return wizard.button(QWizard.WizardButton.CommitButton)


def test_wizard_detects_the_kind_validates_inline_and_previews_punycode(bridge, qtbot, team, sim):
    wizard = make_wizard(bridge, qtbot, team)
    page = wizard.input_page
    assert wizard.currentId() == PAGE_INPUT
    assert not page.isComplete()

    page.edit.setText("me@acme.test")
    assert page.email_radio.isChecked()
    assert page.isComplete() and commit(wizard).isEnabled()
    assert page.error_label.isHidden()

    page.edit.setText("bücher.example")
    assert page.domain_radio.isChecked()
    assert page.preview.isVisible()
    assert "bücher.example" in page.preview.text()
    assert "xn--bcher-kva.example" in page.preview.text()

    page.edit.setText("bad_label.example")
    assert not page.isComplete() and not commit(wizard).isEnabled()
    assert page.error_label.isVisible()
    assert "'bad_label'" in page.error_label.text()
    assert "letters, digits and hyphens" in page.error_label.text()

    # Choosing "domain" by hand and typing an address says which choice is wrong.
    page.domain_radio.click()
    page.edit.setText("me@acme.test")
    assert page.domain_radio.isChecked() and not page.isComplete()
    assert "email address" in page.error_label.text()

    wizard.next()  # refused: nothing reaches AWS
    assert wizard.currentId() == PAGE_INPUT
    assert sim.identities() == {}


def test_adding_a_domain_shows_its_records(bridge, qtbot, team, sim):
    store, team_id = team
    wizard = make_wizard(bridge, qtbot, team)
    changed: list[int] = []
    bridge.store_changed.connect(changed.append)
    wizard.input_page.edit.setText("acme.test")
    commit(wizard).click()
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RESULT, timeout=20_000)
    assert sim.identities() == {"acme.test": "PENDING"}
    assert changed == [team_id]
    page = wizard.result_page
    assert page.pill.text() == "Pending"
    assert "Publish these DNS records for acme.test" in page.next_step.text()
    view = page.records_view
    assert view.isVisible()
    assert view.table.rowCount() == 6
    (identity,) = list_identities(store, team_id)
    values = [view.table.item(row, COL_VALUE).text() for row in range(3)]
    assert values == [f"{t}.dkim.amazonses.com" for t in identity.dkim_tokens]
    # Back is gone after the add: adding twice is not a thing.
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()


def test_adding_an_email_shows_the_inbox_hint(bridge, qtbot, team, sim):
    wizard = make_wizard(bridge, qtbot, team)
    wizard.input_page.edit.setText("owner@acme.test")
    commit(wizard).click()
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RESULT, timeout=20_000)
    page = wizard.result_page
    assert not page.records_view.isVisible()
    assert "Open the link AWS sent to owner@acme.test (expires after 24 h)" in (
        page.next_step.text()
    )


def test_an_aws_refusal_is_shown_under_the_field(bridge, qtbot, team, sim):
    store, team_id = team
    add_identity(store, team_id, "acme.test")
    wizard = make_wizard(bridge, qtbot, team)
    page = wizard.input_page
    page.edit.setText("acme.test")
    assert page.isComplete()
    commit(wizard).click()
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=20_000)
    assert "already a sender identity" in page.error_label.text()
    assert wizard.currentId() == PAGE_INPUT
    page.edit.setText("other.test")  # typing again clears it
    assert page.error_label.isHidden() and page.isComplete()


def test_replace_mode_replaces_the_old_identity(bridge, qtbot, team, sim):
    store, team_id = team
    add_identity(store, team_id, "old@acme.test")
    sim.set_identity_status("old@acme.test", "FAILED")
    refresh_team(store, team_id)
    wizard = make_wizard(bridge, qtbot, team, replacing="old@acme.test")
    assert wizard.input_page.title() == "Replace old@acme.test"
    wizard.input_page.edit.setText("acme.test")
    commit(wizard).click()
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RESULT, timeout=20_000)
    assert sim.identities() == {"acme.test": "PENDING"}
    assert "old@acme.test was deleted in SES" in wizard.result_page.note.text()


def open_records(bridge: Any, qtbot: Any, store: Store, team_id: int, domain: str) -> Any:
    dialog = RecordsDialog(bridge, store, team_id, domain)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    return dialog


def test_records_dialog_copies_exports_and_checks_dns(
    bridge, qtbot, team, sim, dns_server, tmp_path
):
    store, team_id = team
    tokens = add_identity(store, team_id, "acme.test").identity.dkim_tokens
    dialog = open_records(bridge, qtbot, store, team_id, "acme.test")
    view = dialog.view
    assert dialog.pill.text() == "Pending"
    assert not dialog.retry_button.isVisible()
    assert view.table.rowCount() == 6

    view.table.cellWidget(0, COL_COPY_VALUE).click()
    assert QGuiApplication.clipboard().text() == f"{tokens[0]}.dkim.amazonses.com"

    zone, table = tmp_path / "acme.zone", tmp_path / "acme.csv"
    saved: list[str] = []
    view.export_zone(str(zone), on_done=saved.append)
    view.export_csv(str(table), on_done=saved.append)
    qtbot.waitUntil(lambda: len(saved) == 2, timeout=10_000)
    assert f"{tokens[0]}._domainkey.acme.test.\tIN\tCNAME\t" in zone.read_text()
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert [r["type"] for r in rows] == ["CNAME"] * 3 + ["MX", "TXT", "TXT"]

    dns_server.add(f"{tokens[0]}._domainkey.acme.test", "CNAME", f"{tokens[0]}.dkim.amazonses.com.")
    dns_server.add(f"{tokens[1]}._domainkey.acme.test", "TXT", '"oops"')
    view.nameserver_edit.setText("127.0.0.1")
    view.port_spin.setValue(dns_server.port)
    with qtbot.waitSignal(view.checked, timeout=15_000):
        view.check_button.click()
    verdicts = [view.table.item(row, COL_DNS).text() for row in range(6)]
    assert verdicts[:3] == ["Published", "Wrong type", "Missing"]
    assert "1 of 6 records published" in view.summary.text()
    assert view.problems.isVisible()
    assert "no CNAME record" in view.problems.text()


def test_records_dialog_refuses_a_bad_dns_server_inline(bridge, qtbot, team, sim):
    store, team_id = team
    add_identity(store, team_id, "acme.test")
    dialog = open_records(bridge, qtbot, store, team_id, "acme.test")
    dialog.view.nameserver_edit.setText("dns.example")
    dialog.view.check_button.click()
    assert dialog.view.problems.isVisible()
    assert "is not an IP address" in dialog.view.problems.text()


def test_records_dialog_retries_a_failed_domain_and_shows_new_records(bridge, qtbot, team, sim):
    store, team_id = team
    old_tokens = add_identity(store, team_id, "acme.test").identity.dkim_tokens
    sim.set_identity_status("acme.test", "FAILED", error_type="HOST_NOT_FOUND")
    refresh_team(store, team_id)
    dialog = open_records(bridge, qtbot, store, team_id, "acme.test")
    assert dialog.pill.text() == "Failed"
    assert "no record at the expected name" in dialog.explanation.text()
    assert dialog.retry_button.isVisible()

    with qtbot.waitSignal(dialog.retried, timeout=20_000):
        dialog.start_retry()
    assert dialog.pill.text() == "Pending"
    assert not dialog.retry_button.isVisible()
    assert dialog.changed_note.isVisible()
    new_values = {dialog.view.table.item(row, COL_VALUE).text() for row in range(3)}
    assert new_values.isdisjoint({f"{t}.dkim.amazonses.com" for t in old_tokens})
    assert sim.identities() == {"acme.test": "PENDING"}


def test_records_dialog_for_an_unknown_domain_says_so(bridge, qtbot, team):
    store, team_id = team
    dialog = RecordsDialog(bridge, store, team_id, "nowhere.test")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    assert "not a sender identity of this team" in dialog.error.text()
