"""The error banner names the log file that really holds the details (demo: home/demo/logs),
opens the log folder, and clears on a team switch and once the failed operation works."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from sesdesk.services.teams import create_team

pytestmark = pytest.mark.timeout(120)


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_error_banner_names_the_demo_log_opens_its_folder_and_clears(open_window, qtbot, home):
    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    failing = {"now": True}

    def flaky() -> int:
        if failing["now"]:
            raise ValueError("a bug")
        return 1

    window.bridge.run(flaky, label="Flaky operation")
    banner = window.error_banner
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    text = banner.text_label.text()
    assert str(home / "demo" / "logs") in text
    assert (home / "demo" / "logs" / "sesdesk.log").is_file()
    assert window.open_logs_button.isVisible()

    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        window.open_logs_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in catcher.urls] == [str(home / "demo" / "logs")]

    # Resolved: the same operation works now.
    failing["now"] = False
    task = window.bridge.run(flaky, label="Flaky operation")
    qtbot.waitUntil(task.done, timeout=10_000)
    assert not banner.isVisible()

    # A team switch clears it too.
    failing["now"] = True
    window.bridge.run(flaky, label="Flaky operation")
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    team = create_team(window.services.store, "Bakery")
    window.team_switcher.reload(select_id=team.id)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=10_000)
    assert window.status.currentMessage() == "" or "wrong" not in window.status.currentMessage()
