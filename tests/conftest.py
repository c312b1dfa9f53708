"""Shared test setup: offscreen Qt, an isolated home and keyring per test, no real AWS."""

from __future__ import annotations

import os

# Qt reads this when the QApplication is created: set it before any test module imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never reach real AWS, never pick up the developer's credentials or profiles.
for _var in (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
):
    os.environ.pop(_var, None)
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own SESDESK_HOME and an empty in-memory keyring."""
    home = tmp_path / "sesdesk-home"
    monkeypatch.setenv("SESDESK_HOME", str(home))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    import keyring

    from sesdesk.aws.keychain import MemoryKeyring

    previous = keyring.get_keyring()
    MemoryKeyring.install()
    yield home
    keyring.set_keyring(previous)
