"""The status bar: the running operation, the last error, when AWS was last checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

if TYPE_CHECKING:
    from datetime import datetime

ERROR_TIMEOUT_MS = 0  # errors stay until the next one or until cleared


def describe_last_checked(when: datetime | None, now: datetime | None = None) -> str:
    """A short 'last checked' text for the status bar."""
    from datetime import UTC, datetime  # here, not at the top: this module loads before the show

    if when is None:
        return "Not checked with AWS yet"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the store keeps naive UTC
    local = when.astimezone()
    now = now or datetime.now(UTC)
    same_day = local.date() == now.astimezone().date()
    return f"Last checked {local:%H:%M}" if same_day else f"Last checked {local:%Y-%m-%d %H:%M}"


class StatusBar(QStatusBar):
    """Shows operations in progress, the latest error, and the last AWS check."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.operation_label = QLabel()
        self.operation_label.setObjectName("muted")
        self.error_label = QLabel()
        self.error_label.setObjectName("statusError")
        self.error_label.hide()
        self.last_checked_label = QLabel()
        self.last_checked_label.setObjectName("muted")
        self.addWidget(self.error_label, 1)
        self.addPermanentWidget(self.operation_label)
        self.addPermanentWidget(self.last_checked_label)
        self._running: list[str] = []

    def operation_started(self, label: str) -> None:
        """An operation started: show its label while it runs."""
        self._running.append(label)
        self._show_running()

    def operation_finished(self, label: str) -> None:
        """An operation ended: show the next one still running, if any."""
        if label in self._running:
            self._running.remove(label)
        self._show_running()

    def _show_running(self) -> None:
        labels = [label for label in self._running if label]
        text = f"{labels[-1]}…" if labels else ""
        if len(labels) > 1:
            text += f" (+{len(labels) - 1} more)"
        self.operation_label.setText(text)

    def show_error(self, message: str, hint: str = "") -> None:
        """Show an error until it is replaced or cleared; the hint goes in the tooltip."""
        self.error_label.setText(message)
        self.error_label.setToolTip(hint)
        self.error_label.show()

    def clear_error(self) -> None:
        """Hide the error."""
        self.error_label.clear()
        self.error_label.hide()

    def set_last_checked(self, when: datetime | None) -> None:
        """Show when AWS was last asked about this team's mailer."""
        self.last_checked_label.setText(describe_last_checked(when))

    def clear_last_checked(self) -> None:
        """No team, no mailer: nothing to say."""
        self.last_checked_label.clear()
