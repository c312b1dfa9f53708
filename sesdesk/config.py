"""Where sesdesk keeps its files, its settings, and how it logs.

`SESDESK_HOME` (or the platform's user data dir) holds ``sesdesk.db``, ``logs/sesdesk.log``
and ``settings.json``. Logs pass through a filter that redacts anything shaped like a secret.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sesdesk.diskspace import disk_full, is_disk_full
from sesdesk.errors import EnvironmentProblem

APP_NAME = "sesdesk"
DB_FILENAME = "sesdesk.db"


class HomeNotWritable(EnvironmentProblem):
    """SESDESK_HOME cannot be created or written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"sesdesk cannot write to its folder {path}: {reason}.",
            hint="Choose a writable folder with SESDESK_HOME=/some/folder, or fix its permissions.",
        )
        self.path = path


def default_home() -> Path:
    """The folder from SESDESK_HOME, else the platform's user data dir."""
    configured = os.environ.get("SESDESK_HOME")
    if configured:
        return Path(configured).expanduser()
    if sys.platform.startswith("linux"):
        # What platformdirs answers on Linux, without importing it before the first show.
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        return (Path(xdg) if xdg else Path.home() / ".local" / "share") / APP_NAME
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Paths:
    """The files sesdesk uses under one home folder."""

    home: Path

    @property
    def database(self) -> Path:
        return self.home / DB_FILENAME

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs / "sesdesk.log"

    @property
    def settings(self) -> Path:
        return self.home / "settings.json"

    def ensure(self) -> Paths:
        """Create the folders and prove they are writable, or raise HomeNotWritable."""
        import tempfile

        try:
            self.home.mkdir(parents=True, exist_ok=True)
            self.logs.mkdir(exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.home, prefix=".write-test-"):
                pass
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full(self.home) from None
            raise HomeNotWritable(self.home, exc.strerror or type(exc).__name__) from None
        return self


def paths(home: Path | None = None) -> Paths:
    """Paths under `home` (default: `default_home()`), not yet created."""
    return Paths(home or default_home())


# --- settings -----------------------------------------------------------------------------


