"""Small screens: the main window and every dialog and wizard fit 1024×700, stay resizable,
and keep every visible button inside the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QWidget

from sesdesk.ui.style import SMALL_SCREEN

pytestmark = pytest.mark.timeout(180)
MAX_W, MAX_H = SMALL_SCREEN


def _assert_fits(widget: QWidget, name: str) -> None:
    assert widget.width() <= MAX_W and widget.height() <= MAX_H, (name, widget.size())
    hint = widget.minimumSizeHint()
    assert hint.width() <= MAX_W and hint.height() <= MAX_H, (name, hint)
    # Squeezed to the small screen, it still lays out every button inside itself.
    widget.resize(min(widget.width(), MAX_W), min(widget.height(), MAX_H))
    QApplication.processEvents()
    assert widget.width() <= MAX_W and widget.height() <= MAX_H, (name, widget.size())
    frame = widget.rect()
    for button in widget.findChildren(QAbstractButton):
        if not button.isVisibleTo(widget) or button.window() is not widget:
            continue
        # A button in a scroll area is reachable when the scroll area is inside the window.
        holder: QWidget = button
        parent = button.parentWidget()
        while parent is not None and parent is not widget:
            if isinstance(parent, QAbstractScrollArea):
                holder = parent
            parent = parent.parentWidget()
        where = QRect(holder.mapTo(widget, QPoint(0, 0)), holder.size())
        assert frame.contains(where), (name, button.text(), where, frame)
    # Resizable: not fixed to one size.
    assert widget.minimumSize() != widget.maximumSize(), name


def test_every_window_fits_1024_by_700(open_window, qtbot):
    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    _assert_fits(window, "main window")
    window.pages.show_broadcasts()
    QApplication.processEvents()
    _assert_fits(window, "main window, Broadcasts")
    window.pages.show_dashboard()

    snapshot = window.dashboard.snapshot
    identity = snapshot.identities[0].name
    opened = []
    for fix, detail in (
        ("connect", ""),
        ("reconnect", ""),
        ("delete_mailer", ""),
        ("add_identity", ""),
        ("records", identity),
        ("apply", ""),
        ("compose", ""),
        ("contacts", ""),
        ("rename_team", ""),
        ("delete_team", ""),
    ):
        window.open_fix(fix, detail)
        dialog = window.fixes.last_opened
        assert dialog is not None, fix
        opened.append(dialog)
        qtbot.waitUntil(dialog.isVisible, timeout=10_000)
        QApplication.processEvents()
        _assert_fits(dialog, fix)
        dialog.hide()

    desk = window.sending_desk
    report = desk.open_report(snapshot.team_id, 1)
    QApplication.processEvents()
    _assert_fits(report, "report")
    report.close()
    from sesdesk.ui.sending.progress import SendProgressWindow

    progress = SendProgressWindow(
        window.bridge, window.services.store, snapshot.team_id, 1, window, runs=desk.runs
    )
    progress.show()
    QApplication.processEvents()
    _assert_fits(progress, "progress")
    progress.close()


def test_warnings_collapse_into_one_strip_with_a_count(open_window, qtbot):
    window = open_window(demo=True)
    qtbot.waitUntil(lambda: window.dashboard.snapshot is not None, timeout=30_000)
    qtbot.waitUntil(lambda: window.dashboard.view is not None, timeout=30_000)
    warnings = window.dashboard.view.warnings
    qtbot.waitUntil(lambda: len(warnings.banners) == 2, timeout=30_000)
    visible = [b for b in warnings.banners if b.isVisibleTo(window)]
    assert len(visible) == 1
    assert warnings.more_button.isVisibleTo(window)
    assert warnings.more_button.text() == "+1 more warning ▾"
    warnings.more_button.click()
    assert all(b.isVisibleTo(window) for b in warnings.banners)
    assert warnings.more_button.text() == "Hide 1 more warning ▴"
