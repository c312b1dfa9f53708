"""The main window: a thin frame that places the team switcher, dashboard, banners, status bar,
menus and (in demo mode) the simulator controls. Each part is its own widget.

Start-up shows a minimal but real frame first (title, size, "Loading…", the demo banner, the
status bar) and builds the rest (menus, toolbar, error banner, error page) in
`finish_building()`, which `sesdesk.app` calls right after the first show. PySide6 creates a
class's Python enums the first time the class is used (~0.2–1 ms each), so the classes only the
rest needs (QAction, QKeySequence, QToolBar, QDockWidget, QMessageBox, …) are imported there.
Every attribute that belongs to the rest builds it on first use, so callers never see it missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.pages import LoadingPage
from sesdesk.ui.widgets.statusbar import StatusBar

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction, QCloseEvent
    from PySide6.QtWidgets import QDockWidget, QMenu, QPushButton, QToolBar

    from sesdesk.services.runtime import AppServices
    from sesdesk.services.state import TeamSnapshot
    from sesdesk.ui.bridge import Bridge
    from sesdesk.ui.dashboard import DashboardArea
    from sesdesk.ui.dashboard.notifications import Notifier
    from sesdesk.ui.demo_panel import SimulatorPanel
    from sesdesk.ui.fixes import FixRouter
    from sesdesk.ui.poller_bridge import PollerController
    from sesdesk.ui.sending.broadcasts import BroadcastsView, PageSwitch
    from sesdesk.ui.sending.desk import SendingDesk
    from sesdesk.ui.team_switcher import TeamSwitcher
    from sesdesk.ui.widgets.banner import Banner
    from sesdesk.ui.widgets.pages import ErrorPage

# Fits a 1024×768 screen (minus panels and title bar); never larger than the screen.
DEFAULT_SIZE = (1000, 680)
DEMO_TEXT = (
    "<b>Demo mode</b> — a simulated SES account. Nothing is sent to real people. Records "
    "are kept between runs (File ▸ Reset demo…)."
)
SETTINGS_FILE = "window.ini"
#: Menu actions that open a fix (see sesdesk.ui.fixes), and when each makes sense.
_TEAM_FIXES = {
    "connect_aws": "connect",
    "reconnect": "reconnect",
    "delete_mailer": "delete_mailer",
    "add_identity": "add_identity",
    "apply_production": "apply",
    "rename_team": "rename_team",
    "delete_team": "delete_team",
    "compose": "compose",
    "contacts": "contacts",
}


@dataclass
class MainActions:
    """The window's menu actions; later features connect and enable the disabled ones."""

    new_team: QAction
    rename_team: QAction
    delete_team: QAction
    quit: QAction
    connect_aws: QAction
    reconnect: QAction
    delete_mailer: QAction
    add_identity: QAction
    apply_production: QAction
    compose: QAction
    contacts: QAction
    refresh: QAction
    about: QAction
    open_logs: QAction


@dataclass
class _Rest:
    """What `finish_building` adds to the first frame."""

    menu_actions: MainActions
    team_menu: QMenu
    view_menu: QMenu
    toolbar: QToolBar
    error_banner: Banner
    error_page: ErrorPage


