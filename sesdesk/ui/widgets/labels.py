"""The wrapped label the wizards and dialogs build their text from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def wrapped_label(text: str = "", name: str = "", *, selectable: bool = False) -> QLabel:
    """A word-wrapped QLabel, styled by object `name`, optionally selectable with the mouse."""
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def error_label() -> QLabel:
    """The hidden, word-wrapped "statusError" label a form shows its problem in."""
    label = wrapped_label(name="statusError")
    label.hide()
    return label
