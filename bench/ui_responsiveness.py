"""Does the window stay responsive while the poller works? Prints event-loop stall figures.

The dashboard of a team with 200 sender identities runs in a QMainWindow (offscreen unless
QT_QPA_PLATFORM says otherwise) with the poller on the qasync loop, against the local SES
simulator in its own process with 100 ms added to every AWS call. A 5 ms heartbeat QTimer
measures how late the loop runs it: the stall. Target: maximum stall under 50 ms.
With --feedback N the team's feedback queue holds N SES events at the start: the poller drains
them (in its worker thread) while the window runs.

    .venv/bin/python bench/ui_responsiveness.py [--seconds 40] [--identities 200] [--feedback N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEARTBEAT_MS = 5
TARGET_MAX_STALL_MS = 50.0


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    """`sesdesk simulator --iam` in its own process: its work must not share our GIL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sesdesk", "simulator", "--port", "0", "--iam"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("endpoint: "):
        process.kill()
        raise SystemExit(f"simulator did not start: {line!r}")
    return process, line.split(" ", 1)[1]


def control(endpoint: str, route: str, body: dict | None = None) -> dict:
    """POST (or GET without body) one of the simulator's /_sesdesk/ control routes."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{endpoint}/_sesdesk/{route}",
        data=data,
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read() or b"{}")


def prepare(
    endpoint: str,
    home: Path,
    identities: int,
    pending: int,
    warm: bool = True,
    no_warm_up: bool = False,
    feedback: int = 0,
) -> tuple[object, int]:
    """A store with one team whose mailer has `identities` identities (`pending` unverified)."""
    from sesdesk.aws.clients import AwsKeys, ClientFactory
    from sesdesk.aws.keychain import MemoryKeyring
    from sesdesk.aws.ses import SesFacade
    from sesdesk.models import Store
    from sesdesk.services.mailers import save_mailer
    from sesdesk.services.teams import create_team

    MemoryKeyring.install()
    reply = control(endpoint, "users", {"name": "bench"})
    keys = AwsKeys(reply["access_key_id"], reply["secret_access_key"])
    facade = SesFacade(ClientFactory("us-east-1", keys, endpoint=endpoint))
    store = Store.open(home / "bench.db")
    team = create_team(store, "Bench shop")
    save_mailer(store, team.id, region="us-east-1", keys=keys, caller=facade.caller_identity())
    for n in range(identities):
        name = f"sender{n:03d}@bench-shop.example" if n % 2 else f"d{n:03d}.bench-shop.example"
        facade.create_identity(name)
        if n >= pending:
            control(endpoint, "identity", {"identity": name, "status": "SUCCESS"})
    if warm:
        # As on every start but the first: the store already knows the identities.
        from sesdesk.services.refresh import refresh_team

        refresh_team(store, team.id, facade)
    if feedback:
        fill_feedback(store, team.id, facade, endpoint, feedback)
    if not no_warm_up:
        # What the app's start-up thread does while the loading page shows.
        from sesdesk.services.poller import warm_up

        warm_up(store)
    return store, team.id


def fill_feedback(store: object, team_id: int, facade: object, endpoint: str, count: int) -> None:
    """Wire the team's feedback and queue `count` SES events (deliveries and bounces)."""
    from sesdesk.aws.feedback import FeedbackFacade
    from sesdesk.services.feedback.wiring import set_up_feedback

    status = set_up_feedback(store, team_id, FeedbackFacade(facade.factory))  # type: ignore[arg-type, attr-defined]
    chunk: list[str] = []
    for n in range(count):
        email = f"reader{n}@example.com"
        kind = "Bounce" if n % 10 == 0 else "Delivery"
        event: dict = {
            "eventType": kind,
            "mail": {
                "timestamp": "2026-11-29T10:00:00.000Z",
                "messageId": f"m-{n}",
                "destination": [email],
                "tags": {"sesdesk-team": [str(team_id)], "ses:configuration-set": ["x"]},
            },
        }
        if kind == "Bounce":
            event["bounce"] = {
                "feedbackId": f"b-{n}",
                "bounceType": "Permanent",
                "bouncedRecipients": [{"emailAddress": email}],
            }
        else:
            event["delivery"] = {"timestamp": "2026-11-29T10:00:01.000Z", "recipients": [email]}
        chunk.append(json.dumps(event))
        if len(chunk) == 2000 or n == count - 1:
            control(
                endpoint, "feedback/publish", {"topic_arn": status.topic_arn, "messages": chunk}
            )
            chunk = []


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--identities", type=int, default=200)
    parser.add_argument("--pending", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="skip services.poller.warm_up: boto3 clients get built while the window runs",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="start with an empty store: the first cycle brings all identities at once",
    )
    parser.add_argument(
        "--feedback", type=int, default=0, help="SES events waiting in the feedback queue"
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="sesdesk-bench-"))
    os.environ["SESDESK_HOME"] = str(home)
    simulator, endpoint = start_simulator()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        store, team_id = prepare(
            endpoint,
            home,
            args.identities,
            args.pending,
            warm=not args.cold,
            feedback=args.feedback,
        )
        control(endpoint, "latency", {"seconds": args.latency})
        return run_window(store, team_id, endpoint, args)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


