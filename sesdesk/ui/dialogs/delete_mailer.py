"""Delete a team's mailer: what goes and what stays explained, confirmed by typing the
team's name."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models.states import MailerAccess
from sesdesk.ui.bridge import Bridge


def _delete_mailer(store: Any, team_id: int, delete_identities: bool) -> Any:
    from sesdesk.services.connect import delete_mailer

    return delete_mailer(store, team_id, delete_identities=delete_identities)


class DeleteMailerDialog(QDialog):
    """Says what goes (the local mailer, its secret, optionally the identities in SES) and
    deletes only after the team's name is typed."""

    deleted = Signal(object)  # DeleteResult

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        team_name: str,
        *,
        account_id: str,
        access: str = MailerAccess.OK,
        identities: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id, self.team_name = bridge, store, team_id, team_name
        self.setWindowTitle("Delete mailer")
        self.setModal(True)
        layout = QVBoxLayout(self)
        explanation = QLabel(
            f"<b>Deleting the mailer of “{team_name}”</b> (AWS account {account_id}):"
            "<ul>"
            "<li>removes the mailer from this computer and its AWS secret from the keyring;</li>"
            "<li>stops all sending for this team until you connect a mailer again;</li>"
            "<li>keeps the team's history (status changes, sends) readable.</li>"
            "</ul>"
            "To give the same mailer new keys instead, use <b>Reconnect</b>."
        )
        explanation.setWordWrap(True)
        layout.addWidget(explanation)

        names = ", ".join(identities) if identities else "none"
        self.identities_box = QCheckBox(
            f"Also delete the team's {len(identities)} sender identities in SES ({names})"
        )
        can_delete = access == MailerAccess.OK and bool(identities)
        self.identities_box.setEnabled(can_delete)
        layout.addWidget(self.identities_box)
        why_not = ""
        if identities and access != MailerAccess.OK:
            why_not = (
                "The keys no longer work, so sesdesk cannot delete identities in SES; they stay "
                "there (remove them in the SES console if you want)."
            )
        self.identities_note = QLabel(
            why_not or "Identities left in SES stay verified and can be reused by a new mailer."
        )
        self.identities_note.setObjectName("muted")
        self.identities_note.setWordWrap(True)
        layout.addWidget(self.identities_note)

        prompt = QLabel(f"Type <b>{team_name}</b> to confirm:")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Type the team name to confirm")
        prompt.setBuddy(self.name_edit)
        layout.addWidget(prompt)
        layout.addWidget(self.name_edit)
        self.error_label = QLabel()
        self.error_label.setObjectName("statusError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton(
            "&Delete mailer", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._typed)
        self.resize(520, self.sizeHint().height())

    def _typed(self, text: str) -> None:
        self.delete_button.setEnabled(text.strip().casefold() == self.team_name.casefold())

    def submit(self) -> None:
        """Delete in the background once the typed name matches."""
        if not self.delete_button.isEnabled():
            return
        self.delete_button.setEnabled(False)
        self.error_label.hide()
        self.bridge.run(
            _delete_mailer,
            self.store,
            self.team_id,
            self.identities_box.isChecked(),
            label="Deleting the mailer",
            changes=self.team_id,
            on_success=self._done,
            on_failure=self._failed,
        )

    def _done(self, result: Any) -> None:
        self.deleted.emit(result)
        self.accept()

    def _failed(self, exc: SesdeskError) -> None:
        self.error_label.setText(exc.message + (f"\n{exc.hint}" if exc.hint else ""))
        self.error_label.show()
        self._typed(self.name_edit.text())
