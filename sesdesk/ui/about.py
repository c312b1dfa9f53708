"""Help ▸ About sesdesk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_about(parent: QWidget) -> QMessageBox:
    """A non-blocking About box over `parent`."""
    import sesdesk

    box = QMessageBox(parent)
    box.setWindowTitle("About sesdesk")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(f"<b>sesdesk {sesdesk.__version__}</b>")
    box.setInformativeText(
        "Send email through your own Amazon SES account, safely.<br>"
        "Your AWS secret stays in the operating system's keyring; records stay on this "
        "computer."
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
