"""The window's FixRouter: one handler for every Fix, and no silently ignored fix."""

from __future__ import annotations

from typing import Any

import pytest

from sesdesk.services.gating import Fix


@pytest.fixture
def router(qtbot: Any, bridge: Any) -> Any:
    from PySide6.QtWidgets import QWidget

    from sesdesk.ui.fixes import FixRouter

    parent = QWidget()
    qtbot.addWidget(parent)
    return FixRouter(parent, bridge, store=None)


def test_every_fix_has_exactly_one_handler(router: Any) -> None:
    assert set(router.handlers) == set(Fix)
    assert len(router.handlers) == len(Fix)
    assert all(callable(handler) for handler in router.handlers.values())


def test_an_unknown_fix_is_an_error_not_ignored(router: Any) -> None:
    with pytest.raises(ValueError, match="no_such_fix"):
        router.open("no_such_fix", "", 1, None)


def test_fixes_without_a_window_open_nothing(router: Any) -> None:
    for fix in (Fix.WAIT, Fix.REFRESH):
        router.open(fix, "", 1, None)
        assert router.last_opened is None
    # Without a snapshot there is no mailer or team to act on: nothing opens either.
    router.open(Fix.DELETE_MAILER, "", 1, None)
    router.open(Fix.RENAME_TEAM, "", 1, None)
    assert router.last_opened is None
