"""The dashboard area: the current team's `DashboardView`, or a hint when there is no team.

Each card is its own widget (see the modules beside this one); `view.py` composes them for one
team. This area swaps views when the team changes and forwards their signals to the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from sesdesk.ui.bridge import Bridge

if TYPE_CHECKING:
    from sesdesk.services.state import TeamSnapshot
    from sesdesk.ui.dashboard.view import DashboardView
    from sesdesk.ui.poller_bridge import PollerController

READING_TEAMS = "Reading the teams…"
NO_TEAM = "No team yet. Create one with File → New team…"


class DashboardArea(QStackedWidget):
    """Shows one team's dashboard at a time."""

    #: A card asked for a fix: (fix, detail) — see `sesdesk.ui.fixes`.
    fix_requested = Signal(str, str)
    #: The view showed a fresh read of the store (DashboardData).
    data_loaded = Signal(object)

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        *,
        poller: PollerController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.store = store
        self.poller = poller
        self.view: DashboardView | None = None
        # Until the team list has been read, "no team" would be untrue: say it is being read.
        self.empty_label = QLabel(READING_TEAMS)
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.empty_label)

    @property
    def team_id(self) -> int | None:
        """The team shown, or None."""
        return self.view.team_id if self.view is not None else None

    @property
    def snapshot(self) -> TeamSnapshot | None:
        """The last snapshot the view showed (None until its first read lands)."""
        if self.view is None or self.view.data is None:
            return None
        return self.view.data.snapshot

    def show_team(self, team_id: int | None) -> None:
        """Show `team_id`'s dashboard (a fresh view), or the hint when None."""
        if team_id is not None and team_id == self.team_id:
            return
        if self.view is not None:
            self.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        if team_id is None:
            self.empty_label.setText(NO_TEAM)
            self.setCurrentWidget(self.empty_label)
            return
        from sesdesk.ui.dashboard.view import DashboardView

        self.view = DashboardView(self.bridge, self.store, team_id, poller=self.poller)
        self.view.fix_requested.connect(self.fix_requested)
        self.view.data_loaded.connect(self.data_loaded)
        self.addWidget(self.view)
        self.setCurrentWidget(self.view)

    def refresh_now(self) -> None:
        """Ask AWS about the shown team now."""
        if self.view is not None:
            self.view.refresh_now()
