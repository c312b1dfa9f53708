"""Every "open in browser" button goes through open_in_browser: when no browser can be started
the address is shown to copy (before, nothing visible happened), and in the demo window the user
is told first that the page is AWS's real console while the demo's account is simulated."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget

from sesdesk.services.gating import Fix, reputation_page
from sesdesk.ui.widgets.browser import (
    DEMO_NOTE,
    NO_BROWSER,
    AddressDialog,
    in_demo,
    open_in_browser,
)

URL = reputation_page("eu-west-1")


class _Window(QWidget):
    def __init__(self, demo: bool) -> None:
        super().__init__()
        self.demo = demo


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """QDesktopServices.openUrl records the address and fails, as without a browser."""
    calls: list[str] = []

    def no_browser(url: Any) -> bool:
        calls.append(url.toString())
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", no_browser)
    return calls


def _router(qtbot: Any, bridge: Any, *, demo: bool) -> Any:
    from sesdesk.ui.fixes import FixRouter

    parent = _Window(demo)
    qtbot.addWidget(parent)
    return FixRouter(parent, bridge, store=None)


def test_without_a_browser_the_reputation_button_shows_the_address(qtbot, bridge, opened):
    router = _router(qtbot, bridge, demo=False)
    router.open(Fix.REPUTATION, URL, 1, None)
    assert opened == [URL]
    dialog = router.last_opened
    assert isinstance(dialog, AddressDialog) and dialog.isVisible()
    assert dialog.message.text() == NO_BROWSER
    assert dialog.address.text() == URL and dialog.address.isReadOnly()
    assert dialog.open_button is None
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == URL


def test_in_demo_the_reputation_button_says_it_is_the_real_console_first(qtbot, bridge, opened):
    router = _router(qtbot, bridge, demo=True)
    router.open(Fix.REPUTATION, URL, 1, None)
    dialog = router.last_opened
    assert isinstance(dialog, AddressDialog) and dialog.isVisible()
    assert opened == []  # nothing opened before the user read the note
    assert dialog.message.text() == DEMO_NOTE
    assert dialog.address.text() == URL
    dialog.open_button.click()
    assert opened == [URL]
    assert dialog.isVisible() and dialog.message.text() == f"{NO_BROWSER}\n\n{DEMO_NOTE}"
    assert not dialog.open_button.isEnabled()


def test_a_browser_that_opens_the_page_needs_no_dialog(qtbot):
    parent = _Window(False)
    qtbot.addWidget(parent)
    seen: list[str] = []
    assert (
        open_in_browser(parent, URL, opener=lambda url: seen.append(url.toString()) or True) is None
    )
    assert seen == [URL]
    demo_parent = _Window(True)
    qtbot.addWidget(demo_parent)
    dialog = open_in_browser(demo_parent, URL, opener=lambda url: True)
    assert dialog is not None and dialog.message.text() == DEMO_NOTE
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_a_wizard_opened_from_the_demo_window_is_in_demo(qtbot):
    window = _Window(True)
    qtbot.addWidget(window)
    wizard = QDialog(window)
    child = QWidget(wizard)
    assert in_demo(child) and in_demo(window)
    assert not in_demo(QWidget()) and not in_demo(None)


def test_the_access_wizards_console_link_shows_the_address_without_a_browser(
    qtbot, bridge, store, sim, opened
):
    from PySide6.QtCore import Qt

    from tests.ui.test_access_wizard import _smartcart, prepared_for_the_console

    wizard, page = prepared_for_the_console(qtbot, bridge, store, _smartcart(store, sim))
    assert page.result_text.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByMouse
    page.result_text.linkActivated.emit(page.export.url)
    assert opened == [page.export.url]
    dialog = wizard.findChild(AddressDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.address.text() == page.export.url