def load_settings(p: Paths) -> dict[str, Any]:
    """Settings from settings.json; an unreadable file counts as empty (and is left alone)."""
    import json

    try:
        data = json.loads(p.settings.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_settings(p: Paths, settings: dict[str, Any]) -> None:
    """Write settings.json atomically. Never put a secret in here."""
    import json

    tmp = p.settings.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(settings, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, p.settings)
    except OSError as exc:
        # The old settings stay whole; the partial copy goes.
        with contextlib.suppress(OSError):
            tmp.unlink()
        if is_disk_full(exc):
            raise disk_full(p.home) from None
        raise


# --- the database ------------------------------------------------------------------------

DATABASE_URL_VARIABLE = "SESDESK_DATABASE_URL"
#: The keyring entry holding the password of the database URL saved in settings.json.
_DB_PASSWORD_SERVICE = "sesdesk"
_DB_PASSWORD_USER = "database-url-password"


def database_url(p: Paths | None = None) -> str | None:
    """The records' database URL: SESDESK_DATABASE_URL, else the one saved in settings.json
    (its password from the keyring), else None for this desktop's own SQLite file."""
    configured = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if configured:
        return configured
    if p is None:
        return None
    saved = load_settings(p).get("database_url")
    if not isinstance(saved, str) or not saved.strip():
        return None
    from sqlalchemy.engine import make_url

    try:
        url = make_url(saved)
    except Exception:
        return saved  # Store.open_url names the setting and what is wrong with it
    if url.username and url.password is None:
        import keyring

        with contextlib.suppress(Exception):
            password = keyring.get_password(_DB_PASSWORD_SERVICE, _DB_PASSWORD_USER)
            if password:
                url = url.set(password=password)
    return url.render_as_string(hide_password=False)


def save_database_url(p: Paths, url: str | None) -> None:
    """Remember `url` in settings.json (None: back to SQLite). A password goes to the keyring;
    settings.json keeps the URL without it."""
    import keyring
    from keyring.errors import KeyringError
    from sqlalchemy.engine import make_url

    settings = load_settings(p)
    if not url:
        settings.pop("database_url", None)
        save_settings(p, settings)
        with contextlib.suppress(KeyringError):
            keyring.delete_password(_DB_PASSWORD_SERVICE, _DB_PASSWORD_USER)
        return
    parsed = make_url(url)
    if parsed.password:
        keyring.set_password(_DB_PASSWORD_SERVICE, _DB_PASSWORD_USER, str(parsed.password))
        parsed = parsed._replace(password=None)
    settings["database_url"] = parsed.render_as_string(hide_password=False)
    save_settings(p, settings)


# --- logging ------------------------------------------------------------------------------


@cache
def _redactions() -> list[tuple[re.Pattern[str], str]]:
    # Compiled on first use: the window's start-up path imports this module.
    return [
        # AWS secret access keys: 40 chars of base64-ish alphabet.
        (re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"), "[REDACTED]"),
        # Access key ids: keep the last four characters, which the UI shows too.
        (re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12}([A-Z0-9]{4})\b"), r"…\1"),
        # A password inside a URL (scheme://user:password@host).
        (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@"), r"\1***@"),
        # key=value pairs that name a secret, a password, a token or a signature.
        (
            re.compile(
                r"(?i)((?:secret|password|token|signature|credential|authorization)[A-Za-z_-]*"
                r"[\"']?\s*[=:]\s*[\"']?)[^\s\"',}]+"
            ),
            r"\1[REDACTED]",
        ),
    ]


def redact(text: str) -> str:
    """`text` with anything shaped like a secret replaced."""
    for pattern, replacement in _redactions():
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats a record (message and traceback) and then redacts the text.

    Redacting the formatted text, rather than editing the record in a filter, leaves the record
    intact for every other handler.
    """

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class QuietFileErrors:
    """Mixed into a file handler: it never prints its own traceback when it cannot write.

    logging's default `handleError` prints "--- Logging error ---" and a traceback to stderr
    for every record it fails to write (a full disk, a removed folder): dozens of lines that
    bury the one message that matters. Here a failure is counted and told once, in one line.
    """

    dropped = 0
    baseFilename: str
    stream: Any

    def handleError(self, record: logging.LogRecord) -> None:
        """Count the lost record; say so on stderr the first time only."""
        self.dropped += 1
        if self.dropped > 1 or not logging.raiseExceptions:
            return
        error = sys.exc_info()[1]
        if error is not None and is_disk_full(error):
            why = "the disk is full"
        else:
            why = str(error) if error is not None else "unknown error"
        with contextlib.suppress(Exception):
            sys.stderr.write(
                f"sesdesk: cannot write the log file {self.baseFilename} ({why}); "
                "log messages are being dropped.\n"
            )
            sys.stderr.flush()
        # A half-written stream may keep failing: reopen it on the next record.
        with contextlib.suppress(Exception):
            if self.stream is not None:
                self.stream.close()
        self.stream = None

    def close(self) -> None:
        """Close; unflushable bytes on a full disk are dropped, not raised."""
        try:
            super().close()  # type: ignore[misc]
        except OSError:
            self.stream = None


@cache
def quiet_rotating_handler_class() -> Any:
    """RotatingFileHandler with `QuietFileErrors` (built on first use: logging.handlers
    is not needed before the window shows)."""
    import logging.handlers

    return type(
        "QuietRotatingFileHandler",
        (QuietFileErrors, logging.handlers.RotatingFileHandler),
        {},
    )


_configured: Path | None = None


def setup_logging(p: Paths, *, level: int = logging.INFO) -> Path:
    """A rotating log file under the home folder; botocore's debug logging stays off."""
    global _configured
    root = logging.getLogger()
    if _configured == p.log_file:
        return p.log_file
    for handler in list(root.handlers):
        if getattr(handler, "_sesdesk", False):
            root.removeHandler(handler)
            handler.close()
    handler = quiet_rotating_handler_class()(
        p.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8", delay=True
    )
    handler._sesdesk = True  # type: ignore[attr-defined]
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # botocore's DEBUG output prints request headers, signatures included: never enable it.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "werkzeug", "moto"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = p.log_file
    return p.log_file
