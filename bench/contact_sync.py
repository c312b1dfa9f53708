"""Contact sync benchmark: a list of 100,000 contacts synced to SES's contact list (the
simulator, in-process), then synced again unchanged (incremental: no contact calls), then SES's
unsubscribes pulled back over those 100,000 contacts (1 % opted out in SES).

Prints the time and the SES calls of each step, counted by a facade that counts every call.

    python bench/contact_sync.py [--contacts 100000] [--opted-out 1000] [--workers 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sim import REGION, connected, write_contacts


def counting_facade(factory: Any) -> Any:
    """The real ListsFacade, counting each SES call by name."""
    from sesdesk.aws.lists import ListsFacade

    class Counting(ListsFacade):
        def __init__(self, factory: Any) -> None:
            super().__init__(factory)
            self.calls: Counter[str] = Counter()

        def _call(self, action: str, fn: Any) -> Any:
            self.calls[action.removeprefix("ses:")] += 1
            return super()._call(action, fn)

        def total(self) -> int:
            return sum(self.calls.values())

    return Counting(factory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--opted-out", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    from sesdesk.aws.clients import AwsKeys, ClientFactory
    from sesdesk.services import contacts, lists
    from sesdesk.services.lists.pace import Pace

    bench = connected(in_process=True)
    try:
        csv = write_contacts(bench.home / "contacts.csv", args.contacts)
        contacts.import_csv(bench.store, bench.team_id, "everyone", csv)
        list_id = contacts.get_list(bench.store, bench.team_id, "everyone").id
        keys = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        factory = ClientFactory(REGION, keys, endpoint=bench.sim.endpoint)
        facade = counting_facade(factory)

        def step(name: str, run: Any) -> Any:
            facade.calls.clear()
            started = time.perf_counter()
            result = run()
            took = time.perf_counter() - started
            by_kind = ", ".join(f"{k} {v}" for k, v in sorted(facade.calls.items()))
            print(f"{name}: {took:.2f} s, {facade.total()} calls ({by_kind})")
            return result

        def full() -> Any:
            return lists.sync_list(
                bench.store, bench.team_id, list_id, facade, pace=Pace(), workers=args.workers
            )

        first = step(f"first sync of {args.contacts:,} contacts", full)
        print(f"  created {first.created:,}, failed {first.failed}, throttled {first.throttled}")
        second = step("second sync, list unchanged", full)
        print(f"  contacts needing a call: {second.total}")

        topic = lists.topic_name(list_id, "everyone")
        for i in range(args.opted_out):
            facade.update_contact(
                lists.SES_LIST_NAME, f"user{i * 97 % args.contacts}@example.com", opted_out=[topic]
            )
        pulled = step(
            f"pull of unsubscribes over {args.contacts:,} contacts ({args.opted_out:,} opted out)",
            lambda: lists.pull_unsubscribes(bench.store, bench.team_id, facade),
        )
        print(
            f"  pages {pulled.pages}, looked at {pulled.looked_at:,}, "
            f"unsubscribed here {pulled.unsubscribed:,}"
        )
        again = step(
            "second pull, nothing new",
            lambda: lists.pull_unsubscribes(bench.store, bench.team_id, facade),
        )
        print(f"  unsubscribed here {again.unsubscribed}")
        third = step("sync after the pull", full)
        print(f"  contacts needing a call: {third.total}")
    finally:
        bench.store.close()
        bench.sim.stop()


if __name__ == "__main__":
    main()
