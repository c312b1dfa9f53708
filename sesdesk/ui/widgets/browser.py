"""Opening a web page in the user's browser, and showing its address when that cannot be done.

`QDesktopServices.openUrl` only returns False when no browser can be started (a server without
a desktop, a missing xdg-open): every "open in browser" button goes through `open_in_browser`,
so the user then gets the address to copy instead of nothing. In the demo window the pages are
AWS's real console while the demo's account is simulated: the dialog says so before opening.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sesdesk.ui.widgets.labels import wrapped_label

NO_BROWSER = "sesdesk could not open a web browser. Open this address yourself:"
DEMO_NOTE = (
    "This is the real AWS console page. The demo's SES account is simulated, so the console "
    "shows your own AWS account (after you sign in), not the demo's."
)

Opener = Callable[[QUrl], bool]


def _open_url(url: QUrl) -> bool:
    return bool(QDesktopServices.openUrl(url))


def in_demo(widget: QWidget | None) -> bool:
    """True when `widget` belongs to the demo window: its window, or a window it was opened
    from (a wizard's parent), has demo=True."""
    while widget is not None:
        window = widget.window()
        if getattr(window, "demo", False) is True:
            return True
        widget = window.parentWidget()
    return False


class AddressDialog(QDialog):
    """The address of a web page to copy, with why it is shown (and, in demo, Open)."""

    def __init__(
        self, parent: QWidget | None, url: str, *, demo: bool, opener: Opener | None = None
    ) -> None:
        super().__init__(parent)
        self.url, self.opener = url, opener or _open_url
        self.setWindowTitle("Web page")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.message = wrapped_label(DEMO_NOTE if demo else NO_BROWSER, selectable=True)
        layout.addWidget(self.message)
        self.address = QLineEdit(url)
        self.address.setReadOnly(True)
        self.address.setAccessibleName("Address")
        self.address.setCursorPosition(0)
        layout.addWidget(self.address)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button: QPushButton | None = None
        if demo:
            self.open_button = buttons.addButton(
                "Open in browser", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.open_button.clicked.connect(self.open_page)
        self.copy_button = buttons.addButton("Copy address", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def copy(self) -> None:
        """Put the address on the clipboard."""
        QGuiApplication.clipboard().setText(self.url)
        self.copy_button.setText("Copied")

    def open_page(self) -> None:
        """Open the page; close when a browser took it, else say why and keep the address."""
        if self.opener(QUrl(self.url)):
            self.accept()
            return
        # Still the real console: the demo's note stays below the reason.
        self.message.setText(f"{NO_BROWSER}\n\n{DEMO_NOTE}")
        if self.open_button is not None:
            self.open_button.setEnabled(False)
        self.address.setFocus()
        self.address.selectAll()


def open_in_browser(
    parent: QWidget | None,
    url: str,
    *,
    demo: bool | None = None,
    opener: Opener | None = None,
) -> AddressDialog | None:
    """Open `url` in the browser. In demo mode (default: `parent`'s window says) first say that
    it is AWS's real console; when no browser opens, show the address to copy. Returns the
    dialog shown (non-blocking), or None when the browser took the page."""
    if demo is None:
        demo = in_demo(parent)
    opener = opener or _open_url
    if not demo and opener(QUrl(url)):
        return None
    dialog = AddressDialog(parent, url, demo=demo, opener=opener)
    dialog.open()
    return dialog
