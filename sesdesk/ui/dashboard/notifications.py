"""Desktop notifications: the system tray where there is one, else a toast in the window."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QLabel, QSystemTrayIcon, QVBoxLayout, QWidget

from sesdesk.ui.style import app_icon

TOAST_MS = 8000


class Toast(QFrame):
    """A small message box floating at the bottom right of its parent window."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setStyleSheet(
            "QFrame#toast { background: #1f2933; border-radius: 8px; }"
            "QFrame#toast QLabel { color: #ffffff; background: transparent; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        self.setMaximumWidth(380)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, title: str, message: str, msecs: int = TOAST_MS) -> None:
        """Show `title` / `message` for `msecs`, replacing the previous one."""
        self.title.setText(title)
        self.message.setText(message)
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            margin = 16
            self.move(
                max(0, parent.width() - self.width() - margin),
                max(0, parent.height() - self.height() - margin - 24),
            )
        self.raise_()
        self.show()
        self._timer.start(msecs)

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """A click dismisses it."""
        self.hide()
        super().mousePressEvent(event)


class Notifier:
    """Shows notifications for `window` (tray balloon when available, else a toast)."""

    def __init__(self, window: QWidget, *, use_tray: bool | None = None) -> None:
        self.window = window
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        if use_tray:
            self.tray = QSystemTrayIcon(app_icon(), window)
            self.tray.setToolTip("sesdesk")
            self.tray.show()
        self.toast = Toast(window)
        #: Every (title, message) shown, newest last (for tests and an eventual log view).
        self.shown: list[tuple[str, str]] = []

    @property
    def uses_tray(self) -> bool:
        """True when notifications go to the system tray."""
        return self.tray is not None

    def notify(self, title: str, message: str) -> None:
        """Show one notification."""
        self.shown.append((title, message))
        del self.shown[:-50]
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, TOAST_MS)
        else:
            self.toast.show_message(title, message)

    def notify_for_team(self, team_id: int, title: str, message: str) -> None:
        """Slot for `PollerController.notice`."""
        self.notify(title, message)

    def close(self) -> None:
        """Remove the tray icon."""
        if self.tray is not None:
            self.tray.hide()
            self.tray.deleteLater()
            self.tray = None
