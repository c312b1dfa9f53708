"""The two dialog shapes built around a team name: asking for a name (new team, rename) and
confirming a deletion by typing the name (delete team, delete mailer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.widgets.labels import error_label


class NameDialog(QDialog):
    """A modal dialog with one name field, its problem shown under it, and OK/Cancel; the
    subclass adds its text to `body` first, then calls `add_name_field`."""

    def __init__(self, bridge: Bridge, store: Any, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.bridge, self.store = bridge, store
        self.setWindowTitle(title)
        self.setModal(True)
        self.body = QVBoxLayout(self)

    def add_name_field(
        self, label_text: str, ok_text: str, *, text: str = "", placeholder: str = ""
    ) -> None:
        """The name's label, field and error line, then the buttons; OK runs `submit`."""
        label = QLabel(label_text)
        self.name_edit = QLineEdit(text)
        if text:
            self.name_edit.selectAll()
        if placeholder:
            self.name_edit.setPlaceholderText(placeholder)
        self.name_edit.setAccessibleName("Team name")
        label.setBuddy(self.name_edit)
        self.body.addWidget(label)
        self.body.addWidget(self.name_edit)
        self.error_label = error_label()
        self.body.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.body.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._clear_error)
        self.resize(380, self.sizeHint().height())

    def submit(self) -> None:
        """Act on the typed name (the subclass's job)."""
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        """Show `text` under the field."""
        self.error_label.setText(text)
        self.error_label.show()

    def _clear_error(self) -> None:
        self.error_label.hide()


class TypedNameDeleteDialog(QDialog):
    """A modal deletion that runs in the background only once the team's name is typed; the
    subclass sets the team, adds its explanation to `body`, then calls `add_confirmation`."""

    bridge: Bridge
    store: Any
    team_id: int
    team_name: str

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.body = QVBoxLayout(self)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Type the team name to confirm")

    def add_confirmation(
        self, button_text: str, width: int, *, prompt: str = "", offered: bool = True
    ) -> None:
        """The name field (after `prompt`, if any), the error line and the buttons; with
        `offered` False the field and the delete button stay hidden (only Cancel)."""
        if prompt:
            label = QLabel(prompt)
            label.setBuddy(self.name_edit)
            self.body.addWidget(label)
        if not offered:
            self.name_edit.hide()
        self.body.addWidget(self.name_edit)
        self.error_label = error_label()
        self.body.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton(
            button_text, QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.setEnabled(False)
        if not offered:
            self.delete_button.hide()
        self.delete_button.clicked.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.body.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._typed)
        self.resize(width, self.sizeHint().height())

    def _typed(self, text: str) -> None:
        self.delete_button.setEnabled(text.strip().casefold() == self.team_name.casefold())

    def deletion(self) -> tuple[Callable[..., Any], tuple[Any, ...], str, int]:
        """The background call: (function, its arguments, busy label, team id it changes)."""
        raise NotImplementedError

    def submit(self) -> None:
        """Delete in the background once the typed name matches."""
        if not self.delete_button.isEnabled():
            return
        self.delete_button.setEnabled(False)
        self.error_label.hide()
        function, args, label, changes = self.deletion()
        self.bridge.run(
            function,
            *args,
            label=label,
            changes=changes,
            on_success=self._done,
            on_failure=self._failed,
        )

    def _done(self, result: Any) -> None:
        raise NotImplementedError

    def failure_text(self, exc: SesdeskError) -> str:
        """What the error line says when the deletion fails."""
        return exc.message

    def _failed(self, exc: SesdeskError) -> None:
        self.error_label.setText(self.failure_text(exc))
        self.error_label.show()
        self._typed(self.name_edit.text())
