"""Secrets go to the OS keyring only; no keyring is a clear, fixable error."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys

KEYS = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def test_round_trip_in_memory_keyring():
    keychain.save_keys("ref1", KEYS)
    assert keychain.load_keys("ref1") == KEYS
    keychain.delete_keys("ref1")
    assert keychain.load_keys("ref1") is None
    keychain.delete_keys("ref1")  # deleting twice is fine


def test_repr_of_keys_hides_the_secret():
    assert KEYS.secret_access_key not in repr(KEYS)
    assert KEYS.last_four == "MPLE"


def test_headless_linux_without_keyring_says_how_to_fix_it():
    keyring.set_keyring(fail.Keyring())
    assert not keychain.keyring_available()
    with pytest.raises(keychain.KeyringUnavailable) as err:
        keychain.save_keys("ref", KEYS)
    assert "keyring" in err.value.message.lower()
    assert "PYTHON_KEYRING_BACKEND" in err.value.hint
    assert "--demo" in err.value.hint
    assert KEYS.secret_access_key not in str(err.value)


def test_plaintext_fallback_is_refused_unless_chosen(monkeypatch, tmp_path):
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    keyring.set_keyring(PlaintextKeyring())
    assert not keychain.keyring_available()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    assert keychain.keyring_available()
