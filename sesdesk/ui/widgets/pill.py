"""A coloured status label: ok (green), warn (amber), bad (red), neutral (grey)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from sesdesk.ui.style import set_tone

TONES = ("ok", "warn", "bad", "neutral")


class StatusPill(QLabel):
    """A short status word in a rounded, coloured box. With `wrap` a longer status ("Review
    pending since 06:36") breaks between words where its cell is narrow instead of widening
    the cell (and everything beside it) beyond the window."""

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

    @property
    def tone(self) -> str:
        """The current tone."""
        return str(self.property("tone"))