class MainWindow(QMainWindow):
    """sesdesk's window. Shows "Loading…" until `attach(services)` or `show_startup_error`."""

    #: The window was closed (the app quits on it).
    closed = Signal()

    def __init__(
        self,
        *,
        bridge: Bridge,
        demo: bool = False,
        settings_dir: Path | None = None,
        log_folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.demo = demo
        self.services: AppServices | None = None
        self.settings_dir = settings_dir
        self.log_folder = log_folder
        self.team_switcher: TeamSwitcher | None = None
        self.dashboard: DashboardArea | None = None
        self.poller: PollerController | None = None
        self.fixes: FixRouter | None = None
        self.notifier: Notifier | None = None
        self.simulator_panel: SimulatorPanel | None = None
        self.simulator_dock: QDockWidget | None = None
        self.sending_desk: SendingDesk | None = None
        self.broadcasts_view: BroadcastsView | None = None
        self.pages: PageSwitch | None = None
        self._rest: _Rest | None = None

        # Ends with the application's display name, which the platform would append otherwise.
        self.setWindowTitle("Demo — sesdesk" if demo else "sesdesk")
        self.setObjectName("mainWindow")
        fit_to_screen(self, *DEFAULT_SIZE)
        self.setMinimumSize(640, 460)

        central = QWidget()
        self._column = QVBoxLayout(central)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)
        self.demo_banner: Banner | None = None
        if demo:
            from sesdesk.ui.widgets.banner import Banner

            self.demo_banner = Banner(tone="demo")
            self.demo_banner.set_message(DEMO_TEXT, bold=False)
            self.demo_banner.text_label.setTextFormat(Qt.TextFormat.RichText)
            from sesdesk.ui.demo_dock import remembered_visible

            self.simulator_button: QPushButton = self.demo_banner.add_button(
                _simulator_button_text(remembered_visible(self)),
                "Show or hide the panel that changes the simulated SES account",
            )
            self.simulator_button.setEnabled(False)  # until the simulator is running
            self._column.addWidget(self.demo_banner)
        self.stack = QStackedWidget()
        self.loading_page = LoadingPage("Starting the demo simulator…" if demo else "Loading…")
        self.stack.addWidget(self.loading_page)
        self._column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # The menu bar and its (still empty) menus are in the first frame, so nothing moves when
        # finish_building() fills them a moment later.
        bar = self.menuBar()
        self._menus = tuple(
            bar.addMenu(title) for title in ("&File", "&Team", "&Send", "&View", "&Help")
        )

        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.status.showMessage("Starting…")
        bridge.operation_started.connect(self.status.operation_started)
        bridge.operation_finished.connect(self.status.operation_finished)
        bridge.error_reported.connect(self.show_error)
        self._restore_geometry()

    # --- the rest of the frame ----------------------------------------------------------

    def finish_building(self) -> None:
        """Add the menus, toolbar, error banner and error page (once; later calls do nothing)."""
        if self._rest is not None:
            return
        from PySide6.QtWidgets import QToolBar

        from sesdesk.ui.widgets.banner import Banner
        from sesdesk.ui.widgets.pages import ErrorPage

        error_banner = Banner(tone="error", closable=True)
        error_banner.hide()
        self.open_logs_button = error_banner.add_button(
            "Open log folder", "Show the folder with sesdesk's log files"
        )
        self.open_logs_button.clicked.connect(self.open_log_folder)
        self._error_operation = ""
        # Under the demo banner, above the pages: where it was before the split.
        self._column.insertWidget(self._column.indexOf(self.stack), error_banner)
        error_page = ErrorPage()
        self.stack.addWidget(error_page)

        toolbar = QToolBar("Team")
        toolbar.setObjectName("teamToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.toggleViewAction().setEnabled(False)
        toolbar.hide()  # hidden before it is added: no flash of an empty toolbar
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

        actions, team_menu, view_menu = self._build_menus()
        self._rest = _Rest(actions, team_menu, view_menu, toolbar, error_banner, error_page)

    def _built(self) -> _Rest:
        self.finish_building()
        assert self._rest is not None
        return self._rest

    @property
    def menu_actions(self) -> MainActions:
        """The menu actions (builds the menus if they are not built yet)."""
        return self._built().menu_actions

    @property
    def team_menu(self) -> QMenu:
        """The Team menu."""
        return self._built().team_menu

    @property
    def view_menu(self) -> QMenu:
        """The View menu (the simulator toggle goes here in demo mode)."""
        return self._built().view_menu

    @property
    def toolbar(self) -> QToolBar:
        """The toolbar holding the team switcher (hidden until services attach)."""
        return self._built().toolbar

    @property
    def error_banner(self) -> Banner:
        """The dismissable banner for background errors."""
        return self._built().error_banner

    @property
    def error_page(self) -> ErrorPage:
        """The page that says why sesdesk could not start."""
        return self._built().error_page

    # --- menus --------------------------------------------------------------------------

    def _build_menus(self) -> tuple[MainActions, QMenu, QMenu]:
        """Fill the menus made in __init__ with their actions."""
        from PySide6.QtGui import QAction, QKeySequence

        from sesdesk.ui.about import show_about

        def action(text: str, tip: str, *, shortcut: Any = None, enabled: bool = True) -> QAction:
            act = QAction(text, self)
            act.setStatusTip(tip)
            act.setToolTip(tip)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setEnabled(enabled)
            return act

        actions = MainActions(
            new_team=action(
                "&New team…",
                "Create a team for another project or AWS account",
                shortcut=QKeySequence.StandardKey.New,
                enabled=False,
            ),
            rename_team=action("&Rename team…", "Give this team another name", enabled=False),
            delete_team=action("&Delete team…", "Delete this team and its records", enabled=False),
            quit=action("&Quit", "Close sesdesk", shortcut=QKeySequence.StandardKey.Quit),
            connect_aws=action(
                "&Connect AWS…", "Connect this team to your AWS account's SES", enabled=False
            ),
            reconnect=action(
                "Reco&nnect with new keys…",
                "Give the mailer new AWS keys for the same account",
                enabled=False,
            ),
            delete_mailer=action("Delete &mailer…", "Disconnect this team from AWS", enabled=False),
            add_identity=action(
                "&Add sender identity…", "Verify an email address or a domain", enabled=False
            ),
            apply_production=action(
                "Apply for &production access…",
                "Ask AWS to take the account out of the sandbox",
                enabled=False,
            ),
            compose=action(
                "&New message…",
                "Write a test email, a test campaign or a broadcast",
                shortcut="Ctrl+M",
                enabled=False,
            ),
            contacts=action(
                "&Contacts…", "Contact lists: import CSV, add, unsubscribe", enabled=False
            ),
            refresh=action(
                "&Refresh now",
                "Ask AWS about this team's mailer now",
                shortcut=QKeySequence.StandardKey.Refresh,
                enabled=False,
            ),
            about=action("&About sesdesk", "Version and licence"),
            open_logs=action("Open &log folder", "Show sesdesk's log files"),
        )
        actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
        actions.about.setMenuRole(QAction.MenuRole.AboutRole)
        file_menu, team_menu, send_menu, view_menu, help_menu = self._menus
        file_menu.addAction(actions.new_team)
        file_menu.addAction(actions.rename_team)
        file_menu.addAction(actions.delete_team)
        file_menu.addAction("&Database…", lambda: _database_dialog(self))  # shared records
        file_menu.addSeparator()
        file_menu.addAction(actions.quit)
        team_menu.addAction(actions.connect_aws)
        team_menu.addAction(actions.reconnect)
        team_menu.addAction(actions.delete_mailer)
        team_menu.addSeparator()
        team_menu.addAction(actions.add_identity)
        team_menu.addAction(actions.apply_production)
        send_menu.addAction(actions.compose)
        send_menu.addAction(actions.contacts)
        view_menu.addAction(actions.refresh)
        help_menu.addAction(actions.about)
        help_menu.addAction(actions.open_logs)

        actions.quit.triggered.connect(self.close)
        actions.about.triggered.connect(lambda: show_about(self))
        actions.open_logs.triggered.connect(self.open_log_folder)
        actions.refresh.triggered.connect(self.refresh_now)
        for name, fix in _TEAM_FIXES.items():
            getattr(actions, name).triggered.connect(
                lambda _checked=False, fix=fix: self.open_fix(fix, "")
            )
        return actions, team_menu, view_menu

    # --- start-up outcomes --------------------------------------------------------------

    def show_startup_error(self, message: str, hint: str = "") -> None:
        """Replace "Loading…" with why sesdesk cannot start (no traceback, nothing changed)."""
        self.finish_building()  # the Help and File menus are still useful on the error page
        self.error_page.show_problem(message, hint)
        self.stack.setCurrentWidget(self.error_page)
        self.status.clearMessage()
        self.status.show_error("sesdesk could not start", hint)

    def attach(self, services: AppServices) -> None:
        """Services are up: team switcher, poller, dashboard, and the demo panel."""
        from sesdesk.ui.dashboard import DashboardArea
        from sesdesk.ui.dashboard.notifications import Notifier
        from sesdesk.ui.fixes import FixRouter
        from sesdesk.ui.poller_bridge import PollerController
        from sesdesk.ui.team_switcher import TeamSwitcher

        self.finish_building()  # app.py has done it already; a window made elsewhere may not
        self.services = services
        self.log_folder = services.paths.logs
        # Demo mode logs under home/demo/logs: name the file that really holds the details.
        self.bridge.log_file = services.paths.log_file
        self.bridge.operation_succeeded.connect(self._operation_succeeded)
        self.team_switcher = TeamSwitcher(self.bridge, services.store)
        self.toolbar.addWidget(self.team_switcher)
        self.toolbar.show()
        self.poller = PollerController(self.bridge, services.store, parent=self)
        from sesdesk.ui.store_watch_bridge import StoreWatchBridge

        self.store_watch = StoreWatchBridge(self.bridge, services.store, parent=self)
        self.store_watch.show_state_in(self.status).start()
        self.notifier = Notifier(self)
        self.poller.notice.connect(self.notifier.notify_for_team)
        self.fixes = FixRouter(self, self.bridge, services.store, teams_changed=self._teams_changed)
        self.dashboard = DashboardArea(self.bridge, services.store, poller=self.poller)
        self.dashboard.fix_requested.connect(self.open_fix)
        self.dashboard.data_loaded.connect(self._data_loaded)
        self.stack.addWidget(self.dashboard)
        self.stack.setCurrentWidget(self.dashboard)
        self.team_switcher.team_selected.connect(self._team_selected)
        self.menu_actions.new_team.setEnabled(True)
        self.menu_actions.new_team.triggered.connect(self.team_switcher.new_team)
        from sesdesk.ui.sending.broadcasts import attach_broadcasts

        attach_broadcasts(self, services.store)
        if services.demo is not None:
            from sesdesk.ui.demo_reset import demo_keys_provider

            self.fixes.demo_keys = demo_keys_provider(self)
            self._add_simulator_panel(services.demo)
            self._add_demo_reset()
        self.status.showMessage("Ready", 3000)
        self.team_switcher.reload(select_id=self._initial_team(services))
        self.poller.start()

    async def detach(self) -> None:
        """Stop the poller and let paused broadcasts record their end (before the store they
        write to closes)."""
        if getattr(self, "store_watch", None) is not None:
            self.store_watch.stop()
        if self.poller is not None:
            await self.poller.stop()
        if self.sending_desk is not None:
            from sesdesk.ui.quitting import runs_ended

            await runs_ended(self.sending_desk.runs)

    def _initial_team(self, services: AppServices) -> int | None:
        if services.demo is not None:
            return int(services.demo.team_id)
        settings = self.settings()
        saved = settings.value("last_team_id") if settings is not None else None
        try:
            return int(saved) if saved is not None else None
        except (TypeError, ValueError):
            return None

    def _add_simulator_panel(self, demo: Any) -> None:
        from sesdesk.ui.demo_dock import add_simulator_dock

        self.simulator_panel, self.simulator_dock = add_simulator_dock(self, demo)
        self.simulator_button.setEnabled(True)
        self.simulator_button.clicked.connect(self.toggle_simulator_controls)
        self.simulator_dock.visibilityChanged.connect(self._simulator_visibility_changed)
        self._simulator_visibility_changed(not self.simulator_dock.isHidden())  # remembered

    def _add_demo_reset(self) -> None:
        from sesdesk.ui.demo_reset import KEPT_DETAIL, DemoReset

        self.demo_reset = DemoReset(self)
        file_menu = self._menus[0]
        file_menu.insertAction(self.menu_actions.quit, self.demo_reset.action)
        file_menu.insertSeparator(self.menu_actions.quit)
        if self.demo_banner is not None:
            self.demo_banner.text_label.setToolTip(KEPT_DETAIL)

    def toggle_simulator_controls(self) -> None:
        """Show the simulator dock if hidden, hide it if shown."""
        if self.simulator_dock is not None:
            self.simulator_dock.setVisible(not self.simulator_dock.isVisible())

    def _simulator_visibility_changed(self, visible: bool) -> None:
        self.simulator_button.setText(_simulator_button_text(visible))

    # --- reacting -----------------------------------------------------------------------

    def _team_selected(self, team_id: int | None) -> None:
        assert self.dashboard is not None
        self.clear_error()  # an error about the team left behind is not about this one
        self.dashboard.show_team(team_id)
        if self.broadcasts_view is not None:
            self.broadcasts_view.set_team(team_id)
        self._update_actions(None if team_id is None else self.dashboard.snapshot)
        if team_id is None:
            self.status.clear_last_checked()
        elif self.demo is False and (settings := self.settings()) is not None:
            settings.setValue("last_team_id", team_id)

    def _data_loaded(self, data: Any) -> None:
        snapshot = data.snapshot
        self._update_actions(snapshot)
        if snapshot.mailer is None:
            self.status.clear_last_checked()
        else:
            self.status.set_last_checked(snapshot.mailer.last_checked)

    def _update_actions(self, snapshot: TeamSnapshot | None) -> None:
        """Enable the team actions that make sense for the team's current state."""
        # Imported here: the window shows before SQLAlchemy (which sesdesk.models loads) is.
        from sesdesk.models.states import IdentityStatus, MailerAccess

        has_team = snapshot is not None
        mailer = snapshot.mailer if snapshot is not None else None
        verified = snapshot is not None and any(
            i.status == IdentityStatus.SUCCESS for i in snapshot.identities
        )
        production = bool(snapshot and snapshot.account and snapshot.account.production)
        acts = self.menu_actions
        acts.rename_team.setEnabled(has_team)
        acts.delete_team.setEnabled(has_team)
        acts.connect_aws.setEnabled(has_team and mailer is None)
        acts.reconnect.setEnabled(mailer is not None)
        acts.delete_mailer.setEnabled(mailer is not None)
        acts.add_identity.setEnabled(mailer is not None and mailer.access != MailerAccess.LOST)
        acts.apply_production.setEnabled(
            mailer is not None
            and mailer.access != MailerAccess.LOST
            and verified
            and not production
        )
        acts.refresh.setEnabled(mailer is not None)
        # Compose explains what may be sent and why not; it needs only a team to open.
        acts.compose.setEnabled(has_team)
        acts.contacts.setEnabled(has_team)

    def open_fix(self, fix: str, detail: str = "") -> None:
        """Open the wizard or dialog that fixes `fix` for the current team."""
        if self.fixes is None or self.dashboard is None or self.dashboard.team_id is None:
            return
        self.fixes.open(fix, detail, self.dashboard.team_id, self.dashboard.snapshot)

    def _teams_changed(self, team_id: int | None) -> None:
        if self.team_switcher is not None:
            self.team_switcher.reload(select_id=team_id)

    def show_error(self, message: str, hint: str = "") -> None:
        """Show a background failure in the status bar and in the banner above the content."""
        self.status.show_error(message, hint)
        self.error_banner.set_message(message, hint)
        self._error_operation = self.bridge.last_failed_label
        self.error_banner.show()

    def clear_error(self) -> None:
        """Hide the error banner and the status bar's error."""
        self._error_operation = ""
        self.error_banner.hide()
        self.status.clear_error()

    def _operation_succeeded(self, label: str) -> None:
        # The operation that failed worked this time: its error is resolved.
        if label and label == self._error_operation and self.error_banner.isVisible():
            self.clear_error()

    def refresh_now(self) -> None:
        """Ask AWS about the current team now (the poller's "refresh now")."""
        if self.dashboard is None:
            return
        self.clear_error()
        self.dashboard.refresh_now()

    def open_log_folder(self) -> None:
        """Open the folder with sesdesk's logs in the file manager."""
        if self.log_folder is None:
            return
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        self.log_folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_folder)))

    # --- geometry -----------------------------------------------------------------------

    def settings(self) -> QSettings | None:
        """The window's settings (an ini file in sesdesk's home, never the user's global Qt
        settings); None while that folder does not exist."""
        if self.settings_dir is None or not self.settings_dir.is_dir():
            return None
        from PySide6.QtCore import QSettings

        return QSettings(str(self.settings_dir / SETTINGS_FILE), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        # No file yet (first run): nothing to restore, and no QSettings to load before the show.
        if self.settings_dir is None or not (self.settings_dir / SETTINGS_FILE).is_file():
            return
        from PySide6.QtCore import QByteArray

        settings = self.settings()
        geometry = settings.value("geometry") if settings is not None else None
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def save_geometry(self) -> None:
        """Remember the window's size and place in sesdesk's home (if it exists)."""
        settings = self.settings()
        if settings is None:
            return
        settings.setValue("geometry", self.saveGeometry())
        settings.sync()

    def _close_again(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask first while a broadcast sends or Compose holds an unsent message; remember the
        geometry, then close."""
        if self.fixes is not None and not self.fixes.close_compose(self._close_again):
            event.ignore()  # Compose asks first; "Discard" closes this window again
            return
        if self.sending_desk is not None and self.sending_desk.ask_before_quit(self._close_again):
            event.ignore()  # asked; "Pause and quit" closes again once the sends in flight end
            return
        self.save_geometry()
        super().closeEvent(event)
        if event.isAccepted():
            from sesdesk.ui.quitting import hide_other_windows

            hide_other_windows(self)  # progress, compose, contacts: sesdesk is quitting
            self.closed.emit()


def _simulator_button_text(visible: bool) -> str:
    return "Hide simulator controls" if visible else "Show simulator controls"


def _database_dialog(window: MainWindow) -> None:
    from sesdesk.ui.dialogs.database import open_database_dialog

    open_database_dialog(window)
