"""Domain errors shared by every layer, each with the CLI exit code it maps to.

The window shows `message` (and `hint`) to the user; the CLI prints them and exits with
`exit_code`. None of them ever carries a secret.
"""

from __future__ import annotations


class SesdeskError(Exception):
    """An error a person can act on: a message, an optional hint, an exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class BadInput(SesdeskError):
    """Bad usage or bad input; the message names the field and what is wrong (exit 2)."""

    exit_code = 2

    def __init__(self, field: str, problem: str, *, hint: str = "") -> None:
        super().__init__(f"{field}: {problem}", hint=hint)
        self.field = field
        self.problem = problem


class NotAllowed(SesdeskError):
    """Not allowed in the mailer's current state; the message is the gating reason (exit 3)."""

    exit_code = 3


class CredentialsRejected(SesdeskError):
    """AWS refused the keys or they lack permissions (exit 4)."""

    exit_code = 4

    def __init__(
        self, message: str, *, missing_actions: tuple[str, ...] = (), hint: str = ""
    ) -> None:
        super().__init__(message, hint=hint)
        self.missing_actions = missing_actions


class ServiceUnreachable(SesdeskError):
    """AWS or the network could not be reached, or stayed throttled after retries (exit 5)."""

    exit_code = 5


class EnvironmentProblem(SesdeskError):
    """The machine is not in a state we can work in: unwritable home, damaged or newer
    database, no keyring, a full disk. Not a bug, and nothing the user typed (exit 6)."""

    exit_code = 6


class DiskFull(EnvironmentProblem):
    """The disk holding sesdesk's folder is full; nothing was half-written (exit 6)."""

    def __init__(self, folder: object, free_bytes: int | None = None) -> None:
        free = "" if free_bytes is None else f": {free_bytes / 1_000_000:.0f} MB free"
        super().__init__(
            f"the disk holding {folder} is full{free}; free some space and run it again.",
            hint="Nothing was half-written: what failed can simply be run again.",
        )
        self.folder = folder
        self.free_bytes = free_bytes


class NotFound(BadInput):
    """A named thing (team, identity, list, broadcast) does not exist (exit 2)."""
