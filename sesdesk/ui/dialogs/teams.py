"""Rename a team, delete a team (with confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from sesdesk.errors import SesdeskError
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.dialogs.name_dialogs import NameDialog, TypedNameDeleteDialog


def _rename(store: Any, team_id: int, name: str) -> Any:
    from sesdesk.services.teams import rename_team

    return rename_team(store, team_id, name)


def _delete(store: Any, team_id: int) -> None:
    from sesdesk.services.teams import delete_team

    delete_team(store, team_id)


class RenameTeamDialog(NameDialog):
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
        super().__init__(bridge, store, "Rename team", parent)
        self.team_id = team_id
        self.add_name_field("New &name:", "&Rename", text=current_name)

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
        self.show_error(getattr(exc, "problem", None) or exc.message)


class DeleteTeamDialog(TypedNameDeleteDialog):
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
        super().__init__("Delete team", parent)
        self.bridge, self.store, self.team_id, self.team_name = bridge, store, team_id, team_name
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
        self.body.addWidget(explanation)
        self.add_confirmation("&Delete team", 440, offered=not has_mailer)

    def deletion(self) -> tuple[Callable[..., Any], tuple[Any, ...], str, int]:
        """Delete the team (changes=0: the team list itself changes)."""
        return _delete, (self.store, self.team_id), "Deleting the team", 0

    def _done(self, _: Any) -> None:
        self.deleted.emit(self.team_id)
        self.accept()
