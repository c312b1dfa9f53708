"""A coloured status label: ok (green), warn (amber), bad (red), neutral (grey)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from sesdesk.ui.style import set_tone

TONES = ("ok", "warn", "bad", "neutral")
_WIDE = 4000  # wider than any status on one line


class StatusPill(QLabel):
    """A short status word in a rounded, coloured box. With `wrap` a longer status ("Review
    pending since 06:36") breaks between words where its cell is narrow instead of widening
    the cell (and everything beside it) beyond the window."""

    #: (text, font, margins) → the width that keeps that text on one line (wrapping pills).
    _one_line: tuple[tuple[object, ...], int] | None = None

    def __init__(
        self,
        text: str = "",
        tone: str = "neutral",
        parent: QWidget | None = None,
        *,
        wrap: bool = False,
    ):
        super().__init__(text, parent)
        self.setObjectName("pill")
        # As wide as its words: a pill never stretches to fill its cell.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        if wrap:
            # As tall as its wrapped lines (QLabel adds height-for-width to the policy).
            self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
            self.setWordWrap(True)
        self.set_status(text, tone)

    def set_status(self, text: str, tone: str) -> None:
        """Show `text` in colour `tone` (one of TONES)."""
        self.setText(text)
        set_tone(self, tone if tone in TONES else "neutral")

    def sizeHint(self) -> QSize:
        """One line when there is room: QLabel's own hint for wrapped text is near square,
        which would break even a short status in two."""
        if not self.wordWrap():
            return super().sizeHint()
        margins = self.contentsMargins()
        key = (self.text(), self.font().key(), margins.left(), margins.right())
        if self._one_line is None or self._one_line[0] != key:
            self._one_line = (key, self._one_line_width())
        width = self._one_line[1]
        return QSize(width, self.heightForWidth(width))

    def _one_line_width(self) -> int:
        # The narrowest width at which the text's height is one line: asked of heightForWidth,
        # the measure the layouts use (the stylesheet's bold is not in fontMetrics()).
        line = self.heightForWidth(_WIDE)
        low, high = self.minimumSizeHint().width(), _WIDE
        while low < high:
            middle = (low + high) // 2
            if self.heightForWidth(middle) <= line:
                high = middle
            else:
                low = middle + 1
        return low

    @property
    def tone(self) -> str:
        """The current tone."""
        return str(self.property("tone"))
