"""The team switcher: a combo box of teams and the "New team…" dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from sesdesk.errors import BadInput, SesdeskError
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.dialogs.name_dialogs import NameDialog

if TYPE_CHECKING:
    from sesdesk.services.teams import TeamInfo


def _list_teams(store: Any) -> list[TeamInfo]:
    # Imported here: services pull in SQLAlchemy, which must not load before the first show.
    from sesdesk.services.teams import list_teams

    return list_teams(store)


def _create_team(store: Any, name: str) -> TeamInfo:
    from sesdesk.services.teams import create_team

    return create_team(store, name)


FIELD_LABELS = {"name": "Team name"}


class NewTeamDialog(NameDialog):
    """Asks for a team name; creates the team off the GUI thread; shows problems inline."""

    created = Signal(object)  # TeamInfo

    def __init__(self, bridge: Bridge, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(bridge, store, "New team", parent)
        self.team: TeamInfo | None = None
        intro = QLabel("A team is one project with its own AWS account and mailer.")
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.add_name_field("Team &name:", "&Create", placeholder="e.g. Acme newsletter")
        self.create_button = self.ok_button

    def submit(self) -> None:
        """Create the team named in the field (off the GUI thread)."""
        self.create_button.setEnabled(False)
        task = self.bridge.run(
            _create_team,
            self.store,
            self.name_edit.text(),
            label="Creating team",
            on_success=self._created,
            on_failure=self._failed,
        )
        if task is not None:
            task.add_done_callback(lambda _task: self._enable())

    def _enable(self) -> None:
        # The dialog may already be gone (accepted and deleted) when the task's end arrives.
        if shiboken6.isValid(self.create_button):
            self.create_button.setEnabled(True)

    def _created(self, team: TeamInfo) -> None:
        self.team = team
        self.created.emit(team)
        self.accept()

    def _failed(self, exc: SesdeskError) -> None:
        if isinstance(exc, BadInput):
            field = FIELD_LABELS.get(exc.field, exc.field)
            text = f"{field}: {exc.problem}"
        else:
            text = exc.message
        self.show_error(f"{text}\n{exc.hint}" if exc.hint else text)
        self.name_edit.setFocus()


class TeamSwitcher(QWidget):
    """'Team: [combo] [New team…]'. Emits `team_selected(team_id or None)` on a change."""

    team_selected = Signal(object)  # int team id, or None when there are no teams

    def __init__(self, bridge: Bridge, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.store = store
        self.teams: list[TeamInfo] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(8)
        label = QLabel("T&eam:")
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(18)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip("Switch between teams; each team has its own AWS account")
        self.combo.setAccessibleName("Team")
        label.setBuddy(self.combo)
        self.new_button = QPushButton("&New team…")
        self.new_button.setToolTip("Create a team for another project or AWS account")
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addWidget(self.new_button)
        self.combo.currentIndexChanged.connect(self._index_changed)
        self.new_button.clicked.connect(self.new_team)
        self.dialog: NewTeamDialog | None = None

    @property
    def current_team_id(self) -> int | None:
        """The selected team's id, or None."""
        data = self.combo.currentData()
        return int(data) if data is not None else None

    def reload(self, select_id: int | None = None) -> None:
        """Read the teams again (off the GUI thread) and select `select_id` or keep the choice."""
        keep = select_id if select_id is not None else self.current_team_id
        self.bridge.run(
            _list_teams, self.store, on_success=lambda teams: self.set_teams(teams, keep)
        )

    def set_teams(self, teams: list[TeamInfo], select_id: int | None = None) -> None:
        """Fill the combo with `teams`, selecting `select_id` (default: the first)."""
        self.teams = list(teams)
        before = self.current_team_id
        self.combo.blockSignals(True)
        self.combo.clear()
        for team in self.teams:
            self.combo.addItem(team.name, team.id)
        index = self.combo.findData(select_id) if select_id is not None else -1
        self.combo.setCurrentIndex(index if index >= 0 else (0 if self.teams else -1))
        self.combo.blockSignals(False)
        if self.current_team_id != before or before is None:
            self._index_changed()

    def select(self, team_id: int) -> None:
        """Switch to team `team_id` if it is listed."""
        index = self.combo.findData(team_id)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def new_team(self) -> NewTeamDialog:
        """Open the New team dialog (non-blocking) and return it."""
        dialog = NewTeamDialog(self.bridge, self.store, self.window())
        dialog.created.connect(lambda team: self.reload(select_id=team.id))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _index_changed(self, *_args: object) -> None:
        self.team_selected.emit(self.current_team_id)
