"""Secrets in the OS keyring, and nowhere else.

One keyring entry per mailer: service ``sesdesk``, user ``mailer:<ref>``, the password a small
JSON document with the key id and the secret. The database keeps only `ref`, the account id and
the key id's last four characters.
"""

from __future__ import annotations

import json
import os

from sesdesk.aws.clients import AwsKeys
from sesdesk.errors import EnvironmentProblem

SERVICE = "sesdesk"

_HOW_TO_FIX = (
    "sesdesk keeps AWS secrets only in the operating system's keyring, and none is available. "
    "On Linux install and unlock a Secret Service provider (GNOME Keyring or KWallet), or "
    "choose a backend with PYTHON_KEYRING_BACKEND. Demo mode works without one: sesdesk --demo."
)


class KeyringUnavailable(EnvironmentProblem):
    """No usable OS keyring: the message says how to get one."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("No OS keyring is available to store the AWS secret.", hint=_HOW_TO_FIX)
        self.detail = detail


def _username(ref: str) -> str:
    return f"mailer:{ref}"


def keyring_available() -> bool:
    """True when the active keyring backend can store secrets (not the 'fail' backend)."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    # keyrings.alt's file backends only base64-encode: acceptable when chosen on purpose
    # (PYTHON_KEYRING_BACKEND, as tests do), never as a silent fallback for a real secret.
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    backends = getattr(backend, "backends", None) or [backend]  # a ChainerBackend holds several
    return any(not type(b).__module__.startswith(_UNSAFE_FALLBACKS) for b in backends)


_UNSAFE_FALLBACKS = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


def require_keyring() -> None:
    """Raise KeyringUnavailable (saying how to fix it) when no safe keyring is active."""
    if not keyring_available():
        raise KeyringUnavailable()


def save_keys(ref: str, keys: AwsKeys) -> None:
    """Store (or replace) the key pair for mailer `ref`."""
    import keyring
    from keyring.errors import KeyringError

    require_keyring()
    payload = json.dumps(
        {"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}
    )
    try:
        keyring.set_password(SERVICE, _username(ref), payload)
    except KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from None


def load_keys(ref: str) -> AwsKeys | None:
    """The key pair stored for mailer `ref`, or None when there is none."""
    import keyring
    from keyring.errors import KeyringError

    try:
        payload = keyring.get_password(SERVICE, _username(ref))
    except KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from None
    if not payload:
        return None
    try:
        data = json.loads(payload)
        return AwsKeys(data["access_key_id"], data["secret_access_key"])
    except (ValueError, KeyError, TypeError):
        return None


def delete_keys(ref: str) -> None:
    """Forget the key pair of mailer `ref` (no error when there was none)."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _username(ref))
    except PasswordDeleteError:
        return
    except KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from None


class MemoryKeyring:
    """A throw-away in-process keyring for demo mode and tests (never the user's real one)."""

    @staticmethod
    def install() -> None:
        """Make an empty in-memory backend the active keyring for this process."""
        import keyring

        keyring.set_keyring(_memory_backend_class()())


def _memory_backend_class() -> type:
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class _Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self._data: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self._data.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self._data[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self._data.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    _Memory.__module__ = __name__
    return _Memory
