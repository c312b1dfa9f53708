"""Enter pressed where the focus really is (not sent to the wizard itself) goes to the next page
on every page of every wizard, and never closes one: on a page without an input field Qt puts
the focus on Cancel, which used to take Enter and close the wizard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from sesdesk.aws.permissions import all_actions
from sesdesk.services.connect import WizardStep
from sesdesk.services.teams import create_team
from sesdesk.ui.wizards import ConnectWizard
from sesdesk.ui.wizards.access import PAGE_COMPOSE, PAGE_DETAILS, PAGE_INTRO, PAGE_SUBMIT
from sesdesk.ui.wizards.connect import PAGE_IDS
from sesdesk.ui.wizards.identity import PAGE_INPUT, PAGE_RESULT, AddIdentityWizard
from tests.conftest import connected_team
from tests.ui.test_access_wizard import _smartcart, open_wizard, write_placeholders


def _enter_where_the_focus_is(qtbot: Any, wizard: QWizard) -> None:
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def _enter_on_cancel(qtbot: Any, wizard: QWizard) -> None:
    cancel = wizard.button(QWizard.WizardButton.CancelButton)
    wizard.activateWindow()
    cancel.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is cancel, timeout=5_000)
    qtbot.keyClick(cancel, Qt.Key.Key_Return)


def test_enter_walks_the_access_wizard_and_never_closes_it(qtbot, bridge, store, sim):
    wizard = open_wizard(qtbot, bridge, store, _smartcart(store, sim))
    # The intro has no field: the focus starts on Cancel, and Enter there is Next.
    assert QApplication.focusWidget() in (None, wizard.button(QWizard.WizardButton.CancelButton))
    _enter_where_the_focus_is(qtbot, wizard)
    assert wizard.isVisible() and wizard.currentId() == PAGE_COMPOSE
    wizard.back()
    _enter_on_cancel(qtbot, wizard)
    assert wizard.isVisible() and wizard.currentId() == PAGE_COMPOSE

    _enter_where_the_focus_is(qtbot, wizard)
    assert wizard.currentId() == PAGE_DETAILS
    # The template's placeholders are still there: Next is blocked, and so is Enter.
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    for press in (_enter_where_the_focus_is, _enter_on_cancel):
        press(qtbot, wizard)
        assert wizard.isVisible() and wizard.currentId() == PAGE_DETAILS

    wizard.back()
    write_placeholders(wizard)
    wizard.compose.type_buttons["TRANSACTIONAL"].setFocus()
    _enter_where_the_focus_is(qtbot, wizard)
    assert wizard.currentId() == PAGE_DETAILS
    wizard.details.website.setFocus()
    _enter_where_the_focus_is(qtbot, wizard)
    assert wizard.currentId() == PAGE_SUBMIT

    # The last page: Enter in the preview or on Cancel neither submits nor closes.
    wizard.submit_page.preview.setFocus()
    for press in (_enter_where_the_focus_is, _enter_on_cancel):
        press(qtbot, wizard)
        qtbot.wait(50)
        assert wizard.isVisible() and wizard.currentId() == PAGE_SUBMIT
    assert wizard.flow.may_submit and not wizard.submit_page.result_title.text()
    assert "Details" not in sim.account_status()  # nothing sent to AWS
    assert wizard.startId() == PAGE_INTRO


def test_enter_walks_the_connect_wizard(qtbot, bridge, store, sim):
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")
    wizard = ConnectWizard(bridge, store, team.id)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    for press in (_enter_where_the_focus_is, _enter_on_cancel):
        press(qtbot, wizard)  # nothing typed yet: stays
        assert wizard.isVisible() and wizard.currentId() == PAGE_IDS[WizardStep.KEYS]
    qtbot.keyClicks(wizard.keys_page.key_id_edit, keys.access_key_id)
    qtbot.keyClicks(wizard.keys_page.secret_edit, keys.secret_access_key)
    with qtbot.waitSignal(wizard.connected, timeout=30_000):
        _enter_on_cancel(qtbot, wizard)
    assert wizard.isVisible()
    _enter_where_the_focus_is(qtbot, wizard)
    assert wizard.currentId() == PAGE_IDS[WizardStep.DONE]
    # The last page's Enter is its Finish ("Close"): the keys are saved, closing is the step.
    _enter_where_the_focus_is(qtbot, wizard)
    assert not wizard.isVisible() and wizard.result() == QWizard.DialogCode.Accepted


def test_enter_walks_the_identity_wizard(qtbot, bridge, store, sim):
    team_id = connected_team(store, sim, user="ui-user").team_id
    wizard = AddIdentityWizard(bridge, store, team_id)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    for press in (_enter_where_the_focus_is, _enter_on_cancel):
        press(qtbot, wizard)  # nothing typed yet: stays
        assert wizard.isVisible() and wizard.currentId() == PAGE_INPUT
    wizard.input_page.edit.setText("owner@acme.test")
    _enter_on_cancel(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RESULT, timeout=20_000)
    assert "owner@acme.test" in sim.identities()
