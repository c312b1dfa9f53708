"""The main window on a real (non-demo) store: switcher, dashboard, menus, new team, errors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from sesdesk.ui.main_window import DEFAULT_SIZE, SETTINGS_FILE, MainWindow
from sesdesk.ui.widgets.pages import ErrorPage, LoadingPage


def _store_with_teams(home: Path, *names: str) -> None:
    from sesdesk.services.runtime import open_app
    from sesdesk.services.teams import create_team

    services = open_app(demo=False, home=home)
    try:
        for name in names:
            create_team(services.store, name)
    finally:
        services.close()


def _shown_team(window) -> str | None:
    snapshot = window.dashboard.snapshot if window.dashboard is not None else None
    return snapshot.team_name if snapshot is not None else None


def test_window_shows_loading_first_then_the_dashboard(open_window, qtbot):
    window = open_window(wait=False)
    assert isinstance(window.stack.currentWidget(), LoadingPage)
    assert window.windowTitle() == "sesdesk"
    screen = window.screen().availableGeometry()
    assert (window.width(), window.height()) == (
        min(DEFAULT_SIZE[0], screen.width()),
        min(DEFAULT_SIZE[1], screen.height()),
    )
    qtbot.waitUntil(lambda: window.dashboard is not None, timeout=30_000)
    assert window.stack.currentWidget() is window.dashboard
    assert window.demo_banner is None
    assert window.simulator_dock is None


def _menu_titles(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def test_first_frame_is_minimal_and_the_rest_is_built_once(bridge, qtbot, home):
    window = MainWindow(bridge=bridge, settings_dir=home, log_folder=home / "logs")
    qtbot.addWidget(window)
    window.show()
    assert window.stack.currentWidget() is window.loading_page
    assert window.status.currentMessage() == "Starting…"
    # The menu bar is in the first frame (nothing moves later); its actions come right after.
    assert _menu_titles(window) == ["File", "Team", "Send", "View", "Help"]
    assert all(a.menu().isEmpty() for a in window.menuBar().actions())
    window.finish_building()
    window.finish_building()  # a second call adds nothing
    assert _menu_titles(window) == ["File", "Team", "Send", "View", "Help"]
    assert [len(a.menu().actions()) for a in window.menuBar().actions()] == [6, 6, 2, 1, 2]
    assert window.stack.count() == 2  # "Loading…" and the error page
    assert window.toolbar.isHidden()  # until the team switcher arrives
    assert window.error_banner.isHidden()


def test_a_start_up_error_before_the_rest_is_built_still_gets_page_and_menus(bridge, qtbot, home):
    window = MainWindow(bridge=bridge, settings_dir=home, log_folder=home / "logs")
    qtbot.addWidget(window)
    window.show()
    window.show_startup_error("The database is locked.", "Close the other sesdesk.")
    assert window.stack.currentWidget() is window.error_page
    assert window.error_page.message.text() == "The database is locked."
    assert _menu_titles(window) == ["File", "Team", "Send", "View", "Help"]


def test_menus_hold_the_actions_later_features_connect(open_window):
    window = open_window()
    menus = {
        menu.title().replace("&", ""): [
            a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()
        ]
        for menu in (a.menu() for a in window.menuBar().actions())
    }
    assert menus["File"] == ["New team…", "Rename team…", "Delete team…", "Database…", "Quit"]
    assert menus["Team"] == [
        "Connect AWS…",
        "Reconnect with new keys…",
        "Delete mailer…",
        "Add sender identity…",
        "Apply for production access…",
    ]
    assert menus["Send"] == ["New message…", "Contacts…"]
    assert menus["View"] == ["Refresh now", "Dashboard", "Broadcasts"]
    assert menus["Help"] == ["About sesdesk", "Open log folder"]
    window.menu_actions.about.trigger()
    (box,) = [w for w in window.findChildren(QMessageBox) if w.windowTitle() == "About sesdesk"]
    assert box.isVisible() and "sesdesk" in box.text()
    box.close()
    assert window.menu_actions.new_team.isEnabled()
    # No team yet: nothing to connect, reconnect or apply for.
    assert not window.menu_actions.connect_aws.isEnabled()
    assert not window.menu_actions.apply_production.isEnabled()


def test_connect_menu_opens_the_connect_wizard_for_a_team_without_mailer(open_window, qtbot, home):
    from sesdesk.ui.wizards.connect import ConnectWizard

    _store_with_teams(home, "Acme")
    window = open_window()
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=10_000)
    assert window.menu_actions.connect_aws.isEnabled()
    assert not window.menu_actions.reconnect.isEnabled()
    assert not window.menu_actions.add_identity.isEnabled()
    window.menu_actions.connect_aws.trigger()
    wizard = window.fixes.last_opened
    assert isinstance(wizard, ConnectWizard) and wizard.isVisible()
    wizard.reject()
    # The dashboard's own "Connect AWS…" button leads to the same wizard.
    window.dashboard.view.credentials.connect_button.click()
    assert isinstance(window.fixes.last_opened, ConnectWizard)
    assert window.fixes.last_opened is not wizard
    window.fixes.last_opened.reject()


def test_send_menu_opens_compose_and_contacts(open_window, qtbot, home):
    from sesdesk.ui.sending.compose import ComposeWindow
    from sesdesk.ui.sending.contacts import ContactsWindow

    _store_with_teams(home, "Acme")
    window = open_window()
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=10_000)
    window.menu_actions.compose.trigger()
    compose = window.fixes.last_opened
    assert isinstance(compose, ComposeWindow) and compose.isVisible()
    compose.close()
    window.menu_actions.contacts.trigger()
    contacts = window.fixes.last_opened
    assert isinstance(contacts, ContactsWindow) and contacts.isVisible()
    contacts.close()


def test_switcher_lists_teams_and_switching_shows_that_team(open_window, qtbot, home):
    _store_with_teams(home, "Beta", "Acme")
    window = open_window()
    switcher = window.team_switcher
    qtbot.waitUntil(lambda: switcher.combo.count() == 2, timeout=10_000)
    assert [switcher.combo.itemText(i) for i in range(2)] == ["Acme", "Beta"]
    qtbot.waitUntil(lambda: _shown_team(window) == "Acme", timeout=10_000)
    view = window.dashboard.view
    assert view.credentials.disconnected.isVisibleTo(window)
    assert view.credentials.access.text() == "Not connected"
    assert view.credentials.connect_button.isEnabled()
    assert view.account.unknown.isVisibleTo(window)
    assert view.identities.model.rowCount() == 0

    switcher.combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: _shown_team(window) == "Beta", timeout=10_000)


def test_new_team_dialog_names_the_field_and_creates_the_team(open_window, qtbot, home):
    _store_with_teams(home, "Acme")
    window = open_window()
    switcher = window.team_switcher
    qtbot.waitUntil(lambda: switcher.combo.count() == 1, timeout=10_000)

    dialog = switcher.new_team()
    dialog.name_edit.setText("   ")
    dialog.submit()
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)
    assert dialog.error_label.text().startswith("Team name: ")
    assert dialog.isVisible()

    dialog.name_edit.setText("acme")
    assert not dialog.error_label.isVisible()  # typing clears the old message
    dialog.submit()
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)
    assert "already exists" in dialog.error_label.text()

    dialog.name_edit.setText("Zeta shop")
    with qtbot.waitSignal(dialog.created, timeout=10_000):
        dialog.submit()
    qtbot.waitUntil(lambda: switcher.combo.currentText() == "Zeta shop", timeout=10_000)
    qtbot.waitUntil(lambda: _shown_team(window) == "Zeta shop", timeout=10_000)


def test_store_changed_makes_the_dashboard_read_again(open_window, qtbot, home):
    _store_with_teams(home, "Acme")
    window = open_window()
    qtbot.waitUntil(lambda: _shown_team(window) == "Acme", timeout=10_000)
    from sesdesk.models import Team
    from sesdesk.services.teams import list_teams

    team_id = list_teams(window.services.store)[0].id
    with window.services.store.session() as session:
        session.get(Team, team_id).name = "Acme Ltd"
    window.bridge.store_changed.emit(team_id)
    qtbot.waitUntil(lambda: _shown_team(window) == "Acme Ltd", timeout=10_000)


def test_background_errors_show_in_the_banner_and_status_bar(open_window, qtbot):
    window = open_window()
    window.bridge.error_reported.emit("AWS could not be reached.", "Check your connection.")
    assert window.error_banner.isVisible()
    assert window.error_banner.text_label.text() == "AWS could not be reached."
    assert window.error_banner.hint_label.text() == "Check your connection."
    assert window.status.error_label.text() == "AWS could not be reached."


def test_geometry_is_kept_in_the_home_folder_not_global_settings(open_window, home):
    window = open_window()
    window.resize(760, 500)  # fits the offscreen screen (800×600): restore keeps it on screen
    window.close()
    settings = QSettings(str(home / SETTINGS_FILE), QSettings.Format.IniFormat)
    assert settings.contains("geometry")
    # The next window opens at the saved size.
    again = MainWindow(bridge=window.bridge, settings_dir=home)
    assert (again.width(), again.height()) == (760, 500)
    again.deleteLater()


def test_a_corrupt_database_gives_an_error_page_naming_the_file(open_window, home):
    database = home / "sesdesk.db"
    garbage = b"this is not an SQLite database\x00" * 64
    database.write_bytes(garbage)
    window = open_window(expect_error=True)
    page = window.stack.currentWidget()
    assert isinstance(page, ErrorPage)
    assert str(database) in page.message.text()
    assert page.hint.text()  # says what to do
    assert "Traceback" not in page.message.text() + page.hint.text()
    assert window.dashboard is None
    assert database.read_bytes() == garbage  # nothing destroyed
    assert sorted(p.name for p in home.iterdir() if p.name.startswith("sesdesk.db")) == [
        "sesdesk.db"
    ]


def test_an_unexpected_start_up_failure_points_at_the_log(open_window, monkeypatch, home):
    import sesdesk.services.runtime as runtime

    def broken(**_kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(runtime, "open_app", broken)
    window = open_window(expect_error=True)
    page = window.stack.currentWidget()
    assert isinstance(page, ErrorPage)
    assert page.message.text().startswith("Something went wrong; details in ")
    assert "a bug" not in page.message.text()
