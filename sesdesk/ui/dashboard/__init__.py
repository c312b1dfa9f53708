"""The dashboard: a scrolling column of cards, each showing one part of a team's snapshot.

The dashboard reads the store (off the GUI thread, through the bridge) when the team changes
and whenever `Bridge.store_changed` names this team; every card gets the same snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from sesdesk.ui.bridge import Bridge
from sesdesk.ui.widgets.card import Card

if TYPE_CHECKING:
    from sesdesk.services.state import TeamSnapshot

ALL_TEAMS = 0


def _load_snapshot(store: Any, team_id: int) -> TeamSnapshot:
    # Imported here: services pull in SQLAlchemy, which must not load before the first show.
    from sesdesk.services.state import load_snapshot

    return load_snapshot(store, team_id)


class Dashboard(QScrollArea):
    """Holds the cards of the current team and keeps them in step with the store."""

    #: A fresh snapshot was shown (the main window takes 'last checked' from it).
    snapshot_loaded = Signal(object)

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        *,
        connect_action: QAction | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.store = store
        self.team_id: int | None = None
        self.snapshot: TeamSnapshot | None = None
        self._generation = 0  # drops answers to reads that a newer read superseded
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)

        body = QWidget()
        body.setObjectName("dashboardBody")
        body.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(20, 18, 20, 18)
        outer.setSpacing(16)
        self.empty_label = QLabel("No team selected. Create one with File → New team…")
        self.empty_label.setObjectName("muted")
        outer.addWidget(self.empty_label)
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.setWidget(body)

        self.cards: list[Card] = []
        from sesdesk.ui.dashboard.overview import OverviewCard

        self.overview = OverviewCard(connect_action)
        self.add_card(self.overview, column_span=2)
        self._show_cards(False)
        bridge.store_changed.connect(self._store_changed)

    def add_card(
        self, card: Card, *, row: int | None = None, column: int = 0, column_span: int = 1
    ) -> None:
        """Place `card` in the grid (default: a new row) and feed it every snapshot."""
        if row is None:
            row = self.grid.rowCount() if self.cards else 0
        self.grid.addWidget(card, row, column, 1, column_span)
        self.cards.append(card)
        card.setVisible(self.team_id is not None)
        if self.snapshot is not None:
            card.show_snapshot(self.snapshot)

    def _show_cards(self, visible: bool) -> None:
        self.empty_label.setVisible(not visible)
        for card in self.cards:
            card.setVisible(visible)

    def show_team(self, team_id: int | None) -> None:
        """Show team `team_id` (None: no team) and read its snapshot."""
        self.team_id = team_id
        self.snapshot = None
        if team_id is None:
            self._generation += 1
            self._show_cards(False)
            return
        self.reload()

    def reload(self) -> None:
        """Read the current team's snapshot again (off the GUI thread)."""
        if self.team_id is None:
            return
        self._generation += 1
        generation, team_id = self._generation, self.team_id

        def shown(snapshot: TeamSnapshot) -> None:
            if generation == self._generation:
                self._show_snapshot(snapshot)

        self.bridge.run(_load_snapshot, self.store, team_id, on_success=shown)

    def _show_snapshot(self, snapshot: TeamSnapshot) -> None:
        self.snapshot = snapshot
        for card in self.cards:
            card.show_snapshot(snapshot)
        self._show_cards(True)
        self.snapshot_loaded.emit(snapshot)

    def _store_changed(self, team_id: int) -> None:
        if self.team_id is not None and team_id in (ALL_TEAMS, self.team_id):
            self.reload()
