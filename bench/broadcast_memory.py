"""Broadcast memory benchmark: a 100,000-recipient broadcast — peak memory of the sending
process (target < 300 MB), with throughput and the simulator's count as a check.

By default the simulator runs in its own process with no latency and a high rate, so the
figure is the engine's own (store paging, bookkeeping, boto3 clients and sender threads).
The simulator itself manages about 200 sends a second here, so this takes ~10 minutes;
`--stub` replaces the HTTP call with an instant fake to measure the engine alone in seconds.

    python bench/broadcast_memory.py [--recipients 100000] [--stub]
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sim import DOMAIN, connected, write_contacts


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 1_048_576


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--stub", action="store_true", help="no HTTP: an instant fake send")
    args = parser.parse_args()

    from sesdesk.aws.sending import OutgoingEmail, SendingFacade
    from sesdesk.services import contacts, sending

    bench = connected()
    try:
        bench.sim.set_account(production=True, max_rate=5000, max_24h=1e7)
        csv_path = write_contacts(bench.home / "big.csv", args.recipients)
        contacts.import_csv(bench.store, bench.team_id, "big", csv_path)
        draft = sending.create_broadcast(
            bench.store,
            bench.team_id,
            list_name="big",
            composition=sending.Composition(
                from_address=f"news@{DOMAIN}",
                subject="Hello {{name}}",
                text_body="Hi {{name}}, " + "lorem ipsum " * 200,
            ),
        )
        sender = None
        if args.stub:

            class InstantSender(SendingFacade):
                def send_email(self, email: OutgoingEmail) -> str:
                    return "stub"

            from sesdesk.aws.clients import AwsKeys, ClientFactory

            # A stub never signs anything; the factory still wants a key pair.
            stub_keys = AwsKeys("AKIAIOSFODNN7EXAMPLE", "stub-secret-never-used")
            sender = InstantSender(ClientFactory("us-east-1", stub_keys))

        peak_seen = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                peak_seen[0] = max(peak_seen[0], _current_rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        rss_before = _current_rss_mb()
        sampler.start()
        last = [0.0]

        def progress(p: sending.Progress) -> None:
            if time.monotonic() - last[0] > 30:
                last[0] = time.monotonic()
                print(
                    f"  {p.status.sent} sent, {p.rate:.0f}/s, RSS {_current_rss_mb():.0f} MB",
                    flush=True,
                )

        started = time.monotonic()
        result = sending.BroadcastRunner(
            bench.store, bench.team_id, draft.id, sender=sender, on_progress=progress
        ).run()
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
        # Before fetching the simulator's log: parsing 100,000 entries costs ~100 MB itself.
        peak_after_send = _rss_mb()
        accepted = None if args.stub else len(bench.sim.sent_messages())
    finally:
        bench.store.close()
        bench.sim.stop()

    status = result.status
    print(
        f"{args.recipients} recipients{' (stub sender)' if args.stub else ''}: "
        f"{status.state}, {status.sent} sent, {status.failed} failed, "
        f"{status.uncertain} uncertain; simulator accepted {accepted}"
    )
    print(f"time {elapsed:.0f} s ({status.sent / elapsed:.0f} recipients/s)")
    print(
        f"memory: RSS before sending {rss_before:.0f} MB, sampled peak while sending "
        f"{peak_seen[0]:.0f} MB, process peak RSS up to the end of sending "
        f"{peak_after_send:.0f} MB  [target < 300 MB]"
    )
    return 0 if peak_after_send < 300 and status.sent == args.recipients else 1


if __name__ == "__main__":
    raise SystemExit(main())
