"""The HTTP control routes drive a simulator from another process (`sesdesk simulator`)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws.clients import AwsKeys
from sesdesk.simulator import SesSimulator


def _call(sim: SesSimulator, method: str, route: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        f"{sim.endpoint}/_sesdesk/{route}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def _failure(sim: SesSimulator, method: str, route: str, body: Any = None) -> tuple[int, str]:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        _call(sim, method, route, body)
    with excinfo.value as error:
        return error.code, json.loads(error.read())["error"]


def test_health(iam_simulator: SesSimulator) -> None:
    assert _call(iam_simulator, "GET", "health") == {"ok": True, "iam": True}


def test_users_keys_and_permissions(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    created = _call(
        iam_simulator, "POST", "users", {"name": "alice", "actions": ["ses:GetAccount"]}
    )
    keys = AwsKeys(created["access_key_id"], created["secret_access_key"])
    ses = client(iam_simulator, "sesv2", keys)
    assert ses.get_account()["SendingEnabled"] is True

    _call(iam_simulator, "POST", "permissions", {"user": "alice", "actions": []})
    with pytest.raises(ClientError):
        ses.get_account()
    _call(iam_simulator, "POST", "permissions", {"user": "alice", "actions": ["ses:GetAccount"]})
    assert ses.get_account()["SendingEnabled"] is True

    second = _call(iam_simulator, "POST", "keys", {"user": "alice"})
    assert second["access_key_id"] != keys.access_key_id
    _call(iam_simulator, "POST", "keys/revoke", {"access_key_id": keys.access_key_id})
    with pytest.raises(ClientError):
        ses.get_account()
    fresh = AwsKeys(second["access_key_id"], second["secret_access_key"])
    assert client(iam_simulator, "sesv2", fresh).get_account()["SendingEnabled"] is True


def test_users_default_to_sesdesk_actions(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    created = _call(iam_simulator, "POST", "users", {"name": "full"})
    keys = AwsKeys(created["access_key_id"], created["secret_access_key"])
    # sns:CreateTopic is in sesdesk's permission table, so the default user may call it.
    topic = client(iam_simulator, "sns", keys).create_topic(Name="sesdesk-feedback")
    assert topic["TopicArn"].endswith(":sesdesk-feedback")


def test_identity_routes(simulator: SesSimulator, client: Callable[..., Any]) -> None:
    client(simulator, "sesv2", region="eu-west-1").create_email_identity(EmailIdentity="acme.com")
    assert _call(simulator, "GET", "identities?region=eu-west-1") == {"acme.com": "PENDING"}
    _call(
        simulator,
        "POST",
        "identity",
        {
            "identity": "acme.com",
            "status": "FAILED",
            "error_type": "HOST_NOT_FOUND",
            "region": "eu-west-1",
        },
    )
    assert simulator.identities(region="eu-west-1") == {"acme.com": "FAILED"}
    code, message = _failure(
        simulator, "POST", "identity", {"identity": "nope.io", "status": "SUCCESS"}
    )
    assert code == 400
    assert "nope.io" in message


def test_account_routes(simulator: SesSimulator, client: Callable[..., Any]) -> None:
    view = _call(
        simulator,
        "POST",
        "account",
        {
            "review": "GRANTED",
            "max_24h": 10,
            "max_rate": 3,
            "sending_enabled": False,
            "enforcement": "SHUTDOWN",
        },
    )
    assert view["ProductionAccessEnabled"] is True
    assert view["Details"]["ReviewDetails"]["Status"] == "GRANTED"
    assert view["SendQuota"]["Max24HourSend"] == 10
    assert view["SendQuota"]["MaxSendRate"] == 3
    assert (view["SendingEnabled"], view["EnforcementStatus"]) == (False, "SHUTDOWN")
    assert client(simulator, "sesv2").get_account()["SendingEnabled"] is False

    _call(simulator, "POST", "account", {"production": False, "region": "eu-west-1"})
    assert _call(simulator, "GET", "account?region=eu-west-1")["ProductionAccessEnabled"] is False
    code, _ = _failure(simulator, "POST", "account", {"review": "MAYBE"})
    assert code == 400


def test_suppression_route(simulator: SesSimulator, client: Callable[..., Any]) -> None:
    _call(simulator, "POST", "suppression", {"email": "gone@x.example", "reason": "COMPLAINT"})
    entry = client(simulator, "sesv2").get_suppressed_destination(EmailAddress="gone@x.example")
    assert entry["SuppressedDestination"]["Reason"] == "COMPLAINT"


def test_sent_route_lists_accepted_sends(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    message_id = ses.send_email(
        FromEmailAddress="a@acme.com",
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "b"}}}},
    )["MessageId"]
    [sent] = _call(simulator, "GET", "sent")
    assert sent["message_id"] == message_id
    assert sent["destinations"] == ["success@simulator.amazonses.com"]
    assert sent["subject"] == "Hi"


def test_latency_and_unreachable_routes(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    assert _call(simulator, "POST", "latency", {"seconds": 0.3}) == {"seconds": 0.3}
    started = time.perf_counter()
    assert _call(simulator, "GET", "health")["ok"] is True  # control routes skip the latency
    assert time.perf_counter() - started < 0.25
    started = time.perf_counter()
    ses.get_account()
    assert time.perf_counter() - started >= 0.3
    _call(simulator, "POST", "latency", {"seconds": 0})

    assert _call(simulator, "POST", "unreachable", {"down": True}) == {"down": True}
    with pytest.raises(ClientError) as excinfo:
        ses.get_account()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    _call(simulator, "POST", "unreachable", {"down": False})
    assert ses.get_account()["SendingEnabled"] is True


def test_reset_route(simulator: SesSimulator, client: Callable[..., Any]) -> None:
    client(simulator, "sesv2").create_email_identity(EmailIdentity="acme.com")
    simulator.set_production(True)
    assert _call(simulator, "POST", "reset") == {}
    assert simulator.identities() == {}
    assert client(simulator, "sesv2").get_account()["ProductionAccessEnabled"] is False


def test_unknown_route_and_bad_body(simulator: SesSimulator) -> None:
    assert _failure(simulator, "GET", "nothing-here")[0] == 404
    assert _failure(simulator, "POST", "latency", {})[0] == 400
    assert _failure(simulator, "POST", "latency", {"seconds": -1})[0] == 400
    assert _failure(simulator, "POST", "users", ["not", "an", "object"])[0] == 400