def run_window(store: object, team_id: int, endpoint: str, args: argparse.Namespace) -> int:
    """Show the dashboard, poll, measure the heartbeat; print the figures."""
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from sesdesk.services.poller import PollSchedule
    from sesdesk.ui import style
    from sesdesk.ui.bridge import Bridge
    from sesdesk.ui.dashboard.view import DashboardView
    from sesdesk.ui.poller_bridge import PollerController

    app = QApplication.instance() or QApplication([])
    style.apply(app)  # type: ignore[arg-type]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    stalls: list[float] = []
    slow_gc: list[tuple[str, int, float]] = []
    gc_started = [0.0]

    def gc_watch(phase: str, info: dict) -> None:
        # A full pass holds the GIL: from any thread it stalls the window.
        if phase == "start":
            gc_started[0] = time.perf_counter()
            return
        took = (time.perf_counter() - gc_started[0]) * 1000
        if took > 10:
            slow_gc.append((threading.current_thread().name, info["generation"], round(took, 1)))

    gc.callbacks.append(gc_watch)
    worst_at: list[tuple[float, float]] = []
    cycles: list[object] = []
    reloads = [0]

    async def scenario() -> None:
        bridge = Bridge()
        # Short intervals so a 40-second run sees many cycles and many dashboard reloads.
        schedule = PollSchedule(pending=2.0, idle=4.0, nudge=0.5, nudge_min_gap=1.0)
        poller = PollerController(bridge, store, schedule=schedule)
        poller.cycle_finished.connect(cycles.append)
        window = QMainWindow()
        window.resize(1200, 900)
        view = DashboardView(bridge, store, team_id, poller=poller)
        view.data_loaded.connect(lambda _: reloads.__setitem__(0, reloads[0] + 1))
        window.setCentralWidget(view)
        window.show()

        last = [time.perf_counter()]
        t0 = [time.perf_counter()]

        def beat() -> None:
            now = time.perf_counter()
            stall = max(0.0, (now - last[0]) * 1000 - HEARTBEAT_MS)
            stalls.append(stall)
            if stall > 20:
                worst_at.append((round(now - t0[0], 2), round(stall, 1)))
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(beat)
        # Start-up (first paint, first read) is measured by the start-up benchmark, not here.
        while view.data is None:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        last[0] = t0[0] = time.perf_counter()
        heartbeat.start()
        poller.start([team_id])
        started = time.perf_counter()
        flipped = 0
        while time.perf_counter() - started < args.seconds:
            await asyncio.sleep(3)
            # Identities verify as time goes by: changes, notices, dashboard reloads.
            names = [f"d{n:03d}.bench-shop.example" for n in range(0, args.pending, 2)]
            if flipped < len(names):
                await loop.run_in_executor(
                    None,
                    lambda name=names[flipped]: control(
                        endpoint, "identity", {"identity": name, "status": "SUCCESS"}
                    ),
                )
                flipped += 1
            if flipped == 3:
                view.refresh_now()  # the Refresh now button, mid-run
        heartbeat.stop()
        await poller.stop()
        window.close()
        await bridge.shutdown()

    with loop:
        loop.run_until_complete(scenario())

    stalls.sort()
    p99 = stalls[int(len(stalls) * 0.99) - 1] if stalls else 0.0
    worst = stalls[-1] if stalls else 0.0
    calls = sum(getattr(c, "calls", 0) for c in cycles)
    print(
        f"identities: {args.identities} ({args.pending} pending at start), "
        f"latency per AWS call: {args.latency * 1000:.0f} ms, run: {args.seconds:.0f} s"
    )
    print(f"poll cycles: {len(cycles)}, AWS calls: {calls}, dashboard reloads: {reloads[0]}")
    if args.feedback:
        from sesdesk.services.feedback.wiring import feedback_status

        drained = feedback_status(store, team_id)  # type: ignore[arg-type]
        print(
            f"feedback: {args.feedback} events queued; taken in {drained.processed}, "
            f"waiting at the last check {drained.waiting}"
        )
    print(f"stalls over 20 ms (s into the run, ms): {worst_at}")
    print(f"heartbeats: {len(stalls)} (every {HEARTBEAT_MS} ms)")
    print(f"stall p50: {statistics.median(stalls) if stalls else 0:.1f} ms")
    print(f"stall p99: {p99:.1f} ms")
    print(
        f"stall max: {worst:.1f} ms (target < {TARGET_MAX_STALL_MS:.0f} ms): "
        f"{'OK' if worst < TARGET_MAX_STALL_MS else 'OVER'}"
    )
    print(f"garbage-collector passes over 10 ms (thread, generation, ms): {slow_gc}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    store.close()  # type: ignore[attr-defined]
    return 0 if worst < TARGET_MAX_STALL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
