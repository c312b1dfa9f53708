"""The simulator judges a send's rate and quota at its arrival, like SES, however long it then
takes to handle; SESv2 SendEmail's direct path keeps SES's rules, codes and IAM enforcement."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError

from sesdesk.simulator import SesSimulator
from sesdesk.simulator.http import RECEIVED_KEY, _stamped_reader
from sesdesk.simulator.server import _received
from sesdesk.simulator.state import SendRefused, SimulatorState

SIMPLE = {"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"}}}}
MAILBOX = "success@simulator.amazonses.com"


def _send(ses: Any, to: list[str] | None = None) -> str:
    return str(
        ses.send_email(
            FromEmailAddress="news@acme.com",
            Destination={"ToAddresses": to or [MAILBOX]},
            Content=SIMPLE,
        )["MessageId"]
    )


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def ses(simulator: SesSimulator, client: Callable[..., Any]) -> Any:
    return client(simulator, "sesv2")


@pytest.fixture
def verified(simulator: SesSimulator, ses: Any) -> SesSimulator:
    """acme.com verified, one recipient a second."""
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    simulator.set_quota(max_rate=1)
    return simulator


def _send_in_background(ses: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["message_id"] = _send(ses)
        except ClientError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_send_arriving_in_time_but_handled_late_is_judged_and_stamped_at_arrival(
    ses: Any, verified: SesSimulator
) -> None:
    # Holding the state's lock keeps the request from being judged: it is handled 0.9 s late.
    with verified.state.lock:
        started_wall, started = time.time(), time.monotonic()
        thread, outcome = _send_in_background(ses)
        time.sleep(0.9)
    thread.join(5)
    assert "message_id" in outcome
    [first] = verified.sent_messages()
    # Stamped when it arrived, not when it was handled.
    assert started_wall <= first.at < started_wall + 0.3
    # 1.15 s after that arrival the window is free again; judged by handling time (0.9 s) it
    # would not be.
    time.sleep(max(0.0, started + 1.15 - time.monotonic()))
    assert _send(ses)
    assert len(verified.sent_messages()) == 2


def test_a_send_arriving_too_soon_is_refused_however_late_it_is_handled(
    ses: Any, verified: SesSimulator
) -> None:
    _send(ses)
    with verified.state.lock:
        thread, outcome = _send_in_background(ses)
        # Handled 1.2 s later, when the first send has left the window: it still arrived
        # within the first send's second, so SES refuses it.
        time.sleep(1.2)
    thread.join(5)
    error = outcome.get("error")
    assert isinstance(error, ClientError)
    assert error.response["Error"]["Code"] == "TooManyRequestsException"
    assert len(verified.sent_messages()) == 1


def _judge(state: SimulatorState, at: float, recipients: int = 1) -> None:
    """check_send + record_send, as a send arriving at `at` would be judged."""
    addresses = [MAILBOX] * recipients
    with state.lock:
        state.check_send("1", "r", "a@acme.com", addresses, lambda _: "SUCCESS", at=at)
        state.record_send("1", "r", "a@acme.com", addresses, "id", "s", at=at)


def test_out_of_order_judging_never_overfills_a_window() -> None:
    state = SimulatorState(iam=False)
    state.set_production("1", "r", True)
    state.set_quota("1", "r", None, 2)
    now = time.monotonic()
    _judge(state, now)
    _judge(state, now + 0.9)
    # Arrived 0.5 s before the first, judged after both: the window (now - 0.05, now + 0.95]
    # would hold three, so it is refused although the window ending at its arrival holds one.
    with pytest.raises(SendRefused) as refused:
        _judge(state, now - 0.05)
    assert refused.value.kind == "rate"
    # One that arrived more than a second before the later send fits.
    _judge(state, now - 0.2)
    assert len(state.sent_messages()) == 3
    # Counted in recipients: three at once never fit a rate of two.
    with pytest.raises(SendRefused):
        _judge(state, now + 5, recipients=3)


def test_direct_send_answers_aws_json_errors(simulator: SesSimulator, ses: Any) -> None:
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    endpoint = urlparse(simulator.endpoint)
    connection = http.client.HTTPConnection(endpoint.hostname or "", endpoint.port, timeout=5)
    try:
        connection.request(
            "POST",
            "/v2/email/outbound-emails",
            body=b"not json",
            headers={"Content-Type": "application/json"},
        )
        reply = connection.getresponse()
        body = reply.read()
    finally:
        connection.close()
    assert reply.status == 400
    assert reply.getheader("X-Amzn-ErrorType") == "BadRequestException"
    assert (
        body
        == b'{"__type": "BadRequestException", "Message": "The request body is not valid JSON."}'
    )


def test_iam_still_guards_send_email(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    admin = client(iam_simulator, "sesv2", iam_simulator.create_user("admin"))
    admin.create_email_identity(EmailIdentity="acme.com")
    iam_simulator.set_identity_status("acme.com", "SUCCESS")
    iam_simulator.set_quota(max_rate=1)

    reader = client(iam_simulator, "sesv2", iam_simulator.create_user("reader", ["ses:GetAccount"]))
    with pytest.raises(ClientError) as excinfo:
        _send(reader)
    assert _code(excinfo) == ("AccessDeniedException", 403)
    assert "ses:SendEmail" in excinfo.value.response["Error"]["Message"]
    assert iam_simulator.sent_messages() == []

    assert _send(admin)
    with pytest.raises(ClientError) as excinfo:
        _send(admin)
    assert _code(excinfo) == ("TooManyRequestsException", 429)
    assert len(iam_simulator.sent_messages()) == 1


# --- the HTTP connection: kept alive, arrivals stamped by the kernel ------------------------

NO_LATENCY = b'{"seconds": 0}'
LATENCY_ROUTE = "/_sesdesk/latency"


def _connection(simulator: SesSimulator) -> http.client.HTTPConnection:
    endpoint = urlparse(simulator.endpoint)
    return http.client.HTTPConnection(endpoint.hostname or "127.0.0.1", endpoint.port, timeout=5)


def _post(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    conn.request("POST", LATENCY_ROUTE, body=NO_LATENCY)
    return conn.getresponse()


def test_connections_are_kept_alive_across_requests_with_bodies(simulator: SesSimulator) -> None:
    conn = _connection(simulator)
    try:
        first = _post(conn)
        assert first.status == 200
        assert first.getheader("Connection", "").lower() != "close"
        assert b'"seconds"' in first.read()
        sock = conn.sock
        second = _post(conn)
        assert second.status == 200 and b'"seconds"' in second.read()
        assert conn.sock is sock  # the same connection served both
        conn.request("GET", "/_sesdesk/health")
        assert conn.getresponse().read()
        assert conn.sock is sock
    finally:
        conn.close()


def test_back_to_back_requests_on_one_connection_are_all_answered(
    simulator: SesSimulator,
) -> None:
    # The next request already waiting on the socket when the first is answered must be read
    # as a request, not drained away as the rest of the first one's body.
    request = b"POST %s HTTP/1.1\r\nHost: sim\r\nContent-Length: %d\r\n\r\n%s" % (
        LATENCY_ROUTE.encode(),
        len(NO_LATENCY),
        NO_LATENCY,
    )
    endpoint = urlparse(simulator.endpoint)
    with socket.create_connection((endpoint.hostname, endpoint.port), timeout=5) as sock:
        sock.sendall(request * 3)
        received = b""
        while received.count(b'"seconds"') < 3:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {received.count(b'HTTP/1.1 200')} answers"
            received += chunk
    assert received.count(b"HTTP/1.1 200") == 3


def test_a_client_asking_to_close_gets_the_connection_closed(simulator: SesSimulator) -> None:
    conn = _connection(simulator)
    try:
        conn.request("POST", LATENCY_ROUTE, body=NO_LATENCY, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        assert response.getheader("Connection", "").lower() == "close"
    finally:
        conn.close()


def test_the_kernel_receive_time_is_the_arrival_not_when_the_handler_reads_it() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname(), timeout=5)
        accepted, _ = server.accept()
        with client, accepted:
            reader = _stamped_reader(accepted)
            if reader is None:
                pytest.skip("this kernel does not stamp receive times")
            reader.expect()
            sent_at = time.time()
            client.sendall(b"GET / HTTP/1.1\r\n")
            time.sleep(0.2)  # the handler is busy elsewhere
            buffer = bytearray(64)
            assert reader.readinto(buffer) == 16
            assert reader.first_received is not None
            assert abs(reader.first_received - sent_at) < 0.05
            client.sendall(b"more")
            assert reader.readinto(buffer) == 4
            assert abs(reader.first_received - sent_at) < 0.05  # the first bytes' time stays


def test_arrival_is_taken_from_the_receive_stamp_within_reason() -> None:
    now = time.monotonic()
    assert _received({RECEIVED_KEY: time.time() - 0.2}) == pytest.approx(now - 0.2, abs=0.02)
    assert _received({}) == pytest.approx(now, abs=0.02)
    # A stamp from the future (a clock step) or from long ago is no use: bounded.
    assert _received({RECEIVED_KEY: time.time() + 5}) >= now
    assert _received({RECEIVED_KEY: time.time() - 60}) >= now - 1.01
