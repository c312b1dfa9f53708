"""Simulator fixtures. One server per session for each mode (start-up is cheap, but moto's
first request per service costs ~0.1 s); every test gets it reset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.simulator import SesSimulator

# AWS's documentation example key: never a real one.
FAKE_KEYS = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

_session: Any = None


@pytest.fixture(scope="session")
def _simulator_server() -> Iterator[SesSimulator]:
    simulator = SesSimulator(iam=False)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def _iam_simulator_server() -> Iterator[SesSimulator]:
    simulator = SesSimulator(iam=True)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def simulator(_simulator_server: SesSimulator) -> SesSimulator:
    """A running simulator without IAM enforcement (any keys work), freshly reset."""
    _simulator_server.reset()
    return _simulator_server


@pytest.fixture
def iam_simulator(_iam_simulator_server: SesSimulator) -> SesSimulator:
    """A running simulator with IAM enforcement (only keys it issued work), freshly reset."""
    _iam_simulator_server.reset()
    return _iam_simulator_server


def make_client(
    simulator: SesSimulator,
    service: str,
    keys: AwsKeys | None = None,
    *,
    region: str = "us-east-1",
    attempts: int = 1,
) -> Any:
    """A boto3 client for `service` pointed at `simulator`, with short timeouts, no retries."""
    import boto3
    from botocore.config import Config

    global _session
    keys = keys or FAKE_KEYS
    if _session is None:
        # One session: it caches the service models, which makes each client ~10x cheaper.
        _session = boto3.session.Session()
    return _session.client(
        service,
        endpoint_url=simulator.endpoint,
        region_name=region,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        config=Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"total_max_attempts": attempts, "mode": "standard"},
        ),
    )


@pytest.fixture
def fake_keys() -> AwsKeys:
    """Keys no simulator issued (AWS's documentation example)."""
    return FAKE_KEYS


@pytest.fixture
def client() -> Callable[..., Any]:
    """`client(simulator, "sesv2", keys=None, region="us-east-1")` → a boto3 client."""
    return make_client
