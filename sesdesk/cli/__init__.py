"""The command line (../shared/design/cli.md): the same services as the window, no Qt.

Each area registers its sub-commands from its own module; this module parses, opens the
store once, runs the command and turns domain errors into the documented exit codes.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from sesdesk import __version__
from sesdesk.errors import SesdeskError

log = logging.getLogger("sesdesk.cli")

Handler = Callable[[argparse.Namespace, "Context"], int]


class Context:
    """Lazily opened resources shared by a command: paths and the store."""

    def __init__(self) -> None:
        self._paths: Any = None
        self._store: Any = None

    @property
    def paths(self) -> Any:
        """The home folder's paths (created, logging set up)."""
        if self._paths is None:
            from sesdesk.services.runtime import open_paths

            self._paths = open_paths()
        return self._paths

    @property
    def store(self) -> Any:
        """The store, opened and migrated."""
        if self._store is None:
            from sesdesk.models import Store

            self._store = Store.open(self.paths.database)
        return self._store

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def say(text: str) -> None:
    """Human text on stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def note(text: str) -> None:
    """Human text on stderr (progress, warnings)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _home() -> Any:
    from sesdesk.config import default_home

    return default_home()


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a plain message (its default), never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"sesdesk: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, every area's commands registered."""
    from sesdesk.cli import commands

    parser = _Parser(prog="sesdesk", description="Send email through your own Amazon SES.")
    parser.add_argument("--version", action="version", version=f"sesdesk {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open the window against the built-in SES simulator"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in commands.REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str]) -> int:
    """Run one CLI command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    context = Context()
    try:
        return handler(args, context)
    except SesdeskError as exc:
        note(f"sesdesk: {exc.message}")
        if exc.hint:
            note(exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        note("sesdesk: interrupted")
        return 130
    except Exception as exc:
        from sesdesk.diskspace import as_disk_full

        home = context._paths.home if context._paths is not None else _home()
        full = as_disk_full(exc, home)
        if full is not None:
            note(f"sesdesk: {full.message}")
            return full.exit_code
        log.exception("unexpected error in %s", getattr(args, "command", "?"))
        where = context.paths.log_file if context._paths is not None else "the log folder"
        note(f"sesdesk: unexpected internal error; details are in {where}")
        return 1
    finally:
        context.close()
