"""The command line: the same services as the window, no Qt.

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
            from sesdesk.config import database_url
            from sesdesk.models import Store

            self._store = Store.open_configured(self.paths.database, database_url(self.paths))
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


#: SQLite's INTEGER (and so every record id) is a signed 64-bit number.
MAX_RECORD_ID = 2**63 - 1


def record_id(text: str) -> int:
    """argparse type for a record id (broadcast, list…): a whole number from 1 to 2^63-1."""
    value = _whole_number(text)
    if value is None or not 1 <= value <= MAX_RECORD_ID:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an id: ids are whole numbers from 1 to {MAX_RECORD_ID}"
        )
    return value


def port_number(text: str) -> int:
    """argparse type for a TCP/UDP port: a whole number from 0 to 65535."""
    value = _whole_number(text)
    if value is None or not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: ports are whole numbers from 0 to 65535"
        )
    return value


def _whole_number(text: str) -> int | None:
    stripped = text.strip()
    # Plain ASCII digits only, and few of them: int() would also take "١٢", "1_000" and
    # thousands of digits (slow, and far past any id).
    if not stripped.isascii() or not stripped.lstrip("+-").isdigit() or len(stripped) > 30:
        return None
    return int(stripped)


def _undecodable_argument(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """BadInput naming the first text argument the command line gave as bytes that are not
    UTF-8 (Python hands them over as lone surrogates); file names may be any bytes."""
    from sesdesk.errors import BadInput

    names = _argument_names(parser, args)
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str) or not any("\ud800" <= ch <= "\udfff" for ch in item):
                continue
            name, is_file = names.get(dest, (dest, False))
            if not is_file:
                raise BadInput(name, "it is not valid UTF-8 text")


def _argument_names(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> dict[str, tuple[str, bool]]:
    """dest → (the name the user knows it by, whether it is a file name), along the chosen
    sub-commands."""
    found: dict[str, tuple[str, bool]] = {}
    current: argparse.ArgumentParser | None = parser
    while current is not None:
        chosen: argparse.ArgumentParser | None = None
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(args, action.dest, None) or "")
                continue
            shown = action.option_strings[-1] if action.option_strings else action.metavar
            found[action.dest] = (str(shown or action.dest), "FILE" in str(action.metavar or ""))
        current = chosen
    return found


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
        _undecodable_argument(parser, args)
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
