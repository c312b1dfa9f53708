"""Shared test setup: offscreen Qt, an isolated home and keyring per test, no real AWS, and
the local SES simulator (one server per session for each mode, reset for every test)."""

from __future__ import annotations

import os

# Qt reads this when the QApplication is created: set it before any test module imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never reach real AWS, never pick up the developer's credentials or profiles.
for _var in (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
):
    os.environ.pop(_var, None)
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import inspect  # noqa: E402
import re  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, NamedTuple  # noqa: E402

import pytest  # noqa: E402

from sesdesk.aws.clients import AwsKeys, ClientFactory  # noqa: E402
from sesdesk.aws.ses import SesFacade  # noqa: E402
from sesdesk.models import Store  # noqa: E402
from sesdesk.simulator import SesSimulator  # noqa: E402

# Fixtures that start or use the local SES simulator; a test using one is marked `sim`, so
# `pytest -m "not sim"` is the fast lane.
SIMULATOR_FIXTURES = frozenset({"sim", "simulator", "iam_simulator"})
# Whole directories whose tests run sesdesk in subprocesses against a simulator (the CLI end to
# end, the installed bundle and wheel, whose demo mode runs one).
SIMULATOR_DIRECTORIES = frozenset({"e2e", "packaging"})
# A simulator of the test's own, or demo mode (the whole app against an in-process simulator),
# found in the test's source; a test named after demo mode runs it too.
_OWN_SIMULATOR = re.compile(r"SesSimulator\(|demo=True|start_demo\(|[\"']--demo[\"']")


def _uses_the_simulator(item: pytest.Item) -> bool:
    if SIMULATOR_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    if SIMULATOR_DIRECTORIES & set(item.path.relative_to(Path(__file__).parent).parts[:-1]):
        return True
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        source = ""
    return "demo" in item.name or bool(_OWN_SIMULATOR.search(source))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `sim` every test that uses the simulator: through a fixture (directly or through
    another fixture), its own, in a subprocess (e2e/, packaging/) or in demo mode."""
    for item in items:
        if _uses_the_simulator(item):
            item.add_marker(pytest.mark.sim)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own SESDESK_HOME and an empty in-memory keyring."""
    home = tmp_path / "sesdesk-home"
    monkeypatch.setenv("SESDESK_HOME", str(home))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    import keyring

    from sesdesk.aws.keychain import MemoryKeyring

    previous = keyring.get_keyring()
    MemoryKeyring.install()
    yield home
    keyring.set_keyring(previous)
    _drop_sesdesk_log_handlers()


@pytest.fixture(autouse=True)
def _no_running_loop_outside_the_ui_tests(request):
    """The UI tests share one qasync loop marked as running for the whole session (see
    tests/ui/conftest.py); tests that run after them and start their own loop with
    `asyncio.run` must not see it."""
    import asyncio

    running = asyncio.events._get_running_loop()
    if running is None or "qasync_loop" in request.fixturenames:
        yield
        return
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(running)


def _drop_sesdesk_log_handlers() -> None:
    """Code under test may have pointed the root logger at this test's home: undo it."""
    import logging

    from sesdesk import config

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sesdesk", False):
            root.removeHandler(handler)
            handler.close()
    config._configured = None


# --- the local SES simulator -------------------------------------------------------------

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


@pytest.fixture
def sim(iam_simulator: SesSimulator, monkeypatch: pytest.MonkeyPatch) -> SesSimulator:
    """The IAM-enforcing simulator, reset (no latency, reachable), with boto3 pointed at it
    through AWS_ENDPOINT_URL as sesdesk's own code reads it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", iam_simulator.endpoint)
    return iam_simulator


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


@pytest.fixture
def dns_server() -> Iterator[Any]:
    """A running LocalDnsServer (tests/services/test_dns_check.py) with no records on
    127.0.0.1; stopped after the test."""
    from tests.services.test_dns_check import LocalDnsServer

    server = LocalDnsServer().start()
    yield server
    server.stop()


# --- the store and a connected team -------------------------------------------------------


def open_store(directory: Path) -> Store:
    """A fresh, migrated store in `directory` (the one place tests build their store)."""
    return Store.open(directory / "sesdesk.db")


from tests.postgres import BACKENDS, open_test_store, postgres_server, postgres_url  # noqa: E402

__all__ = ["postgres_server", "postgres_url"]  # fixtures, for every test module


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store: each test runs once on SQLite and once on PostgreSQL."""
    with open_test_store(request.param, tmp_path, request) as opened:
        yield opened


class ConnectedTeam(NamedTuple):
    """What `connected_team` made: the team's id, its mailer's keys and a facade using them."""

    team_id: int
    keys: AwsKeys
    facade: SesFacade


def connected_team(
    store: Store,
    simulator: SesSimulator,
    name: str = "acme",
    *,
    user: str | None = None,
    keys: AwsKeys | None = None,
    identity: str | None = None,
    verify: bool = False,
    region: str = "us-east-1",
) -> ConnectedTeam:
    """A team whose mailer holds a simulator user's keys (or `keys`); with `identity`, that
    identity is created (verified when `verify`) and the team refreshed."""
    keys = keys or simulator.create_user(user or f"user-{name}")
    facade = SesFacade(ClientFactory(region, keys, endpoint=simulator.endpoint))
    from sesdesk.services.mailers import save_mailer
    from sesdesk.services.refresh import refresh_team
    from sesdesk.services.teams import create_team

    team = create_team(store, name)
    save_mailer(store, team.id, region=region, keys=keys, caller=facade.caller_identity())
    if identity is not None:
        facade.create_identity(identity)
        if verify:
            simulator.set_identity_status(identity, "SUCCESS")
        refresh_team(store, team.id, facade)
    return ConnectedTeam(team.id, keys, facade)


def send_to_new_list(
    store: Store, team_id: int, from_address: str, *, list_name: str = "customers", count: int = 3
) -> int:
    """A list of `count` contacts (c0@example.com, …) and a broadcast sent to it; its id."""
    from sesdesk.services import contacts, sending

    contacts.create_list(store, team_id, list_name)
    for i in range(count):
        contacts.add_contact(store, team_id, list_name, f"c{i}@example.com")
    draft = sending.create_broadcast(
        store,
        team_id,
        list_name=list_name,
        composition=sending.Composition(from_address=from_address, subject="Bread", text_body="x"),
    )
    result = sending.send_broadcast(store, team_id, draft.id)
    assert (result.status.state, result.status.sent) == ("done", count)
    return draft.id
