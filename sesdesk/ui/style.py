"""The look: the stylesheet, the app icon, and the few colours code needs to know."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget


def resources_dir() -> Path:
    """The folder holding sesdesk.qss and the icon (source tree, package or frozen bundle)."""
    here = Path(__file__).resolve()
    candidates = [
        here.parents[2] / "resources",  # the source tree: <repo>/resources
        here.parents[1] / "resources",  # installed as package data: sesdesk/resources
    ]
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for candidate in candidates:
        if (candidate / "sesdesk.qss").is_file():
            return candidate
    return candidates[0]


def stylesheet() -> str:
    """The application stylesheet, or "" when it cannot be found (the app still works)."""
    try:
        return (resources_dir() / "sesdesk.qss").read_text(encoding="utf-8")
    except OSError:
        return ""


def app_icon() -> QIcon:
    """The application icon (empty when the file is missing)."""
    path = resources_dir() / "sesdesk.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def apply(app: QApplication) -> None:
    """Give `app` sesdesk's stylesheet and icon."""
    app.setStyleSheet(stylesheet())
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)


def set_tone(widget: QWidget, tone: str) -> None:
    """Set the `tone` property the stylesheet keys on, and re-polish so it takes effect."""
    if widget.property("tone") == tone:
        return
    widget.setProperty("tone", tone)
    if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        # Not polished yet: the stylesheet reads the property when it is. Skipping the re-polish
        # also keeps QStyle (and its ~12 enum classes, ~8 ms) out of the first show.
        return
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    for child in widget.findChildren(QWidget):
        style.unpolish(child)
        style.polish(child)


#: The smallest screen every window must fit (a 1024×768 laptop minus panels and title bar).
SMALL_SCREEN = (1024, 700)


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize `widget` to width × height, but never beyond SMALL_SCREEN nor the available
    screen, so every button stays reachable on a small screen."""
    screen = widget.screen()
    avail_w, avail_h = SMALL_SCREEN
    if screen is not None:
        area = screen.availableGeometry()
        avail_w, avail_h = min(avail_w, area.width()), min(avail_h, area.height())
    widget.resize(min(width, avail_w), min(height, avail_h))
