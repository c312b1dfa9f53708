"""File → Database…: where this desktop's records live (its own SQLite file, or a shared
PostgreSQL database). The connection test runs off the GUI thread; the URL is saved to
settings.json with its password in the keyring; the change applies at the next start."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.ui.bridge import Bridge


def _check(url: str) -> str:
    from sesdesk.services.db_copy import check_database

    return check_database(url)


def _save(paths: Any, url: str) -> None:
    from sesdesk import config
    from sesdesk.models.server import parse_database_url

    if url:
        parse_database_url(url, source="Database URL")
    config.save_database_url(paths, url or None)


class DatabaseDialog(QDialog):
    """The records' database URL: test it, save it, restart to apply."""

    def __init__(self, bridge: Bridge, paths: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from sesdesk import config

        self.bridge, self.paths = bridge, paths
        self.setWindowTitle("Database")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Leave empty to keep the records in this computer's own file. A PostgreSQL URL "
            "(postgresql+psycopg://user:password@host/dbname) shares them with the other "
            "desktops of your team; AWS keys always stay in each computer's keyring."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        label = QLabel("Database &URL:")
        self.url_edit = QLineEdit(config.database_url(paths) or "")
        self.url_edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.url_edit.setAccessibleName("Database URL")
        label.setBuddy(self.url_edit)
        layout.addWidget(label)
        layout.addWidget(self.url_edit)
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self.test_connection)
        layout.addWidget(self.test_button)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        if config.DATABASE_URL_VARIABLE in __import__("os").environ:
            self.result_label.setText(
                f"{config.DATABASE_URL_VARIABLE} is set: it wins over what you save here."
            )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.url_edit.textChanged.connect(lambda _: self.result_label.clear())
        self.resize(520, self.sizeHint().height())

    def test_connection(self) -> None:
        """Connect once in the background and show what answered (or why not)."""
        url = self.url_edit.text().strip()
        if not url:
            self.result_label.setText("Empty: the records stay in this computer's own file.")
            return
        self.test_button.setEnabled(False)
        self.result_label.setText("Connecting…")
        self.bridge.run(
            _check,
            url,
            label="Testing the database connection",
            on_success=self._tested,
            on_failure=self._failed,
        )

    def _tested(self, what: str) -> None:
        self.test_button.setEnabled(True)
        self.result_label.setText(f"Connected: {what}.")

    def _failed(self, exc: SesdeskError) -> None:
        self.test_button.setEnabled(True)
        self.result_label.setText(exc.message)

    def save(self) -> None:
        """Save the URL (password to the keyring); it applies when sesdesk starts again."""
        self.bridge.run(
            _save,
            self.paths,
            self.url_edit.text().strip(),
            label="Saving the database setting",
            on_success=self._saved,
            on_failure=self._failed,
        )

    def _saved(self, _result: Any) -> None:
        self.result_label.setText("Saved. Restart sesdesk to apply.")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")


def open_database_dialog(window: Any) -> DatabaseDialog:
    """Show the dialog for `window` (its home's settings; the default home before start-up)."""
    from sesdesk import config

    services = getattr(window, "services", None)
    paths = services.paths if services is not None else config.paths()
    dialog = DatabaseDialog(window.bridge, paths, parent=window)
    dialog.open()
    return dialog
