"""Screenshot of the demo window for the docs.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshot.py [OUT.png]

Starts `sesdesk --demo` in a throw-away SESDESK_HOME, waits for the dashboard, optionally
drives the simulator (--verified: mark the first identity verified), grabs the window to
docs/screenshots/demo-window.png (or OUT.png) and quits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    """Run the demo window, grab it, save the PNG, quit."""
    parser = argparse.ArgumentParser(description="Screenshot of the demo window")
    parser.add_argument("out", nargs="?", default=str(REPO / "docs/screenshots/demo-window.png"))
    parser.add_argument("--verified", action="store_true", help="verify one identity first")
    parser.add_argument("--settle-ms", type=int, default=800)
    args = parser.parse_args(argv)
    os.environ["SESDESK_HOME"] = tempfile.mkdtemp(prefix="sesdesk-shot-")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {"acted": False}

    def window():  # type: ignore[no-untyped-def]
        found = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
        return found[0] if found else None

    def grab() -> None:
        main_window = window()
        assert main_window is not None
        pixmap = main_window.grab()
        pixmap.save(str(out))
        print(f"saved {out} ({pixmap.width()}x{pixmap.height()})", flush=True)
        main_window.close()

    def step() -> None:
        main_window = window()
        ready = main_window is not None and main_window.dashboard is not None
        if not ready or main_window.dashboard.snapshot is None:
            QTimer.singleShot(100, step)
            return
        panel = main_window.simulator_panel
        if args.verified and not state["acted"]:
            if panel.identity_combo.count() == 0:
                QTimer.singleShot(100, step)
                return
            state["acted"] = True
            panel.status_combo.setCurrentText("SUCCESS")
            panel.action_done.connect(lambda _text: QTimer.singleShot(args.settle_ms, grab))
            panel.apply_identity.click()
            return
        QTimer.singleShot(args.settle_ms, grab)

    QTimer.singleShot(0, step)
    from sesdesk.app import run_gui

    return run_gui(demo=True)


if __name__ == "__main__":
    raise SystemExit(main())
