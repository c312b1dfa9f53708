"""Sending-rate benchmark: does the engine keep to MaxSendRate and reach ≥ 97 % of it?

Against the simulator with 100 ms latency per call, at MaxSendRate 50/s and 200/s, 3,000
recipients each. Prints achieved ÷ allowed rate, the most recipients the simulator accepted in
any one-second window (from its own send log), and throttling errors. Target: ≥ 0.97, never
above the rate, zero throttling.

    python bench/send_rate.py [--recipients 3000] [--rates 50 200] [--latency 0.1] [--in-process]
"""

from __future__ import annotations

import argparse
import bisect
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sim import DOMAIN, connected, write_contacts


def max_in_one_second(times: list[float]) -> int:
    """The most events in any half-open one-second window [t, t + 1)."""
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        best = max(best, bisect.bisect_left(times, start + 1.0) - i)
    return best


def run_one(bench, rate: float, recipients: int, latency: float) -> dict[str, float]:
    """One broadcast at `rate`; returns its figures."""
    from sesdesk.services import contacts, sending

    bench.sim.set_latency(0.0)
    bench.sim.set_account(production=True, max_rate=rate, max_24h=1e7)
    list_name = f"rate-{rate:g}"
    csv_path = write_contacts(bench.home / f"{list_name}.csv", recipients)
    contacts.import_csv(bench.store, bench.team_id, list_name, csv_path)
    tag = f"rate {rate:g} {time.time():.0f}"
    draft = sending.create_broadcast(
        bench.store,
        bench.team_id,
        list_name=list_name,
        composition=sending.Composition(
            from_address=f"news@{DOMAIN}",
            subject=f"Hello {{{{name}}}} ({tag})",
            text_body="Hi {{name}}, this is a benchmark.",
        ),
    )
    bench.sim.set_latency(latency)
    runner = sending.BroadcastRunner(bench.store, bench.team_id, draft.id)
    started = time.monotonic()
    result = runner.run()
    elapsed = time.monotonic() - started
    bench.sim.set_latency(0.0)
    times = [m["at"] for m in bench.sim.sent_messages() if tag in m["subject"]]
    span = max(times) - min(times) if len(times) > 1 else float("nan")
    achieved = (len(times) - 1) / span if span else float("nan")
    return {
        "rate": rate,
        "accepted": len(times),
        "state_done": float(result.status.state == "done"),
        "achieved": achieved,
        "ratio": achieved / rate,
        "max_1s": max_in_one_second(times),
        "throttled": result.throttled,
        "elapsed": elapsed,
        "latency_ewma": runner.latency.value,
    }


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--rates", type=float, nargs="+", default=[50.0, 200.0])
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--in-process", action="store_true", help="simulator in this process")
    args = parser.parse_args()

    bench = connected(in_process=args.in_process)
    ok = True
    try:
        print(
            f"simulator: {'in-process' if args.in_process else 'separate process'}, "
            f"latency {args.latency * 1000:.0f} ms, {args.recipients} recipients per run"
        )
        for rate in args.rates:
            r = run_one(bench, rate, args.recipients, args.latency)
            verdict = (
                r["ratio"] >= 0.97
                and r["max_1s"] <= rate
                and r["throttled"] == 0
                and r["accepted"] == args.recipients
            )
            ok = ok and verdict
            print(
                f"MaxSendRate {rate:>5g}/s: achieved {r['achieved']:7.2f}/s "
                f"= {r['ratio']:.3f} of allowed; most in any 1 s window {r['max_1s']:.0f} "
                f"(limit {rate:g}); throttling errors {r['throttled']:.0f}; "
                f"accepted {r['accepted']:.0f}; wall {r['elapsed']:.1f} s; "
                f"latency EWMA {r['latency_ewma'] * 1000:.0f} ms  "
                f"[{'PASS' if verdict else 'FAIL'}]"
            )
    finally:
        bench.store.close()
        bench.sim.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
