"""The `sesdesk` command: the window with no sub-command, the command line otherwise.

Kept tiny so the window's start-up imports nothing it does not need.
"""

from __future__ import annotations

import sys

_GUI_FLAGS = {"--demo"}
_DESKTOP_FLAGS = {"--install-desktop-entry", "--uninstall-desktop-entry"}


def main(argv: list[str] | None = None) -> int:
    """Open the window (`sesdesk`, `sesdesk --demo`), (un)install the launcher entry, or run
    a CLI command."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 1 and args[0] in _DESKTOP_FLAGS:
        from sesdesk.desktop_entry import main as desktop_main

        return desktop_main(args[0])
    if all(arg in _GUI_FLAGS for arg in args):
        from sesdesk.app import run_gui

        return run_gui(demo="--demo" in args)
    from sesdesk.cli import main as cli_main

    return cli_main(args)
