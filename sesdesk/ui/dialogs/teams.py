"""Rename a team, delete a team (with confirmation)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
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


def _rename(store: Any, team_id: int, name: str) -> Any:
    from sesdesk.services.teams import rename_team

    return rename_team(store, team_id, name)


def _delete(store: Any, team_id: int) -> None:
    from sesdesk.services.teams import delete_team

    delete_team(store, team_id)


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("statusError")
    label.setWordWrap(True)
    label.hide()
    return label


class RenameTeamDialog(QDialog):
    """Asks for a new name; renames off the GUI thread; problems shown under the field."""

    renamed = Signal(object)  # TeamInfo

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        current_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id = bridge, store, team_id
        self.setWindowTitle("Rename team")
        self.setModal(True)
        layout = QVBoxLayout(self)
        label = QLabel("New &name:")
        self.name_edit = QLineEdit(current_name)
        self.name_edit.selectAll()
        self.name_edit.setAccessibleName("Team name")
        label.setBuddy(self.name_edit)
        layout.addWidget(label)
        layout.addWidget(self.name_edit)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Rename")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(lambda _: self.error_label.hide())
        self.resize(380, self.sizeHint().height())

    def submit(self) -> None:
        """Rename in the background; close on success, show the problem otherwise."""
        self.ok_button.setEnabled(False)
        self.bridge.run(
            _rename,
            self.store,
            self.team_id,
            self.name_edit.text(),
            label="Renaming the team",
            changes=self.team_id,
            on_success=self._done,
            on_failure=self._failed,
        )

    def _done(self, team: Any) -> None:
        self.renamed.emit(team)
        self.accept()

    def _failed(self, exc: SesdeskError) -> None:
        self.ok_button.setEnabled(True)
        self.error_label.setText(getattr(exc, "problem", None) or exc.message)
        self.error_label.show()


class DeleteTeamDialog(QDialog):
    """Deletes a team and its history after the user types its name; refuses while the team
    still has a mailer (that deletion has its own dialog)."""

    deleted = Signal(int)

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        team_name: str,
        *,
        has_mailer: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id, self.team_name = bridge, store, team_id, team_name
        self.setWindowTitle("Delete team")
        self.setModal(True)
        layout = QVBoxLayout(self)
        if has_mailer:
            text = (
                f"Team “{team_name}” still has a mailer. Delete the mailer first (Mailer ▸ "
                "Delete mailer…): that step explains what happens to its keys and identities."
            )
        else:
            text = (
                f"Deleting team “{team_name}” removes it and its history (status changes, "
                "sends) from this computer. Nothing in AWS changes.\n\n"
                "Type the team's name to confirm:"
            )
        explanation = QLabel(text)
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Type the team name to confirm")
        self.name_edit.setVisible(not has_mailer)
        layout.addWidget(self.name_edit)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton(
            "&Delete team", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.setEnabled(False)
        self.delete_button.setVisible(not has_mailer)
        self.delete_button.clicked.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._typed)
        self.resize(440, self.sizeHint().height())

    def _typed(self, text: str) -> None:
        self.delete_button.setEnabled(text.strip().casefold() == self.team_name.casefold())

    def submit(self) -> None:
        """Delete in the background once the typed name matches."""
        if not self.delete_button.isEnabled():
            return
        self.delete_button.setEnabled(False)
        self.bridge.run(
            _delete,
            self.store,
            self.team_id,
            label="Deleting the team",
            changes=0,
            on_success=self._done,
            on_failure=self._failed,
        )

    def _done(self, _: Any) -> None:
        self.deleted.emit(self.team_id)
        self.accept()

    def _failed(self, exc: SesdeskError) -> None:
        self.error_label.setText(exc.message)
        self.error_label.show()
        self._typed(self.name_edit.text())
