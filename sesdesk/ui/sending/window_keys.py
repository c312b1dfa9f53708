"""Ctrl+W (the platform's Close key) for the sending windows that are not modal."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog


def close_on_ctrl_w(dialog: QDialog) -> QShortcut:
    """Make the Close key close `dialog` as Escape does (its reject, so any question first)."""
    shortcut = QShortcut(dialog)
    # Every binding of the platform's Close (Ctrl+F4 comes first on some, Ctrl+W after it).
    shortcut.setKeys(QKeySequence.StandardKey.Close)
    shortcut.activated.connect(dialog.reject)
    return shortcut
