"""File ▸ Reset demo…: wipe the demo's records and the simulated account, after asking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from sesdesk.ui.widgets.ask import ask

if TYPE_CHECKING:
    from sesdesk.ui.main_window import MainWindow

#: What the demo keeps and what restarts, for the banner's tooltip.
KEPT_DETAIL = (
    "Teams, contacts, broadcasts and history stay in the demo's own folder until you choose "
    "File ▸ Reset demo…. Each start re-creates the simulated account they need (keys, "
    "identities and their status, sandbox or production, quota); its 24-hour send counter, "
    "message log and suppression list start empty."
)


class DemoReset:
    """The Reset demo… action of a demo window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.box: QMessageBox | None = None
        self.action = QAction("Reset &demo…", window)
        self.action.setStatusTip("Delete every demo team, contact and broadcast and start afresh")
        self.action.triggered.connect(self.ask)

    def ask(self) -> QMessageBox:
        """Ask before wiping (non-blocking); "Reset demo" does it."""

        def answered(reset: bool) -> None:
            self.box = None
            if reset:
                self._reset()

        self.box = ask(
            self.window,
            title="Reset the demo?",
            text="Delete every demo team, contact list and broadcast and start afresh?",
            details="Only the demo's records go; your real sesdesk records are not touched. "
            "This cannot be undone.",
            yes="Reset demo",
            no="Keep my demo",
            icon=QMessageBox.Icon.Warning,
            yes_role=QMessageBox.ButtonRole.DestructiveRole,
            on_answer=answered,
        )
        return self.box

    def _reset(self) -> None:
        window = self.window
        services = window.services
        if services is None or services.demo is None:
            return
        if window.sending_desk is not None and window.sending_desk.runs.running_ids():
            window.show_error(
                "A broadcast is sending: pause it before resetting the demo.",
                "Broadcasts lists it with Pause in its progress window.",
            )
            return
        from sesdesk.services.demo import reset_demo

        window.bridge.run(
            reset_demo,
            services.demo,
            label="Resetting the demo",
            changes=0,
            on_success=self._done,
        )

    def _done(self, team_id: Any) -> None:
        window = self.window
        if window.simulator_panel is not None:
            window.simulator_panel.team_id = int(team_id)
            window.simulator_panel.reload_identities()
        if window.team_switcher is not None:
            window.team_switcher.reload(select_id=int(team_id))
        window.status.showMessage("The demo starts afresh.", 5000)


def follow_identities(window: MainWindow) -> None:
    """Identities added in the window appear in the Simulator controls' list too (re-read only
    when the names changed, so a poll never resets what the user is typing there)."""
    panel = window.simulator_panel
    if panel is None:
        return
    from sesdesk.ui.demo_panel import identity_statuses

    def compare(statuses: dict[str, str]) -> None:
        if set(statuses) != set(panel.identity_statuses):
            panel.reload_identities()

    window.bridge.run(
        identity_statuses, panel.simulator, label="Reading the simulator", on_success=compare
    )


def demo_keys_provider(window: MainWindow) -> Any:
    """What the wizards' "Use demo keys" calls (in a worker thread): the key the Simulator
    controls issued last, once, else a fresh simulated IAM user's keys."""
    services = window.services
    assert services is not None and services.demo is not None
    demo = services.demo

    def provide() -> Any:
        panel = window.simulator_panel
        issued = panel.issued_keys if panel is not None else None
        if issued is not None and panel is not None:
            panel.issued_keys = None  # offered once: the next wizard gets fresh keys
            return issued
        return demo.keys_for_wizard()

    return provide
