"""Delete a team's mailer: what goes and what stays explained, confirmed by typing the
team's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from sesdesk.errors import SesdeskError
from sesdesk.models.states import MailerAccess
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.dialogs.name_dialogs import TypedNameDeleteDialog


def _delete_mailer(store: Any, team_id: int, delete_identities: bool) -> Any:
    from sesdesk.services.connect import delete_mailer

    return delete_mailer(store, team_id, delete_identities=delete_identities)


class DeleteMailerDialog(TypedNameDeleteDialog):
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
        super().__init__("Delete mailer", parent)
        self.bridge, self.store, self.team_id, self.team_name = bridge, store, team_id, team_name
        layout = self.body
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

        self.add_confirmation("&Delete mailer", 520, prompt=f"Type <b>{team_name}</b> to confirm:")

    def deletion(self) -> tuple[Callable[..., Any], tuple[Any, ...], str, int]:
        """Delete the mailer (and the identities in SES when the box is ticked)."""
        args = (self.store, self.team_id, self.identities_box.isChecked())
        return _delete_mailer, args, "Deleting the mailer", self.team_id

    def _done(self, result: Any) -> None:
        self.deleted.emit(result)
        self.accept()

    def failure_text(self, exc: SesdeskError) -> str:
        """The problem and, where there is one, its hint."""
        return exc.message + (f"\n{exc.hint}" if exc.hint else "")
