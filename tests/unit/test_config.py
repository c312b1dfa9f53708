"""Home folder, settings and the redacting log filter."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from sesdesk import config
from sesdesk.errors import EnvironmentProblem

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_home_comes_from_sesdesk_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SESDESK_HOME", str(tmp_path / "x"))
    assert config.default_home() == tmp_path / "x"


def test_ensure_creates_folders(tmp_path):
    p = config.paths(tmp_path / "new" / "home").ensure()
    assert p.home.is_dir() and p.logs.is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_home_is_a_clear_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(config.HomeNotWritable) as err:
        config.paths(locked / "home").ensure()
    assert str(locked) in err.value.message


def test_home_that_is_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(EnvironmentProblem) as err:
        config.paths(blocker).ensure()
    assert str(blocker) in err.value.message
    assert "SESDESK_HOME" in err.value.hint
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    "text",
    [
        f"secret={SECRET}",
        f"aws_secret_access_key: {SECRET}",
        f"the key is {SECRET} ok",
        f'{{"SecretAccessKey": "{SECRET}"}}',
    ],
)
def test_redact_removes_secrets(text):
    assert SECRET not in config.redact(text)


def test_redact_keeps_only_the_last_four_of_a_key_id():
    cleaned = config.redact("key AKIAIOSFODNN7EXAMPLE used")
    assert "AKIAIOSFODNN7EXAMPLE" not in cleaned
    assert "MPLE" in cleaned


def test_log_file_never_holds_a_secret(tmp_path):
    p = config.paths(tmp_path).ensure()
    log_file = config.setup_logging(p)
    logger = logging.getLogger("sesdesk.test")
    logger.warning("connecting with secret=%s", SECRET)
    try:
        raise ValueError(f"boom {SECRET}")
    except ValueError:
        logger.exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = log_file.read_text()
    assert "connecting with secret=" in content
    assert "ValueError" in content
    assert SECRET not in content


def test_botocore_debug_logging_stays_off(tmp_path):
    config.setup_logging(config.paths(tmp_path).ensure())
    assert not logging.getLogger("botocore").isEnabledFor(logging.DEBUG)


def test_settings_round_trip_and_bad_file_is_empty(tmp_path):
    p = config.paths(tmp_path).ensure()
    assert config.load_settings(p) == {}
    config.save_settings(p, {"last_team": 3})
    assert config.load_settings(p) == {"last_team": 3}
    p.settings.write_text("{not json")
    assert config.load_settings(p) == {}
    assert p.settings.read_text() == "{not json"


def test_default_home_matches_platformdirs(monkeypatch, tmp_path):
    from platformdirs import user_data_dir

    monkeypatch.delenv("SESDESK_HOME")
    for xdg in (None, str(tmp_path / "xdg")):
        if xdg is None:
            monkeypatch.delenv("XDG_DATA_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_DATA_HOME", xdg)
        assert config.default_home() == Path(user_data_dir("sesdesk", appauthor=False))
