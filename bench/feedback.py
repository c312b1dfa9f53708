"""Feedback intake benchmark: 100,000 SES event messages (mixed types, 10 % duplicates — the
same SNS message delivered again) waiting in the simulator's queue, drained by sesdesk:
events per second and peak memory.

Targets: at least 2,000 events/s, under 200 MB. The simulator runs in its own process
(`sesdesk simulator`: moto's SQS behind HTTP on loopback), as AWS would be, unless
--in-process. Peak memory is this process's peak RSS (and its growth during the drain).

    python bench/feedback.py [--messages 100000] [--in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sim import InProcessSimulator, SimulatorProcess

REGION = "us-east-1"


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _event(kind: str, rid: int, team_id: int, broadcast_id: int, serial: int) -> str:
    email = f"user{rid}@example.com"
    mail = {
        "timestamp": "2026-11-29T10:00:00.000Z",
        "messageId": f"0100018c-{rid:08d}",
        "source": "news@bench.example",
        "destination": [email],
        "tags": {
            "sesdesk-team": [str(team_id)],
            "sesdesk-broadcast": [str(broadcast_id)],
            "sesdesk-recipient": [str(rid)],
            "ses:configuration-set": ["sesdesk-feedback"],
        },
    }
    event: dict[str, object] = {"eventType": kind, "mail": mail}
    minute, second, milli = serial // 60000 % 60, serial // 1000 % 60, serial % 1000
    stamp = f"2026-11-29T10:{minute:02d}:{second:02d}.{milli:03d}Z"
    if kind == "Send":
        event["send"] = {}
    elif kind == "Delivery":
        event["delivery"] = {"timestamp": stamp, "recipients": [email], "smtpResponse": "250 ok"}
    elif kind == "Bounce":
        event["bounce"] = {
            "feedbackId": f"b-{serial}",
            "bounceType": "Permanent" if serial % 3 else "Transient",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": email, "diagnosticCode": "smtp; 550 5.1.1"}],
            "timestamp": stamp,
        }
    elif kind == "Complaint":
        event["complaint"] = {
            "feedbackId": f"c-{serial}",
            "complainedRecipients": [{"emailAddress": email}],
            "complaintFeedbackType": "abuse",
            "timestamp": stamp,
        }
    else:
        event["deliveryDelay"] = {
            "delayType": "MailboxFull",
            "delayedRecipients": [{"emailAddress": email, "diagnosticCode": "452 full"}],
            "timestamp": stamp,
        }
    return json.dumps(event)


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--in-process", action="store_true", help="simulator in this process")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="sesdesk-bench-feedback-"))
    os.environ["SESDESK_HOME"] = str(home)
    from sqlalchemy import insert

    from sesdesk.aws.clients import AwsKeys, ClientFactory
    from sesdesk.aws.feedback import FeedbackFacade
    from sesdesk.models import Broadcast, FeedbackWiring, Recipient, Store, utcnow
    from sesdesk.services.feedback.intake import drain
    from sesdesk.services.teams import create_team

    simulator: Any = InProcessSimulator() if args.in_process else SimulatorProcess()
    endpoint = simulator.endpoint
    keys = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    facade = FeedbackFacade(ClientFactory(REGION, keys, endpoint=endpoint))
    wiring = facade.set_up()

    unique = args.messages * 9 // 10
    recipients = max(1, unique // 2)
    rng = random.Random(15)
    with Store.open(home / "sesdesk.db") as store:
        team = create_team(store, "bench")
        now = utcnow()
        with store.session() as session:
            broadcast = Broadcast(
                team_id=team.id,
                kind="broadcast",
                from_address="news@bench.example",
                subject="Bench",
                text_body="Hello",
                state="done",
                created_at=now,
            )
            session.add(broadcast)
            session.flush()
            broadcast_id = broadcast.id
            session.execute(
                insert(Recipient),
                [
                    {
                        "id": i,
                        "broadcast_id": broadcast_id,
                        "email": f"user{i}@example.com",
                        "state": "sent",
                        "attempts": 1,
                        "updated_at": now,
                    }
                    for i in range(1, recipients + 1)
                ],
            )
            session.add(
                FeedbackWiring(
                    team_id=team.id,
                    region=REGION,
                    configuration_set=wiring.configuration_set,
                    topic_arn=wiring.topic_arn,
                    queue_url=wiring.queue_url,
                    queue_arn=wiring.queue_arn,
                    dlq_url=wiring.dlq_url,
                    problems="[]",
                    processed=0,
                    duplicates=0,
                    unrecognised=0,
                )
            )

        # The mix: every recipient's Send; then Delivery (80 %), Bounce (12 %),
        # DeliveryDelay (5 %), Complaint (3 %); 0.1 % unreadable bodies; then 10 % duplicates
        # (SNS delivering the same message again: same MessageId).
        started = time.perf_counter()
        chunk: list[str] = []
        for serial in range(unique):
            rid = serial // 2 + 1
            if serial % 1000 == 999:
                chunk.append("not json")
            else:
                if serial % 2 == 0:
                    kind = "Send"
                else:
                    roll = rng.random()
                    kind = (
                        "Delivery"
                        if roll < 0.80
                        else "Bounce"
                        if roll < 0.92
                        else "DeliveryDelay"
                        if roll < 0.97
                        else "Complaint"
                    )
                chunk.append(_event(kind, min(rid, recipients), team.id, broadcast_id, serial))
            if len(chunk) == 5000 or serial == unique - 1:
                simulator.control(
                    "POST", "feedback/publish", {"topic_arn": wiring.topic_arn, "messages": chunk}
                )
                chunk = []
        simulator.control("POST", "feedback/redeliver", {"count": args.messages - unique})
        filled = time.perf_counter() - started

        rss_before = _rss_mb()
        started = time.perf_counter()
        result = drain(store, team.id, facade, wait_seconds=0)
        elapsed = time.perf_counter() - started
        rss_after = _rss_mb()
        left = facade.check(wiring).waiting

    simulator.stop()
    total = result.processed + result.duplicates + result.unrecognised
    print(f"queue filled with {args.messages} messages in {filled:.1f} s")
    print(
        f"drained {total} messages: processed {result.processed}, duplicates "
        f"{result.duplicates}, unrecognised {result.unrecognised}, unmatched {result.unmatched}; "
        f"left in queue {left}; problem {result.error.message if result.error else None}"
    )
    rate = total / elapsed if elapsed else 0.0
    print(f"time: {elapsed:.1f} s = {rate:,.0f} events/s  [target >= 2,000 events/s]")
    growth = rss_after - rss_before
    print(
        f"peak memory: process peak RSS {rss_after:.0f} MB "
        f"(+{growth:.0f} MB during the drain)  [target < 200 MB]"
    )
    return 0 if rate >= 2000 and growth < 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
