"""The page every wizard here builds on: it knows its wizard and carries a title."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtWidgets import QWizardPage


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
