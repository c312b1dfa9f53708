"""The Connect AWS wizard and the mailer/team dialogs, driven with pytest-qt against the
IAM-enforcing simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWizard
from sqlalchemy import select

from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.permissions import all_actions, least_privilege_policy_json
from sesdesk.models import Mailer, Store
from sesdesk.services.connect import WizardStep, connect
from sesdesk.services.teams import TeamInfo, create_team, list_teams
from sesdesk.simulator import SesSimulator
from sesdesk.ui.dialogs.delete_mailer import DeleteMailerDialog
from sesdesk.ui.dialogs.teams import DeleteTeamDialog, RenameTeamDialog
from sesdesk.ui.wizards import ConnectWizard
from sesdesk.ui.wizards.connect import PAGE_IDS

CHECK_TIMEOUT = 30_000


def _mailer(store: Store, team_id: int) -> Mailer | None:
    with store.session() as session:
        return session.scalar(select(Mailer).where(Mailer.team_id == team_id))


def _open(qtbot: Any, wizard: ConnectWizard) -> ConnectWizard:
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def _type_keys(qtbot: Any, wizard: ConnectWizard, keys: AwsKeys) -> None:
    page = wizard.keys_page
    qtbot.keyClicks(page.key_id_edit, f"  {keys.access_key_id} ")
    qtbot.keyClicks(page.secret_edit, keys.secret_access_key)


def _next(wizard: ConnectWizard) -> Any:
    return wizard.button(QWizard.WizardButton.NextButton)


def test_keys_page_checks_the_format_inline(qtbot: Any, bridge: Any, store: Store) -> None:
    team = create_team(store, "Acme")
    wizard = _open(qtbot, ConnectWizard(bridge, store, team.id))
    page = wizard.keys_page
    assert page.region == "us-east-1"
    assert page.secret_edit.echoMode() == page.secret_edit.EchoMode.Password
    assert not _next(wizard).isEnabled()

    qtbot.keyClicks(page.key_id_edit, "AKIA123")
    assert page.key_id_error.isVisible()
    assert "20 characters" in page.key_id_error.text()
    page.key_id_edit.clear()
    qtbot.keyClicks(page.key_id_edit, "AKIAIOSFODNN7EXAMPLE")
    assert not page.key_id_error.isVisible()
    qtbot.keyClicks(page.secret_edit, "too-short")
    assert "40 characters" in page.secret_error.text()
    assert not _next(wizard).isEnabled()
    page.secret_edit.clear()
    qtbot.keyClicks(page.secret_edit, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert not page.secret_error.isVisible()
    assert _next(wizard).isEnabled()
    # Keyboard: Tab goes region → key id → secret.
    chain = []
    widget = page.region_combo
    while len(chain) < 3:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == [page.region_combo, page.key_id_edit, page.secret_edit]


def test_missing_permissions_page_offers_the_policy(
    qtbot: Any, bridge: Any, store: Store, sim: SesSimulator, tmp_path: Path
) -> None:
    keys = sim.create_user("ses-only", [a for a in all_actions() if not a.startswith("sns:")])
    team = create_team(store, "Acme")
    wizard = _open(qtbot, ConnectWizard(bridge, store, team.id))
    _type_keys(qtbot, wizard, keys)
    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_IDS[WizardStep.CHECK]
    qtbot.waitUntil(lambda: _next(wizard).isEnabled(), timeout=CHECK_TIMEOUT)
    marks = [
        wizard.check_page.actions_list.item(i).text()
        for i in range(wizard.check_page.actions_list.count())
    ]
    assert any(m.startswith("✗  sns:Subscribe") for m in marks)
    assert any(m.startswith("✓  ses:GetAccount") for m in marks)
    assert "123456789012" in wizard.check_page.identity_label.text()

    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    page = wizard.missing_page
    assert wizard.currentId() == PAGE_IDS[WizardStep.MISSING]
    missing = [page.missing_list.item(i).text() for i in range(page.missing_list.count())]
    assert [m.split()[1] for m in missing] == [
        "sns:CreateTopic",
        "sns:GetTopicAttributes",
        "sns:Subscribe",
    ]
    policy = json.loads(page.policy_text.toPlainText())
    assert page.policy_text.toPlainText() == least_privilege_policy_json()
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert {"sns:CreateTopic", "sns:Subscribe", "ses:SendEmail"} <= granted
    assert page.policy_text.isReadOnly()

    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == least_privilege_policy_json()
    target = tmp_path / "policy.json"
    page.save_policy(str(target))
    qtbot.waitUntil(target.exists, timeout=5_000)
    assert json.loads(target.read_text()) == policy
    assert _mailer(store, team.id) is None

    # Attach the missing actions, then "Check again" passes and saves the mailer.
    sim.set_permissions("ses-only", all_actions())
    qtbot.mouseClick(page.again_button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_IDS[WizardStep.CHECK]
    qtbot.waitUntil(lambda: wizard.flow.result is not None, timeout=CHECK_TIMEOUT)
    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_IDS[WizardStep.DONE]
    assert _mailer(store, team.id) is not None


def _acme_wizard(
    qtbot: Any, bridge: Any, store: Store, sim: SesSimulator
) -> tuple[AwsKeys, TeamInfo, ConnectWizard]:
    """Keys allowed every action, team "Acme", and the Connect wizard open for it."""
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")
    return keys, team, _open(qtbot, ConnectWizard(bridge, store, team.id))


def test_full_keys_connect_and_show_the_account(
    qtbot: Any, bridge: Any, store: Store, sim: SesSimulator
) -> None:
    keys, team, wizard = _acme_wizard(qtbot, bridge, store, sim)
    _type_keys(qtbot, wizard, keys)
    with qtbot.waitSignal(wizard.connected, timeout=CHECK_TIMEOUT) as connected:
        qtbot.keyClick(wizard.keys_page.secret_edit, Qt.Key.Key_Return)
    assert connected.args == [team.id]
    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    text = wizard.done_page.summary.text()
    assert "123456789012" in text and keys.access_key_id[-4:] in text
    assert keys.secret_access_key not in text
    mailer = _mailer(store, team.id)
    assert mailer is not None and mailer.access == "ok"


def test_wrong_secret_goes_back_to_the_secret_field(
    qtbot: Any, bridge: Any, store: Store, sim: SesSimulator
) -> None:
    keys, team, wizard = _acme_wizard(qtbot, bridge, store, sim)
    _type_keys(qtbot, wizard, AwsKeys(keys.access_key_id, "B" * 40))
    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_IDS[WizardStep.KEYS], timeout=CHECK_TIMEOUT)
    assert wizard.keys_page.secret_error.isVisible()
    assert "does not match" in wizard.keys_page.secret_error.text()
    assert _mailer(store, team.id) is None


def test_reconnect_mode_refuses_another_account_then_accepts_a_new_key(
    qtbot: Any, bridge: Any, store: Store, sim: SesSimulator
) -> None:
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")
    connect(store, team.id, "us-east-1", keys)
    sim.revoke_key(keys.access_key_id)
    stranger = sim.create_user("stranger", all_actions(), account_id="210987654321")

    wizard = _open(
        qtbot,
        ConnectWizard.for_reconnect(bridge, store, team.id, "123456789012", "us-east-1"),
    )
    assert not wizard.keys_page.region_combo.isEnabled()
    _type_keys(qtbot, wizard, stranger)
    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    check = wizard.check_page
    qtbot.waitUntil(check.error_label.isVisible, timeout=CHECK_TIMEOUT)
    assert "210987654321" in check.error_label.text()
    assert "new team" in check.error_label.text()
    assert not _next(wizard).isEnabled()

    wizard.back()
    new_keys = sim.issue_key("full")
    wizard.keys_page.key_id_edit.clear()
    wizard.keys_page.secret_edit.clear()
    _type_keys(qtbot, wizard, new_keys)
    qtbot.mouseClick(_next(wizard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.flow.result is not None, timeout=CHECK_TIMEOUT)
    mailer = _mailer(store, team.id)
    assert mailer is not None and mailer.key_last4 == new_keys.access_key_id[-4:]


def test_delete_mailer_dialog_needs_the_team_name(
    qtbot: Any, bridge: Any, store: Store, sim: SesSimulator
) -> None:
    team = create_team(store, "Acme")
    connect(store, team.id, "us-east-1", sim.create_user("full", all_actions()))
    dialog = DeleteMailerDialog(
        bridge, store, team.id, "Acme", account_id="123456789012", identities=()
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.delete_button.isEnabled()
    assert not dialog.identities_box.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "Acm")
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "e")
    assert dialog.delete_button.isEnabled()
    with qtbot.waitSignal(dialog.deleted, timeout=10_000):
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert _mailer(store, team.id) is None


def test_lost_mailer_cannot_offer_to_delete_identities(
    qtbot: Any, bridge: Any, store: Store
) -> None:
    team = create_team(store, "Acme")
    dialog = DeleteMailerDialog(
        bridge,
        store,
        team.id,
        "Acme",
        account_id="123456789012",
        access="lost",
        identities=("acme.example",),
    )
    qtbot.addWidget(dialog)
    assert not dialog.identities_box.isEnabled()
    assert "no longer work" in dialog.identities_note.text()


def test_rename_and_delete_team_dialogs(qtbot: Any, bridge: Any, store: Store) -> None:
    team = create_team(store, "Acme")
    create_team(store, "Beta")
    rename = RenameTeamDialog(bridge, store, team.id, "Acme")
    qtbot.addWidget(rename)
    rename.show()
    rename.name_edit.setText("Beta")
    rename.submit()
    qtbot.waitUntil(rename.error_label.isVisible, timeout=5_000)
    assert "already exists" in rename.error_label.text()
    rename.name_edit.setText("Acme Mail")
    with qtbot.waitSignal(rename.renamed, timeout=5_000):
        rename.submit()

    delete = DeleteTeamDialog(bridge, store, team.id, "Acme Mail", has_mailer=False)
    qtbot.addWidget(delete)
    delete.show()
    qtbot.keyClicks(delete.name_edit, "acme mail")
    assert delete.delete_button.isEnabled()
    with qtbot.waitSignal(delete.deleted, timeout=5_000):
        qtbot.mouseClick(delete.delete_button, Qt.MouseButton.LeftButton)
    assert [t.name for t in list_teams(store)] == ["Beta"]
