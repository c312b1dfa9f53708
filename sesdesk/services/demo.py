"""Demo mode: the whole app against an in-process SES simulator.

The demo IAM user's keys go to a throw-away in-memory keyring (never the user's real one) and
the demo's records live in their own folder, started afresh each time, because the simulated
account starts afresh too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sesdesk.aws import keychain
from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.aws.simulator import SesSimulator
from sesdesk.config import Paths
from sesdesk.models import Store
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.teams import create_team

DEMO_REGION = "us-east-1"
DEMO_TEAM = "Demo shop"
DEMO_USER = "sesdesk-demo"
DEMO_IDENTITIES = ("owner@demo-shop.example", "demo-shop.example")


@dataclass
class DemoSession:
    """A running demo: the simulator, the demo store and the demo team."""

    simulator: SesSimulator
    store: Store
    team_id: int
    region: str = DEMO_REGION
    team_name: str = DEMO_TEAM
    user_name: str = DEMO_USER
    _previous_endpoint: str | None = None

    def stop(self) -> None:
        """Stop the simulator, close the store, restore the endpoint setting."""
        self.store.close()
        self.simulator.stop()
        if self._previous_endpoint is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = self._previous_endpoint


def start_demo(paths: Paths) -> DemoSession:
    """Start the simulator, a fresh demo store, a demo team with a connected mailer."""
    for suffix in ("", "-wal", "-shm"):
        (paths.home / f"{paths.database.name}{suffix}").unlink(missing_ok=True)
    keychain.MemoryKeyring.install()
    simulator = SesSimulator(iam=True)
    endpoint = simulator.start()
    # moto's backends are process-wide: a demo started earlier in this process left its data.
    simulator.reset()
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        store = Store.open(paths.database)
        keys = simulator.create_user(DEMO_USER)
        facade = SesFacade(ClientFactory(DEMO_REGION, keys, endpoint=endpoint))
        team = create_team(store, DEMO_TEAM)
        save_mailer(store, team.id, region=DEMO_REGION, keys=keys, caller=facade.caller_identity())
        for name in DEMO_IDENTITIES:
            facade.create_identity(name)
        refresh_team(store, team.id, facade)
        # The whole loop: SES's events come back through SNS and SQS from the first send.
        from sesdesk.aws.feedback import FeedbackFacade
        from sesdesk.services.feedback.wiring import set_up_feedback

        set_up_feedback(store, team.id, FeedbackFacade(facade.factory))
    except BaseException:
        simulator.stop()
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous
        raise
    return DemoSession(
        simulator=simulator, store=store, team_id=team.id, _previous_endpoint=previous
    )
