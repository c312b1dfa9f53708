"""One non-blocking yes/no question: the window's confirmations all look and behave alike."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(
    parent: QWidget,
    *,
    title: str,
    text: str,
    details: str,
    yes: str,
    no: str,
    on_answer: Callable[[bool], None],
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    yes_role: QMessageBox.ButtonRole = QMessageBox.ButtonRole.AcceptRole,
    default_yes: bool = False,
) -> QMessageBox:
    """Show the question (window-modal, not blocking the loop) and call `on_answer(True)` for
    `yes`, `on_answer(False)` for `no`, Escape or closing. Enter picks `yes` only when
    `default_yes`: a question about losing something defaults to the safe answer."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(details)
    yes_button = box.addButton(yes, yes_role)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button if default_yes else no_button)
    box.setEscapeButton(no_button)
    box.finished.connect(lambda _result: on_answer(box.clickedButton() is yes_button))
    box.open()
    return box
