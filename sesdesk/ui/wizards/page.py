"""What every wizard here builds on: the wizard (its keyboard rules) and the page (it knows its
wizard and carries a title)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton, QWidget, QWizard, QWizardPage

from sesdesk.ui.widgets.keys import wizard_enter


class WizardPage(QWizardPage):
    """A page of `wizard` titled `title` (and `subtitle`). While `filling()` the page's
    widgets are being set from the flow, so their change signals are not edits (`_filling`)."""

    def __init__(self, wizard: Any, title: str, subtitle: str = "") -> None:
        super().__init__()
        self._wizard = wizard
        self._filling = False
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)

    @contextmanager
    def filling(self) -> Iterator[None]:
        """Mark the widgets as being filled by the page itself for the block's duration."""
        self._filling = True
        try:
            yield
        finally:
            self._filling = False


class Wizard(QWizard):
    """A wizard where Enter advances (Next, else Finish) and never closes it.

    On a page without an input field Qt puts the focus on Cancel, and a focused push button in
    a dialog clicks itself on Enter: Cancel therefore does not take Enter (only a click, Space
    or Escape cancel), so the key reaches the wizard and goes on like Next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        cancel = self.button(QWizard.WizardButton.CancelButton)
        if isinstance(cancel, QPushButton):  # QWizard's own buttons are push buttons
            cancel.setAutoDefault(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter advances (Next, else Finish); it never closes a page that cannot go on."""
        if not wizard_enter(self, event):
            super().keyPressEvent(event)
