"""The window's side of the background poller: one task per team on the qasync loop.

`PollerController` owns a `services.poller.Poller` (whose cycles run in its own worker threads,
never on the GUI thread), tells widgets through `Bridge.store_changed` after every cycle (the
cycle wrote at least "last checked"), and turns notable changes into `notice` signals for
desktop notifications. Offline cycles never raise dialogs: the dashboard shows "offline since".
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from sesdesk.ui.bridge import Bridge

if TYPE_CHECKING:
    from sesdesk.services.poller import CycleOutcome, Poller, PollSchedule

log = logging.getLogger(__name__)

ALL_TEAMS = 0


def _team_ids(store: Any) -> list[int]:
    from sesdesk.services.poller import all_team_ids

    return all_team_ids(store)


class PollerController(QObject):
    """Starts, nudges and stops the poller tasks of every team for the window."""

    #: A cycle ended (CycleOutcome); emitted after `Bridge.store_changed`.
    cycle_finished = Signal(object)
    #: Something worth a desktop notification: (team id, title, message).
    notice = Signal(int, str, str)

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        *,
        schedule: PollSchedule | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.store = store
        self._schedule = schedule
        self._poller: Poller | None = None
        self._emitting = False  # our own store_changed must not nudge us again
        self._last_bug: str | None = None
        self._frozen = False
        self.outcomes: dict[int, CycleOutcome] = {}
        bridge.store_changed.connect(self._store_changed)

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._poller is not None

    def start(self, team_ids: list[int] | None = None) -> None:
        """Start polling (every team, or `team_ids`). Needs the running qasync loop."""
        if self._poller is not None:
            return
        from sesdesk.services.poller import Poller

        # Start-up's objects live as long as the app: keep full collections from walking
        # them (see _cycle_done).
        gc.freeze()
        self._poller = Poller(self.store, schedule=self._schedule, on_cycle=self._cycle_done)
        if team_ids is not None:
            self._poller.sync_teams(team_ids)
        else:
            self._sync_all()

    def _sync_all(self) -> None:
        def synced(team_ids: list[int]) -> None:
            if self._poller is not None:
                self._poller.sync_teams(team_ids)

        self.bridge.run(_team_ids, self.store, label="", on_success=synced)

    def refresh_now(self, team_id: int | None = None) -> None:
        """Poll `team_id` (None: every team) right away."""
        if self._poller is None:
            return
        if team_id is not None and team_id not in self._poller.teams:
            self._poller.start_team(team_id)
            return
        self._poller.refresh_now(team_id)

    def last_outcome(self, team_id: int) -> CycleOutcome | None:
        """The latest cycle of `team_id`, if any ran."""
        return self.outcomes.get(team_id)

    async def stop(self) -> None:
        """Stop every poller task and wait for them (call before the store closes)."""
        poller, self._poller = self._poller, None
        if poller is not None:
            await poller.stop()

    # --- callbacks --------------------------------------------------------------------

    def _cycle_done(self, outcome: CycleOutcome) -> None:
        from sesdesk.services.poller import CycleState

        if self._poller is None:
            return  # stopped while the cycle ran
        self.outcomes[outcome.team_id] = outcome
        if not self._frozen:
            # After the first cycle the app's long-lived objects exist (Qt wrappers, boto3
            # models, SQLAlchemy mappers). Freezing them keeps the collector's full passes
            # short: unfrozen, one took ~140 ms in a worker thread, holding the GIL and
            # stalling the window (bench/ui_responsiveness.py). gc.freeze() is O(1).
            gc.freeze()
            self._frozen = True
        self._emitting = True
        try:
            self.bridge.store_changed.emit(outcome.team_id)
        finally:
            self._emitting = False
        if outcome.state is CycleState.ERROR and outcome.error is not None:
            # A bug (or an error we did not expect) reaches the user once, not every cycle.
            text = str(outcome.error)
            if text != self._last_bug:
                self._last_bug = text
                self.bridge.report(outcome.error)
        for notice in outcome.notices:
            self.notice.emit(outcome.team_id, notice.title, notice.message)
        self.cycle_finished.emit(outcome)

    def _store_changed(self, team_id: int) -> None:
        if self._emitting or self._poller is None:
            return
        if team_id == ALL_TEAMS:
            self._sync_all()
        elif team_id in self._poller.teams:
            self._poller.nudge(team_id)
        else:
            self._poller.start_team(team_id)  # a new team, or one that just got a mailer
