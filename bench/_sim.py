"""Shared set-up for the sending benchmarks: a simulator (its own process by default, so its
CPU does not compete with the engine's for the GIL), a throw-away store and a connected team.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "us-east-1"
DOMAIN = "bench.example"


class SimulatorProcess:
    """`python -m sesdesk simulator` in a child process, driven through /_sesdesk/ routes."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sesdesk", "simulator", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("endpoint: "):
            self._proc.kill()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.endpoint = line.removeprefix("endpoint: ")

    def control(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        """Call a control route and return its JSON answer."""
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(
            f"{self.endpoint}/_sesdesk/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())

    def set_latency(self, seconds: float) -> None:
        """Delay every AWS call."""
        self.control("POST", "latency", {"seconds": seconds})

    def set_account(self, **settings: Any) -> None:
        """production, max_rate, max_24h, ..."""
        self.control("POST", "account", settings)

    def set_identity_status(self, identity: str, status: str) -> None:
        """Verify (or fail) an identity."""
        self.control("POST", "identity", {"identity": identity, "status": status})

    def sent_messages(self) -> list[dict[str, Any]]:
        """The simulator's own record of accepted sends."""
        return list(self.control("GET", "sent"))

    def stop(self) -> None:
        """Stop the child."""
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()


class InProcessSimulator:
    """The same interface over an in-process SesSimulator."""

    def __init__(self) -> None:
        from sesdesk.simulator import SesSimulator

        self._sim = SesSimulator()
        self.endpoint = self._sim.start()

    def control(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        """Call a control route (over HTTP, as for the child process)."""
        return SimulatorProcess.control(self, method, route, body)  # type: ignore[arg-type]

    def set_latency(self, seconds: float) -> None:
        """Delay every AWS call."""
        self._sim.set_latency(seconds)

    def set_account(self, **settings: Any) -> None:
        """production, max_rate, max_24h."""
        if "production" in settings:
            self._sim.set_production(bool(settings["production"]))
        if "max_rate" in settings or "max_24h" in settings:
            self._sim.set_quota(max_rate=settings.get("max_rate"), max_24h=settings.get("max_24h"))

    def set_identity_status(self, identity: str, status: str) -> None:
        """Verify (or fail) an identity."""
        self._sim.set_identity_status(identity, status)

    def sent_messages(self) -> list[dict[str, Any]]:
        """The simulator's own record of accepted sends."""
        from dataclasses import asdict

        return [asdict(m) for m in self._sim.sent_messages()]

    def stop(self) -> None:
        """Stop the server."""
        self._sim.stop()


@dataclass
class Bench:
    """A connected team in a temporary store."""

    sim: Any
    store: Any
    team_id: int
    home: Path


def connected(in_process: bool = False) -> Bench:
    """Start a simulator and a store with a connected, verified, production team."""
    from sesdesk.aws import keychain
    from sesdesk.aws.clients import AwsKeys, ClientFactory
    from sesdesk.aws.ses import SesFacade
    from sesdesk.models import Store
    from sesdesk.services.mailers import save_mailer
    from sesdesk.services.refresh import refresh_team
    from sesdesk.services.teams import create_team

    sim: Any = InProcessSimulator() if in_process else SimulatorProcess()
    os.environ["AWS_ENDPOINT_URL"] = sim.endpoint
    keychain.MemoryKeyring.install()
    home = Path(tempfile.mkdtemp(prefix="sesdesk-bench-"))
    store = Store.open(home / "sesdesk.db")
    # The simulator runs without IAM here: any keys work; these are AWS's documentation keys.
    keys = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    facade = SesFacade(ClientFactory(REGION, keys, endpoint=sim.endpoint))
    team = create_team(store, "bench")
    save_mailer(store, team.id, region=REGION, keys=keys, caller=facade.caller_identity())
    facade.create_identity(DOMAIN)
    sim.set_identity_status(DOMAIN, "SUCCESS")
    sim.set_account(production=True, max_rate=1000, max_24h=1e7)
    refresh_team(store, team.id, facade)
    return Bench(sim, store, team.id, home)


def write_contacts(path: Path, count: int, domain: str = "example.com") -> Path:
    """A CSV with `count` distinct contacts."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("email,name\n")
        for i in range(count):
            handle.write(f"user{i}@{domain},Customer {i}\n")
    return path
