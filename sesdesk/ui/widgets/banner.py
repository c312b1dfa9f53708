"""A full-width strip above the content: the demo notice, or an error a person can act on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sesdesk.ui.style import set_tone


class Banner(QFrame):
    """A message strip with a tone (demo / error / info), optional buttons, optional close."""

    dismissed = Signal()

    def __init__(
        self,
        text: str = "",
        *,
        tone: str = "info",
        closable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 12, 8)
        layout.setSpacing(10)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.text_label = QLabel(text)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label.hide()
        texts.addWidget(self.text_label)
        texts.addWidget(self.hint_label)
        layout.addLayout(texts, 1)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(6)
        layout.addLayout(self._buttons)
        if closable:
            close = QPushButton("Dismiss")
            close.setToolTip("Hide this message")
            close.clicked.connect(self._dismiss)
            self._buttons.addWidget(close)
        set_tone(self, tone)

    def add_button(self, text: str, tooltip: str = "") -> QPushButton:
        """Add a button on the right (before Dismiss) and return it."""
        button = QPushButton(text)
        if tooltip:
            button.setToolTip(tooltip)
        self._buttons.insertWidget(0, button)
        return button

    def set_message(self, text: str, hint: str = "", *, bold: bool = True) -> None:
        """Show `text` (bold by default) and an optional `hint` line under it."""
        font = self.text_label.font()
        font.setBold(bold)
        self.text_label.setFont(font)
        self.text_label.setText(text)
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
