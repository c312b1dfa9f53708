"""The bottom row of a window that shows something: Close, and one action button that
appears only when there is something to act on (Retry verification, Re-send…)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton


def close_box(
    dialog: QDialog, action: str, tooltip: str, slot: Callable[[], Any]
) -> tuple[QDialogButtonBox, QPushButton]:
    """A Close button box for `dialog` and its hidden `action` button, which calls `slot`."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    button = buttons.addButton(action, QDialogButtonBox.ButtonRole.ActionRole)
    button.setToolTip(tooltip)
    button.hide()
    button.clicked.connect(slot)
    buttons.rejected.connect(dialog.reject)
    return buttons, button
