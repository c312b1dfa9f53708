"""Readiness-check benchmark: how long `check_readiness` takes with DNS answering and with DNS
unreachable (target < 3 s: short timeouts, every lookup at once).

    .venv/bin/python bench/readiness.py [--runs 10]

Against the in-process simulator and a DNS server of our own on 127.0.0.1 (the tests' one),
it prints min / median / max seconds for:
- DNS answering (every record published, so every lookup is answered)
- DNS unreachable: a black-holed port (queries taken, never answered) and a closed port
- AWS unreachable (the simulator answering 503) with DNS answering
- no network at all (this computer's resolver, in a network namespace with only loopback:
  `unshare -n`, root only; skipped otherwise)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

FROM = "news@bench.example"


def _say(message: str) -> None:
    print(message, flush=True)


def _measure(name: str, runs: int, once: Callable[[], Any]) -> None:
    times: list[float] = []
    last: Any = None
    for _ in range(runs):
        started = time.perf_counter()
        last = once()
        times.append(time.perf_counter() - started)
    outcome = " ".join(
        f"{c.code}={'ok' if c.ok else 'null' if c.ok is None else 'fail'}" for c in last.checks
    )
    _say(
        f"{name:<44} min {min(times):.3f} s  median {statistics.median(times):.3f} s  "
        f"max {max(times):.3f} s  ({runs} runs)   {outcome}"
    )


def _set_up() -> Any:
    from _sim import DOMAIN, REGION, connected

    from sesdesk.aws.ses import SesFacade
    from sesdesk.services.mailers import open_mailer

    bench = connected(in_process=True)
    facade: SesFacade = open_mailer(bench.store, bench.team_id)
    facade.put_mail_from(DOMAIN, f"mail.{DOMAIN}")
    bench.sim._sim.set_mail_from_status(DOMAIN, "SUCCESS")
    return bench, DOMAIN, REGION


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-network-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from sesdesk.services.dns_check import ResolverConfig
    from sesdesk.services.readiness import check_readiness
    from tests.services.test_dns_check import LocalDnsServer

    bench, domain, region = _set_up()
    store, team_id = bench.store, bench.team_id
    try:
        if args.no_network_child:
            _measure(
                "no network (system resolver)",
                args.runs,
                lambda: check_readiness(store, team_id, FROM),
            )
            return
        server = LocalDnsServer().start()
        server.add(f"mail.{domain}", "MX", f"10 feedback-smtp.{region}.amazonses.com.")
        server.add(f"mail.{domain}", "TXT", '"v=spf1 include:amazonses.com ~all"')
        server.add(f"_dmarc.{domain}", "TXT", '"v=DMARC1; p=quarantine"')
        answering = ResolverConfig("127.0.0.1", server.port)
        _measure(
            "DNS answering",
            args.runs,
            lambda: check_readiness(store, team_id, FROM, dns=answering),
        )
        hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        hole.bind(("127.0.0.1", 0))
        silent = ResolverConfig("127.0.0.1", hole.getsockname()[1])
        _measure(
            "DNS unreachable (black-holed port)",
            args.runs,
            lambda: check_readiness(store, team_id, FROM, dns=silent),
        )
        hole.close()
        closed_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        closed_sock.bind(("127.0.0.1", 0))
        closed = ResolverConfig("127.0.0.1", closed_sock.getsockname()[1])
        closed_sock.close()
        _measure(
            "DNS unreachable (closed port)",
            args.runs,
            lambda: check_readiness(store, team_id, FROM, dns=closed),
        )
        bench.sim._sim.set_unreachable(True)
        _measure(
            "AWS unreachable (HTTP 503), DNS answering",
            args.runs,
            lambda: check_readiness(store, team_id, FROM, dns=answering),
        )
        bench.sim._sim.set_unreachable(False)
        server.stop()
        _no_network(args.runs)
    finally:
        bench.store.close()
        bench.sim.stop()


def _no_network(runs: int) -> None:
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if os.geteuid() != 0 or unshare is None or ip is None:
        _say("no network (system resolver)               skipped: needs root, unshare and ip")
        return
    script = (
        f"{ip} link set lo up && exec {sys.executable} {Path(__file__).resolve()} "
        f"--no-network-child --runs {runs}"
    )
    child = subprocess.run(
        [unshare, "-n", "sh", "-c", script], capture_output=True, text=True, timeout=300
    )
    lines = [line for line in child.stdout.splitlines() if line.startswith("no network")]
    _say(lines[-1] if lines else f"no network: the child failed: {child.stderr.strip()[-300:]}")


if __name__ == "__main__":
    main()
