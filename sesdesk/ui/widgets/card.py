"""The base of every dashboard card: a titled white box that shows one part of a snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from sesdesk.services.state import TeamSnapshot


class Card(QFrame):
    """A dashboard card. Subclasses fill `body` and implement `show_snapshot`."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 16)
        outer.setSpacing(10)
        header = QHBoxLayout()
        header.setSpacing(8)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("cardTitle")
        header.addWidget(self.title_label)
        header.addStretch(1)
        #: Subclasses may put buttons or a status pill on the right of the title.
        self.header = header
        outer.addLayout(header)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        outer.addLayout(self.body)

    def show_snapshot(self, snapshot: TeamSnapshot) -> None:
        """Show the parts of `snapshot` this card is about."""
        raise NotImplementedError


def separator() -> QFrame:
    """A thin horizontal rule between sections of a card."""
    line = QFrame()
    line.setObjectName("separator")
    line.setFrameShape(QFrame.Shape.NoFrame)
    return line
