"""`sesdesk simulator [--port N] [--iam]`: the local SES simulator alone on 127.0.0.1."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from sesdesk.cli import Context, note, port_number, say
from sesdesk.timing import punctual

SIMULATOR_SWITCH_INTERVAL = 0.0005


def register(sub: Any) -> None:
    """Add the `simulator` command."""
    sim = sub.add_parser("simulator", help="run the local SES simulator on 127.0.0.1")
    sim.add_argument("--port", type=port_number, default=0, help="port (0: any free port)")
    sim.add_argument("--iam", action="store_true", help="enforce IAM: only keys of its users work")
    sim.set_defaults(handler=_run)


def _run(args: argparse.Namespace, ctx: Context) -> int:
    from sesdesk.errors import BadInput
    from sesdesk.simulator import SesSimulator

    if not 0 <= args.port <= 65535:
        raise BadInput("--port", f"must be between 0 and 65535 (got {args.port})")
    simulator = SesSimulator(iam=args.iam, port=args.port)
    try:
        endpoint = simulator.start()
    except OSError as exc:
        raise BadInput("--port", f"cannot listen on port {args.port}: {exc.strerror}") from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    say(f"endpoint: {endpoint}")
    note(
        "SES simulator running"
        + (" with IAM enforcement" if args.iam else "")
        + f". Point boto3 at it with AWS_ENDPOINT_URL={endpoint}. Ctrl+C stops it."
    )
    try:
        # The simulator stamps each request's arrival and judges the rate there: it stands in
        # for AWS, whose clock no GIL hand-over or garbage collection delays (a full collection
        # over moto's backends took 70-90 ms and pulled sends into one second). This process
        # does nothing else, so it runs punctual for its whole life.
        with punctual(SIMULATOR_SWITCH_INTERVAL):
            while not stop.wait(0.5):
                pass
    finally:
        simulator.stop()
    return 0
