"""One team polled from the command line: one cycle now (`sesdesk poll`, `status --refresh`)
or cycles on the poller's schedule (`status --watch`), without the window's Poller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sesdesk.models import Store
from sesdesk.services.poller import CycleOutcome, CycleState, PollSchedule, TeamPoller


async def poll_once(store: Store, team_id: int) -> CycleOutcome:
    """One cycle on the running loop, its blocking part in a worker thread (CLI)."""
    poller = TeamPoller(store, team_id, run_blocking=asyncio.to_thread, lead=False)
    return await poller.run_once()


@dataclass
class WatchLog:
    """Outcomes collected by `watch` (for the CLI and tests)."""

    outcomes: list[CycleOutcome] = field(default_factory=list)


async def watch(
    store: Store,
    team_id: int,
    *,
    cycles: int | None = None,
    schedule: PollSchedule | None = None,
    on_cycle: Callable[[CycleOutcome], None] | None = None,
) -> WatchLog:
    """Poll one team on the schedule for `cycles` cycles (None: until cancelled)."""
    record = WatchLog()

    def collect(outcome: CycleOutcome) -> None:
        record.outcomes.append(outcome)
        if on_cycle is not None:
            on_cycle(outcome)

    poller = TeamPoller(
        store, team_id, run_blocking=asyncio.to_thread, schedule=schedule, on_cycle=collect
    )
    while cycles is None or poller.cycles < cycles:
        outcome = await poller.run_once()
        if outcome.state is CycleState.GONE or (cycles is not None and poller.cycles >= cycles):
            break
        await poller.wait(outcome.next_delay)
    return record
