"""A team's dashboard: the warnings strip on top, the cards below, all from one store read.

The view reads the store off the GUI thread (through the bridge) when it is created, whenever
`Bridge.store_changed` names its team, and after Refresh now; every card then shows the same
read. Buttons that fix something emit `fix_requested(fix, detail)`; the main window opens the
matching wizard. A newer read always wins over an older one still in flight.

A read that lands is shown in a few stages, one event-loop turn apart, so Qt paints between
them: the first sync of an empty store changes every card at once (200 identities, banners, the
chart's first layout), and doing it all in one go stalled the window for ~70 ms
(bench/ui_responsiveness.py --cold). `show_data` still shows everything at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from sesdesk.ui.bridge import Bridge
from sesdesk.ui.dashboard.account import AccountCard
from sesdesk.ui.dashboard.can_send import CanSendCard
from sesdesk.ui.dashboard.common import DashboardData, load_dashboard
from sesdesk.ui.dashboard.credentials import CredentialsCard
from sesdesk.ui.dashboard.feedback import FeedbackCard
from sesdesk.ui.dashboard.history import HistoryCard
from sesdesk.ui.dashboard.identities import IdentitiesCard
from sesdesk.ui.dashboard.quota import QuotaCard
from sesdesk.ui.dashboard.readiness import ReadinessCard
from sesdesk.ui.dashboard.warnings import WarningsPanel
from sesdesk.ui.widgets.labels import wrapped_label

if TYPE_CHECKING:
    from sesdesk.ui.poller_bridge import PollerController

ALL_TEAMS = 0
#: What the dashboard says until the team's first read is shown, or when it failed.
LOADING = "Reading this team's records…"
UNREAD = "This team's records could not be read."
#: Pause between the stages of showing a read: a real timer (not a zero one, which Qt runs
#: before the posted paint) so the window paints what the last stage changed first.
STAGE_GAP_MS = 1


class DashboardView(QWidget):
    """Every card of one team's dashboard, kept in step with the store."""

    #: A button asked for a fix: (fix, detail). Fix values: connect, reconnect, delete_mailer,
    #: add_identity, verify, records, retry, replace, apply, reputation (detail: the URL).
    fix_requested = Signal(str, str)
    #: The user pressed Refresh now (also handled here when a poller is attached).
    refresh_requested = Signal(int)
    #: A read of the store was shown (DashboardData).
    data_loaded = Signal(object)

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        parent: QWidget | None = None,
        *,
        poller: PollerController | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.store = store
        self.team_id = team_id
        self.poller = poller
        self.data: DashboardData | None = None
        # The read the cards are being switched to (staged): what the warnings show while a
        # refresh starts or ends must be this one, not the last fully shown `data`.
        self._newest: DashboardData | None = None
        self._generation = 0
        self._loading = False
        self._stale = False
        self._refreshing = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.warnings = WarningsPanel()
        outer.addWidget(self.warnings)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("dashboardBody")
        body.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QGridLayout(body)
        grid.setContentsMargins(20, 12, 20, 18)
        grid.setSpacing(16)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.can_send = CanSendCard()
        self.credentials = CredentialsCard()
        self.account = AccountCard()
        self.quota = QuotaCard()
        self.identities = IdentitiesCard()
        self.history = HistoryCard()
        self.history.bridge, self.history.store, self.history.team_id = bridge, store, team_id
        grid.addWidget(self.can_send, 0, 0, 1, 2)
        grid.addWidget(self.credentials, 1, 0)
        grid.addWidget(self.account, 1, 1)
        # Asks DNS and SES itself (off the GUI thread); re-checks on a read once stale.
        self.readiness = ReadinessCard(bridge, store, team_id)
        grid.addWidget(self.readiness, 2, 0, 1, 2)
        self.readiness.fix_requested.connect(self.fix_requested)
        self.data_loaded.connect(lambda data: self.readiness.show_snapshot(data.snapshot))
        grid.addWidget(self.identities, 3, 0, 1, 2)
        grid.addWidget(self.quota, 4, 0, 1, 2)
        grid.addWidget(self.history, 5, 0, 1, 2)
        # Reads its own tables after each dashboard read (bounces, complaints, the wiring).
        self.feedback = FeedbackCard(bridge, store, team_id)
        grid.addWidget(self.feedback, 6, 0, 1, 2)
        self.data_loaded.connect(lambda _data: self.feedback.reload())
        grid.setRowStretch(7, 1)
        scroll.setWidget(body)
        self.scroll_area = scroll
        # Until the first read has been shown the cards say nothing true (an empty card would
        # offer "Connect AWS…" beside a mailer's fields): say that the team is being read.
        self.loading_label = wrapped_label(LOADING, "muted", selectable=True)
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.loading_label)
        self.pages.addWidget(scroll)
        outer.addWidget(self.pages, 1)
        self.cards = [
            self.can_send,
            self.credentials,
            self.account,
            self.identities,
            self.quota,
            self.history,
        ]
        for card in (self.can_send, self.credentials, self.account, self.identities):
            card.fix_requested.connect(self.fix_requested)
        self.warnings.fix_requested.connect(self.fix_requested)
        self.warnings.refresh_requested.connect(self.refresh_now)
        self.fix_requested.connect(self._handle_own_fix)
        bridge.store_changed.connect(self._store_changed)
        if poller is not None:
            poller.cycle_finished.connect(self._cycle_finished)
        self.setEnabled(True)
        self.reload()

    # --- reading ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the team's dashboard data again (off the GUI thread)."""
        if self._loading:
            self._stale = True  # one more read when this one lands, not a pile of them
            return
        self._loading = True
        self._generation += 1
        generation = self._generation

        def shown(data: DashboardData) -> None:
            if generation != self._generation:
                self._loading = False
                self._again()
                return
            # Still "loading" until the last stage: a newer read waits instead of interleaving.
            self._newest = data
            self._show_staged(data, self._stages(data))

        def failed(error: Any) -> None:
            self._loading = False
            if self.data is None:
                self.loading_label.setText(f"{UNREAD} {getattr(error, 'message', error)}")
            self.bridge.report(error)
            self._again()

        self.bridge.run(
            load_dashboard, self.store, self.team_id, on_success=shown, on_failure=failed
        )

    def _again(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    def show_data(self, data: DashboardData) -> None:
        """Show one read of the store in every card."""
        self._newest = data
        for stage in self._stages(data):
            stage()
        self._shown(data)

    def _stages(self, data: DashboardData) -> list[Callable[[], None]]:
        """Showing `data`, cut where Qt may paint in between (each stage ~10 ms at most)."""
        snapshot = data.snapshot

        def top() -> None:
            self.can_send.show_gate(snapshot, data.gate)
            self.credentials.show_snapshot(snapshot)
            self.account.show_snapshot(snapshot)

        return [
            # Alone: new banners shift every card down, so the paint after this is the
            # whole window.
            lambda: self.warnings.show_state(snapshot, data.gate, checking=self._refreshing),
            top,
            lambda: self.identities.show_snapshot(snapshot),
            lambda: self.quota.show_quota(snapshot, data.sends),
            lambda: self.history.show_events(data.events),
        ]

    def _show_staged(self, data: DashboardData, stages: list[Callable[[], None]]) -> None:
        generation = self._generation
        try:
            stages.pop(0)()
        except Exception:
            self._loading = False
            raise
        if stages and generation == self._generation:
            # Parented to self: no stage runs on a view that has been deleted meanwhile.
            QTimer.singleShot(STAGE_GAP_MS, self, lambda: self._show_staged(data, stages))
            return
        self._loading = False
        if not stages:
            self._shown(data)
        self._again()

    def _shown(self, data: DashboardData) -> None:
        # Set last: `data` is the read every card shows (tests and the window wait on it).
        self.data = data
        self.pages.setCurrentWidget(self.scroll_area)
        self.data_loaded.emit(data)

    def _store_changed(self, team_id: int) -> None:
        if team_id in (ALL_TEAMS, self.team_id):
            self.reload()

    # --- refresh ------------------------------------------------------------------------

    def refresh_now(self) -> None:
        """Ask AWS now: through the poller when attached, else one cycle in the background."""
        self.refresh_requested.emit(self.team_id)
        self._refreshing = True
        self.readiness.check_now()  # DNS is not in the store: "Refresh now" asks it too
        newest = self._newest or self.data
        if newest is not None:
            self.warnings.show_state(newest.snapshot, newest.gate, checking=True)
        if self.poller is not None and self.poller.running:
            self.poller.refresh_now(self.team_id)
            return

        def cycle_done(_: Any) -> None:
            self._refreshing = False

        self.bridge.run(
            _one_cycle, self.store, self.team_id, changes=self.team_id, on_success=cycle_done
        )

    def _cycle_finished(self, outcome: Any) -> None:
        if outcome.team_id == self.team_id and self._refreshing:
            self._refreshing = False
            newest = self._newest or self.data
            if newest is not None:
                self.warnings.show_state(newest.snapshot, newest.gate)

    def _handle_own_fix(self, fix: str, detail: str) -> None:
        if fix == "refresh":
            self.refresh_now()
        elif fix in ("records", "verify") and detail:
            # Point at the identity concerned; the lead's wizard shows its records.
            self.identities.select(detail)


def _one_cycle(store: Any, team_id: int) -> Any:
    """One blocking poll cycle (no poller attached): in the bridge's threads."""
    from sesdesk.services.poller import run_cycle

    return run_cycle(store, team_id)
