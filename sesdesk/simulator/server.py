"""SesSimulator: moto's ThreadedMotoServer on loopback, patched, behind a small WSGI front
that adds latency, an "unreachable" switch and the /_sesdesk/ control routes."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterable
from typing import Any

from sesdesk.aws.clients import AwsKeys
from sesdesk.simulator import patches, sqs_scale
from sesdesk.simulator.actions import SESDESK_ACTIONS
from sesdesk.simulator.http import RECEIVED_KEY, _MotoServer
from sesdesk.simulator.state import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    SentMessage,
    SimulatorState,
)

_POLICY_NAME = "sesdesk-simulator"


class SesSimulator:
    """The local SES: moto on 127.0.0.1 plus what moto lacks, and a control surface.

    moto's backends are process-wide: two simulators in one process keep their own account
    settings, send logs, latency and IAM switch, but share identities and IAM users, and
    `reset()` on either clears moto for both.

    Demo mode: `auto_review_after` seconds after PutAccountDetails asks for production the
    review becomes GRANTED; `auto_verify_after` seconds after creation a PENDING identity
    becomes SUCCESS. Both default to never (tests drive every transition by hand).
    """

    def __init__(
        self,
        *,
        iam: bool = False,
        port: int = 0,
        host: str = "127.0.0.1",
        auto_review_after: float | None = None,
        auto_verify_after: float | None = None,
    ) -> None:
        patches.install()
        self.iam = iam
        self._host = host
        self._port = port
        self._state = SimulatorState(
            iam=iam, auto_review_after=auto_review_after, auto_verify_after=auto_verify_after
        )
        self._server: _MotoServer | None = None
        self._endpoint: str | None = None
        self._lock = threading.Lock()

    # ---- lifecycle

    def start(self) -> str:
        """Start serving (idempotent); returns the endpoint, e.g. http://127.0.0.1:PORT."""
        with self._lock:
            if self._server is None:
                server = _MotoServer(self._host, self._port, _Front(self))
                server.start()
                host, port = server.get_host_and_port()
                self._server = server
                self._endpoint = f"http://{host}:{port}"
            assert self._endpoint is not None
            return self._endpoint

    def stop(self) -> None:
        """Stop serving and drop open connections; state survives for a later start()."""
        with self._lock:
            server, self._server = self._server, None
            self._endpoint = None
        if server is not None:
            server.stop()

    @property
    def endpoint(self) -> str:
        """The endpoint URL for boto3's endpoint_url / AWS_ENDPOINT_URL."""
        if self._endpoint is None:
            raise RuntimeError("the simulator is not running: call start() first")
        return self._endpoint

    @property
    def state(self) -> SimulatorState:
        """The simulator's own state (account settings, send log); moto holds the rest."""
        return self._state

    def __enter__(self) -> SesSimulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything: moto's backends (process-wide) and this simulator's state."""
        patches.reset_moto()
        self._state.reset()
        from sesdesk.simulator.contact_lists import lists_of
        from sesdesk.simulator.events import feedback_of

        feedback_of(self._state).reset()
        lists_of(self._state).reset()

    # ---- IAM

    def create_user(
        self,
        name: str,
        actions: Iterable[str] | None = None,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> AwsKeys:
        """An IAM user allowed `actions` (None: SESDESK_ACTIONS; []: nothing) and a new key."""
        backend = patches.iam_backend(account_id)
        if name not in backend.users:
            backend.create_user(region_name=DEFAULT_REGION, user_name=name)
        self.set_permissions(
            name, SESDESK_ACTIONS if actions is None else actions, account_id=account_id
        )
        return self.issue_key(name, account_id=account_id)

    def issue_key(self, user: str, *, account_id: str = DEFAULT_ACCOUNT_ID) -> AwsKeys:
        """A new access key for `user` (IAM allows two per user)."""
        key = patches.iam_backend(account_id).create_access_key(user_name=user)
        return AwsKeys(access_key_id=key.access_key_id, secret_access_key=key.secret_access_key)

    def revoke_key(self, access_key_id: str) -> None:
        """Delete the key: the next call made with it fails."""
        account_id = patches.account_of_key(access_key_id)
        if account_id is None:
            raise KeyError("no such access key in the simulator")
        patches.iam_backend(account_id).delete_access_key_by_name(access_key_id)

    def set_permissions(
        self, user: str, actions: Iterable[str], *, account_id: str = DEFAULT_ACCOUNT_ID
    ) -> None:
        """Replace the user's inline policy so it allows exactly `actions`."""
        backend = patches.iam_backend(account_id)
        actions = list(actions)
        if actions:
            document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            }
            backend.put_user_policy(user, _POLICY_NAME, json.dumps(document))
        elif _POLICY_NAME in backend.list_user_policies(user):
            backend.delete_user_policy(user, _POLICY_NAME)

    # ---- identities

    def set_identity_status(
        self,
        identity: str,
        status: str,
        *,
        error_type: str | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """PENDING | SUCCESS | FAILED | TEMPORARY_FAILURE | NOT_STARTED, as AWS reports it."""
        patches.apply_identity_status(account_id, region, identity, status, error_type)
        self._state.forget_identity(account_id, region, identity)

    def set_mail_from_status(
        self,
        identity: str,
        status: str,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """An identity's custom MAIL FROM status: PENDING | SUCCESS | FAILED | TEMPORARY_FAILURE."""
        from sesdesk.simulator.patches.p14_mail_from import set_mail_from_status

        set_mail_from_status(account_id, region, identity, status)

    def identities(
        self, *, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID
    ) -> dict[str, str]:
        """Identity name → VerificationStatus."""
        return patches.identity_statuses(account_id, region)

    # ---- account

    def set_production(
        self, enabled: bool, *, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID
    ) -> None:
        """Production (50000/24 h, 14/s) or sandbox (200, 1/s), unless set_quota overrides."""
        self._state.set_production(account_id, region, enabled)

    def set_review(
        self,
        status: str | None,
        *,
        reason: str = "",
        case_id: str | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """Review PENDING | GRANTED (turns production on) | DENIED | FAILED | None, in support
        case `case_id` (default: the account's, or a new one)."""
        self._state.set_review(account_id, region, status, reason, case_id)

    def set_sending_enabled(
        self,
        enabled: bool,
        *,
        enforcement: str = "HEALTHY",
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """Pause or resume sending; `enforcement` is HEALTHY, PROBATION or SHUTDOWN."""
        self._state.set_sending_enabled(account_id, region, enabled, enforcement)

    def set_quota(
        self,
        *,
        max_24h: float | None = None,
        max_rate: float | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """Override the daily quota and/or the rate (None leaves that one as it is)."""
        self._state.set_quota(account_id, region, max_24h, max_rate)

    def add_past_usage(
        self,
        sent_at: Iterable[float],
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> int:
        """Count recipients accepted before this simulator started (wall-clock times, one
        recipient each) in SentLast24Hours and against the quota: a restored account's day.
        How many fell within the last 24 hours."""
        return self._state.add_past_usage(account_id, region, sent_at)

    def account_status(
        self, *, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID
    ) -> dict[str, Any]:
        """What SESv2 GetAccount would answer now."""
        return self._state.account_view(account_id, region)

    def suppress(
        self,
        email_address: str,
        reason: str = "BOUNCE",
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """Put an address on the account-level suppression list."""
        self._state.suppress(account_id, region, email_address, reason)

    # ---- network

    def set_latency(self, seconds: float) -> None:
        """Delay every AWS request (not the control routes) by `seconds`."""
        if seconds < 0:
            raise ValueError("latency must not be negative")
        self._state.latency = float(seconds)

    def set_unreachable(self, down: bool) -> None:
        """While down, every AWS request answers HTTP 503."""
        self._state.unreachable = bool(down)

    def sent_messages(self) -> list[SentMessage]:
        """Every send this simulator accepted, oldest first."""
        return self._state.sent_messages()

    def unsubscribe(
        self, email: str, topic: str | None = None, all: bool = False, **where: str
    ) -> dict[str, Any]:
        """A click on SES's unsubscribe link (list_sending.unsubscribe; `where`: account_id,
        region): opts `email` out and publishes SES's Subscription event."""
        from sesdesk.simulator import list_sending

        account_id = where.get("account_id", DEFAULT_ACCOUNT_ID)
        region = where.get("region", DEFAULT_REGION)
        return list_sending.unsubscribe(self._state, account_id, region, email, topic, all)

    # ---- internal

    def _apply_due_transitions(self) -> None:
        for account_id, region, identity in self._state.due_identities():
            if patches.identity_statuses(account_id, region).get(identity) == "PENDING":
                patches.apply_identity_status(account_id, region, identity, "SUCCESS")


class _Front:
    """WSGI app in front of moto: control routes, unreachable switch, latency, state binding."""

    def __init__(self, simulator: SesSimulator) -> None:
        self._simulator = simulator
        self._moto = _dispatcher()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        from sesdesk.simulator import control

        entered = _received(environ)
        path = str(environ.get("PATH_INFO") or "")
        if path.startswith(control.PREFIX):
            return control.handle(self._simulator, environ, start_response)
        state = self._simulator.state
        if state.unreachable:
            # An HTML body is what botocore's parsers treat as a generic 5xx for every protocol.
            body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
            )
            return [body]
        # The request reaches the simulated SES once the simulated network latency has passed:
        # that instant is its arrival, and SES judges the rate and quota there, whatever the
        # time moto then takes to parse and handle it. Computed, not read after the sleep, so
        # a late wake-up under load does not shuffle evenly spaced requests.
        arrived = entered + state.latency
        remaining = arrived - time.monotonic()
        if remaining > 0:
            # No lock is held here, so concurrent requests wait in parallel as they would on AWS.
            time.sleep(remaining)
        self._simulator._apply_due_transitions()
        handler = None if state.iam else patches.direct_handler(environ)
        if handler is not None:
            # The hot paths (a broadcast's sends, a big list's contact sync), answered without
            # moto's HTTP layer so the simulator keeps up with hundreds a second. With IAM on,
            # moto's path runs: it holds the SigV4 check and the policy evaluation.
            with patches.bound(state, arrived):
                status, headers, body = handler(environ, _read_body(environ))
            return _answer(start_response, status, headers, body)
        if not state.iam and environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS."):
            # Draining SES feedback: receives and deletes by the ten thousand (sqs_scale.py).
            body = _read_body(environ)
            with patches.bound(state, arrived):
                direct = sqs_scale.answer_directly(environ, body)
            if direct is not None:
                return _answer(start_response, *direct)
            environ["wsgi.input"] = io.BytesIO(body)
        with patches.bound(state, arrived):
            # Consume the body while bound: moto's handler may run lazily inside the iterable.
            result = self._moto(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


def _received(environ: dict[str, Any]) -> float:
    """When the request reached this machine (monotonic): the kernel's receive time when the
    handler recorded one, else now.

    The difference is this process's own delay in getting round to the request (a busy GIL
    under hundreds of requests a second: up to 15 ms measured). SES's front end has no such
    queue in front of its rate count, so it must not shift arrivals here either.
    """
    now = time.monotonic()
    wall = environ.get(RECEIVED_KEY)
    if not isinstance(wall, float):
        return now
    return now - min(max(time.time() - wall, 0.0), 1.0)


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, as much as Content-Length says."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _answer(start_response: Any, status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    """Start a response the way moto's server does (a request id, the length) and return it."""
    from http import HTTPStatus

    from moto.utilities.aws_headers import gen_amzn_requestid_long

    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    start_response(
        f"{status} {reason}".rstrip(),
        [
            *headers.items(),
            ("x-amzn-requestid", gen_amzn_requestid_long()),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def _dispatcher() -> Any:
    """moto's host dispatcher, with its host → backend lookup cached.

    moto answers that lookup by listing its package directory (about 150 stat calls) on
    every request: a third of the server's time per send. The answer depends only on the
    host string, so remembering it is safe.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    class Dispatcher(DomainDispatcherApplication):
        def __init__(self) -> None:
            super().__init__(create_backend_app)
            self._backend_for_host: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            try:
                return self._backend_for_host[host]
            except KeyError:
                backend = super().get_backend_for_host(host)
                if backend is not None:
                    self._backend_for_host[host] = backend
                return backend

    return Dispatcher()


# The WSGI environ key carrying the kernel's receive time of a request (wall-clock seconds).
