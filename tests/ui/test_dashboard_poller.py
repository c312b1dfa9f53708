"""The window's poller (PollerController on the qasync loop) driving the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from sesdesk.models import Store
from sesdesk.services.poller import CycleState, PollSchedule
from sesdesk.ui.dashboard.view import DashboardView
from sesdesk.ui.poller_bridge import PollerController
from tests.conftest import connected_team

FAST = PollSchedule(
    pending=0.2, idle=0.5, backoff_first=0.2, backoff_max=0.4, nudge=0.05, nudge_min_gap=0.1
)


@pytest.fixture
def controller(bridge: Any, store: Store, qtbot: Any) -> Iterator[PollerController]:
    the_controller = PollerController(bridge, store, schedule=FAST)
    yield the_controller
    stopping = asyncio.ensure_future(the_controller.stop())
    qtbot.waitUntil(stopping.done, timeout=10_000)


def test_verification_notices_and_dashboard_follow_the_poller(
    qtbot, bridge, store, sim, controller
):
    team_id, _, facade = connected_team(store, sim, user="window-user")
    facade.create_identity("acme.test")
    view = DashboardView(bridge, store, team_id, poller=controller)
    qtbot.addWidget(view)
    view.show()
    notices: list[tuple[int, str, str]] = []
    controller.notice.connect(lambda *args: notices.append(args))
    controller.start()
    qtbot.waitUntil(
        lambda: view.data is not None and len(view.data.snapshot.identities) == 1, timeout=15_000
    )
    assert view.identities.model.index(0, 2).data() == "Pending"
    sim.set_identity_status("acme.test", "SUCCESS")
    qtbot.waitUntil(lambda: any("verified" in n[1] for n in notices), timeout=15_000)
    qtbot.waitUntil(lambda: view.identities.model.index(0, 2).data() == "Verified", timeout=15_000)
    assert notices[0][0] == team_id
    assert view.can_send.rows["test_email"].answer.text().startswith("Yes")
    # Refresh now reaches the poller: a cycle follows at once.
    outcomes: list[Any] = []
    controller.cycle_finished.connect(outcomes.append)
    view.warnings.refresh_button.click()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=10_000)


def test_offline_shows_a_banner_not_dialogs_and_lost_access_turns_red(
    qtbot, bridge, store, sim, controller
):
    team_id, keys, _ = connected_team(store, sim, user="window-user")
    errors: list[tuple[str, str]] = []
    bridge.error_reported.connect(lambda *args: errors.append(args))
    view = DashboardView(bridge, store, team_id, poller=controller)
    qtbot.addWidget(view)
    view.show()
    outcomes: list[Any] = []
    controller.cycle_finished.connect(outcomes.append)
    controller.start([team_id])
    qtbot.waitUntil(lambda: any(o.state is CycleState.OK for o in outcomes), timeout=15_000)
    sim.set_unreachable(True)
    qtbot.waitUntil(
        lambda: sum(o.state is CycleState.OFFLINE for o in outcomes) >= 2, timeout=20_000
    )
    qtbot.waitUntil(lambda: "offline" in view.warnings.codes(), timeout=10_000)
    assert view.data is not None and view.data.snapshot.account is not None  # last known
    assert errors == []  # offline is a banner, never a pile of error dialogs
    sim.set_unreachable(False)
    sim.revoke_key(keys.access_key_id)
    notices: list[Any] = []
    controller.notice.connect(lambda *args: notices.append(args))
    controller.refresh_now(team_id)
    qtbot.waitUntil(lambda: view.warnings.codes()[:1] == ["lost_access"], timeout=20_000)
    assert "offline" not in view.warnings.codes()
    assert [n[1] for n in notices] == ["The mailer lost access to AWS"]
    assert errors == []
