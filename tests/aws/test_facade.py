"""The AWS facade against the simulator: every domain error produced by the real mechanism
(real HTTP answers from the local SES, real botocore exceptions, our classification)."""

from __future__ import annotations

import socket

import pytest

from sesdesk.aws import errors as e
from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.ses import SesFacade


def facade(simulator, keys: AwsKeys, *, timeout_scale: float = 0.2) -> SesFacade:
    return SesFacade(
        ClientFactory("us-east-1", keys, endpoint=simulator.endpoint, timeout_scale=timeout_scale)
    )


def send(simulator, keys: AwsKeys, source: str, to: list[str]) -> None:
    """One SESv2 SendEmail through a send-kind client (one attempt), classified like sesdesk."""
    from sesdesk.aws.clients import CallKind

    client = ClientFactory("us-east-1", keys, endpoint=simulator.endpoint).client(
        "sesv2", CallKind.SEND
    )
    try:
        client.send_email(
            FromEmailAddress=source,
            Destination={"ToAddresses": to},
            Content={"Simple": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}}},
        )
    except Exception as exc:
        raise e.classify(exc, action="ses:SendEmail") from None


def verified_sender(simulator, keys: AwsKeys) -> None:
    facade(simulator, keys).create_identity("me@shop.example")
    simulator.set_identity_status("me@shop.example", "SUCCESS")


def test_full_keys_read_the_account(iam_simulator):
    keys = iam_simulator.create_user("full")
    ses = facade(iam_simulator, keys)
    caller = ses.caller_identity()
    assert caller.account_id == "123456789012"
    assert caller.arn.endswith(":user/full")
    assert not caller.is_root
    account = ses.get_account()
    assert account.production is False
    assert (account.max_24h, account.max_rate, account.sent_24h) == (200, 1, 0)
    assert account.left_24h == 200


def test_unknown_keys_are_rejected(iam_simulator, fake_keys):
    with pytest.raises(e.KeysRejected) as err:
        facade(iam_simulator, fake_keys).get_account()
    assert err.value.exit_code == 4
    assert fake_keys.secret_access_key not in str(err.value)


def test_wrong_secret_is_rejected(iam_simulator):
    keys = iam_simulator.create_user("wrong-secret")
    bad = AwsKeys(keys.access_key_id, "x" * 40)
    with pytest.raises(e.KeysRejected):
        facade(iam_simulator, bad).caller_identity()


def test_missing_permission_names_the_action(iam_simulator):
    keys = iam_simulator.create_user("reader", ["sts:GetCallerIdentity"])
    ses = facade(iam_simulator, keys)
    assert ses.caller_identity().account_id == "123456789012"
    with pytest.raises(e.PermissionMissing) as err:
        ses.get_account()
    assert err.value.action == "ses:GetAccount"
    with pytest.raises(e.PermissionMissing) as err:
        ses.get_identity("x@example.com")  # a body-less SESv2 GET under enforcement
    assert err.value.action == "ses:GetEmailIdentity"


def test_revoked_key_stops_working_at_once(iam_simulator):
    keys = iam_simulator.create_user("revoked")
    ses = facade(iam_simulator, keys)
    ses.get_account()
    iam_simulator.revoke_key(keys.access_key_id)
    with pytest.raises(e.KeysRejected):
        ses.get_account()


def test_identity_lifecycle_through_the_facade(simulator, fake_keys):
    ses = facade(simulator, fake_keys)
    created = ses.create_identity("acme.example")
    assert created.kind == "domain"
    assert len(created.dkim_tokens) == 3
    assert ses.get_identity("acme.example").status == "PENDING"
    simulator.set_identity_status("acme.example", "FAILED", error_type="HOST_NOT_FOUND")
    failed = ses.get_identity("acme.example")
    assert (failed.status, failed.error_type) == ("FAILED", "HOST_NOT_FOUND")
    assert [i.name for i in ses.list_identities()] == ["acme.example"]
    ses.delete_identity("acme.example")
    with pytest.raises(e.AwsNotFound):
        ses.get_identity("acme.example")


def test_unverified_sender_is_rejected(simulator, fake_keys):
    with pytest.raises(e.Rejected) as err:
        send(simulator, fake_keys, "nobody@unverified.example", ["success@simulator.amazonses.com"])
    assert "not verified" in err.value.message


def test_sending_faster_than_the_rate_is_throttled(simulator, fake_keys):
    verified_sender(simulator, fake_keys)
    simulator.set_quota(max_rate=2)
    with pytest.raises(e.Throttled):
        for _ in range(3):
            send(simulator, fake_keys, "me@shop.example", ["success@simulator.amazonses.com"])


def test_daily_quota_is_its_own_error(simulator, fake_keys):
    verified_sender(simulator, fake_keys)
    simulator.set_quota(max_24h=1, max_rate=100)
    send(simulator, fake_keys, "me@shop.example", ["success@simulator.amazonses.com"])
    with pytest.raises(e.DailyQuotaExceeded) as err:
        send(simulator, fake_keys, "me@shop.example", ["success@simulator.amazonses.com"])
    assert err.value.exit_code == 3


def test_paused_account_is_its_own_error(simulator, fake_keys):
    verified_sender(simulator, fake_keys)
    simulator.set_sending_enabled(False, enforcement="SHUTDOWN")
    with pytest.raises(e.SendingPaused):
        send(simulator, fake_keys, "me@shop.example", ["success@simulator.amazonses.com"])
    assert facade(simulator, fake_keys).get_account().sending_enabled is False


def test_server_errors_are_unreachable_and_may_have_arrived(simulator, fake_keys):
    simulator.set_unreachable(True)
    try:
        with pytest.raises(e.Unreachable) as err:
            facade(simulator, fake_keys).get_account()
    finally:
        simulator.set_unreachable(False)
    assert err.value.may_have_arrived
    assert err.value.exit_code == 5


def test_read_timeout_is_unreachable_and_may_have_arrived(simulator, fake_keys):
    ses = facade(simulator, fake_keys, timeout_scale=0.02)  # read timeout 0.3 s
    simulator.set_latency(1.0)
    try:
        with pytest.raises(e.Unreachable) as err:
            ses.get_account()
    finally:
        simulator.set_latency(0)
    assert err.value.may_have_arrived


def test_closed_port_is_unreachable_and_never_arrived(fake_keys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ses = SesFacade(
        ClientFactory(
            "us-east-1", fake_keys, endpoint=f"http://127.0.0.1:{port}", timeout_scale=0.2
        )
    )
    with pytest.raises(e.Unreachable) as err:
        ses.get_account()
    assert not err.value.may_have_arrived
