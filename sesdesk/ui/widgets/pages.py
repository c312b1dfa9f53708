"""Whole-window pages shown instead of the dashboard: loading, and start-up failure."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget


class _CentredPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.column = QVBoxLayout()
        self.column.setSpacing(12)
        outer.addLayout(self.column)
        outer.addStretch(2)
        outer.setContentsMargins(80, 40, 80, 40)

    def _label(self, name: str, text: str = "", *, selectable: bool = True) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        if selectable:  # text a person may want to copy (an error, a path)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.column.addWidget(label)
        return label


class LoadingPage(_CentredPage):
    """ "Loading…" with a busy bar, shown while the services start."""

    def __init__(self, text: str = "Loading…", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Not selectable: nothing to copy in "Loading…", and the first selectable label costs
        # ~5 ms (Qt sets up its text-control machinery) on the way to the first show.
        self.title = self._label("pageTitle", text, selectable=False)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy indicator: we cannot know how long start-up takes
        bar.setTextVisible(False)
        bar.setMaximumWidth(320)
        bar.setAccessibleName("Loading")
        self.column.addWidget(bar, 0, Qt.AlignmentFlag.AlignHCenter)


class ErrorPage(_CentredPage):
    """Why sesdesk could not start, and what to do about it. Never a traceback."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self._label("pageTitle", "sesdesk cannot start")
        self.message = self._label("pageText")
        self.hint = self._label("muted")
        self.footer = self._label(
            "muted",
            "Nothing was changed or deleted. Fix the problem above and start sesdesk again.",
        )

    def show_problem(self, message: str, hint: str = "") -> None:
        """Fill the page with `message` and `hint`."""
        self.message.setText(message)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
