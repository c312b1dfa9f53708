"""File → Database…: the connection test runs off the GUI thread and says what answered or
why not; saving keeps the password out of settings.json (it goes to the keyring)."""

from __future__ import annotations

from sesdesk import config
from sesdesk.ui.dialogs.database import DatabaseDialog


def test_test_connection_and_save(bridge, qtbot, tmp_path, postgres_url) -> None:
    paths = config.paths(tmp_path / "home").ensure()
    dialog = DatabaseDialog(bridge, paths)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.url_edit.setText(postgres_url)
    dialog.test_connection()
    qtbot.waitUntil(lambda: "Connected: PostgreSQL" in dialog.result_label.text(), timeout=10_000)

    dialog.url_edit.setText("postgresql+psycopg://bob:pw-9911@127.0.0.1:1/none")
    dialog.test_connection()
    qtbot.waitUntil(lambda: "cannot be reached" in dialog.result_label.text(), timeout=10_000)
    assert "pw-9911" not in dialog.result_label.text()

    dialog.save()
    qtbot.waitUntil(lambda: "Restart sesdesk" in dialog.result_label.text(), timeout=5_000)
    assert "pw-9911" not in paths.settings.read_text()
    assert config.database_url(paths) == "postgresql+psycopg://bob:pw-9911@127.0.0.1:1/none"


def test_a_bad_url_is_refused_naming_the_field(bridge, qtbot, tmp_path) -> None:
    paths = config.paths(tmp_path / "home").ensure()
    dialog = DatabaseDialog(bridge, paths)
    qtbot.addWidget(dialog)
    dialog.url_edit.setText("mysql://x@h/db")
    dialog.save()
    qtbot.waitUntil(lambda: "Database URL" in dialog.result_label.text(), timeout=5_000)
    assert config.database_url(paths) is None
