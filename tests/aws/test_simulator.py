"""The simulator behaves like SES where sesdesk depends on it (no IAM enforcement here)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws.errors import (
    DailyQuotaExceeded,
    Rejected,
    SendingPaused,
    Throttled,
    Unreachable,
    classify,
)
from sesdesk.simulator import DEFAULT_ACCOUNT_ID, SentMessage, SesSimulator

SIMPLE = {"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"}}}}
MAILBOX = "success@simulator.amazonses.com"


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response: Any = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _send(ses: Any, to: list[str], source: str = "news@acme.com", **extra: Any) -> str:
    return str(
        ses.send_email(
            FromEmailAddress=source, Destination={"ToAddresses": to}, Content=SIMPLE, **extra
        )["MessageId"]
    )


@pytest.fixture
def ses(simulator: SesSimulator, client: Callable[..., Any]) -> Any:
    return client(simulator, "sesv2")


@pytest.fixture
def verified(simulator: SesSimulator, ses: Any) -> SesSimulator:
    """acme.com verified, rate high enough that tests are not throttled by accident."""
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    simulator.set_quota(max_rate=1000)
    return simulator


# ---- account


def test_get_account_of_a_new_account_is_a_healthy_sandbox(ses: Any) -> None:
    account = ses.get_account()
    assert account["ProductionAccessEnabled"] is False
    assert account["SendingEnabled"] is True
    assert account["EnforcementStatus"] == "HEALTHY"
    assert account["DedicatedIpAutoWarmupEnabled"] is False
    assert account["SendQuota"] == {
        "Max24HourSend": 200.0,
        "MaxSendRate": 1.0,
        "SentLast24Hours": 0.0,
    }
    assert "Details" not in account


def test_put_account_details_opens_a_pending_review(ses: Any, simulator: SesSimulator) -> None:
    ses.put_account_details(
        MailType="MARKETING",
        WebsiteURL="https://acme.example",
        ContactLanguage="EN",
        UseCaseDescription="Monthly newsletter to customers who opted in at checkout.",
        AdditionalContactEmailAddresses=["ops@acme.example"],
        ProductionAccessEnabled=True,
    )
    details = ses.get_account()["Details"]
    assert details["MailType"] == "MARKETING"
    assert details["WebsiteURL"] == "https://acme.example"
    assert details["ContactLanguage"] == "EN"
    assert details["AdditionalContactEmailAddresses"] == ["ops@acme.example"]
    assert details["ReviewDetails"]["Status"] == "PENDING"
    assert re.fullmatch(r"\d+", details["ReviewDetails"]["CaseId"])
    # The review only moves when the control surface says so.
    assert ses.get_account()["ProductionAccessEnabled"] is False
    simulator.set_review("GRANTED")
    account = ses.get_account()
    assert account["Details"]["ReviewDetails"]["Status"] == "GRANTED"
    assert account["ProductionAccessEnabled"] is True
    assert account["SendQuota"]["Max24HourSend"] == 50000.0
    assert account["SendQuota"]["MaxSendRate"] == 14.0


def test_denied_review_keeps_the_sandbox(ses: Any, simulator: SesSimulator) -> None:
    ses.put_account_details(
        MailType="TRANSACTIONAL", WebsiteURL="https://acme.example", ProductionAccessEnabled=True
    )
    simulator.set_review("DENIED", reason="Describe your bounce handling.")
    account = ses.get_account()
    assert account["Details"]["ReviewDetails"]["Status"] == "DENIED"
    assert account["ProductionAccessEnabled"] is False


@pytest.mark.parametrize(
    "fields",
    [
        {"MailType": "SPAM"},
        {"ContactLanguage": "DE"},
        {"UseCaseDescription": "x" * 5001},
        {"AdditionalContactEmailAddresses": ["a@x.example"] * 5},
    ],
)
def test_put_account_details_validates_like_aws(ses: Any, fields: dict[str, Any]) -> None:
    params = {"MailType": "MARKETING", "WebsiteURL": "https://acme.example", **fields}
    with pytest.raises(ClientError) as excinfo:
        ses.put_account_details(**params)
    code, status, _ = _error(excinfo)
    assert (code, status) == ("BadRequestException", 400)
    assert "Details" not in ses.get_account()


def test_auto_review_grants_after_the_delay(client: Callable[..., Any]) -> None:
    with SesSimulator(auto_review_after=0.2) as demo:
        ses = client(demo, "sesv2")
        ses.put_account_details(
            MailType="MARKETING", WebsiteURL="https://acme.example", ProductionAccessEnabled=True
        )
        assert ses.get_account()["Details"]["ReviewDetails"]["Status"] == "PENDING"
        time.sleep(0.3)
        account = ses.get_account()
        assert account["Details"]["ReviewDetails"]["Status"] == "GRANTED"
        assert account["ProductionAccessEnabled"] is True


# ---- identities


def test_new_identities_start_pending_and_domains_carry_dkim_tokens(
    ses: Any, simulator: SesSimulator
) -> None:
    created = ses.create_email_identity(EmailIdentity="acme.com")
    tokens = created["DkimAttributes"]["Tokens"]
    assert len(tokens) == 3
    assert all(re.fullmatch(r"[a-z0-9]{32}", token) for token in tokens)
    assert created["DkimAttributes"]["SigningEnabled"] is True
    assert created["VerifiedForSendingStatus"] is False

    domain = ses.get_email_identity(EmailIdentity="acme.com")
    assert domain["VerificationStatus"] == "PENDING"
    assert domain["DkimAttributes"]["Status"] == "PENDING"
    assert domain["DkimAttributes"]["Tokens"] == tokens
    assert domain["VerifiedForSendingStatus"] is False

    ses.create_email_identity(EmailIdentity="owner@example.org")
    assert ses.get_email_identity(EmailIdentity="owner@example.org")["VerificationStatus"] == (
        "PENDING"
    )
    listed = {
        i["IdentityName"]: i["VerificationStatus"]
        for i in ses.list_email_identities()["EmailIdentities"]
    }
    assert listed == {"acme.com": "PENDING", "owner@example.org": "PENDING"}
    assert simulator.identities() == listed


def test_identity_success_and_failure(ses: Any, simulator: SesSimulator) -> None:
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    domain = ses.get_email_identity(EmailIdentity="acme.com")
    assert domain["VerificationStatus"] == "SUCCESS"
    assert domain["VerifiedForSendingStatus"] is True
    assert domain["DkimAttributes"]["Status"] == "SUCCESS"
    assert "LastSuccessTimestamp" in domain["VerificationInfo"]

    simulator.set_identity_status("acme.com", "FAILED", error_type="HOST_NOT_FOUND")
    domain = ses.get_email_identity(EmailIdentity="acme.com")
    assert domain["VerificationStatus"] == "FAILED"
    assert domain["VerifiedForSendingStatus"] is False
    assert domain["VerificationInfo"]["ErrorType"] == "HOST_NOT_FOUND"

    simulator.set_identity_status("acme.com", "TEMPORARY_FAILURE", error_type="DNS_SERVER_ERROR")
    assert simulator.identities() == {"acme.com": "TEMPORARY_FAILURE"}


def test_retry_is_delete_then_create(ses: Any, simulator: SesSimulator) -> None:
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "FAILED", error_type="HOST_NOT_FOUND")
    with pytest.raises(ClientError) as excinfo:
        ses.create_email_identity(EmailIdentity="acme.com")
    assert _error(excinfo)[0] == "AlreadyExistsException"
    ses.delete_email_identity(EmailIdentity="acme.com")
    ses.create_email_identity(EmailIdentity="acme.com")
    assert simulator.identities() == {"acme.com": "PENDING"}


def test_set_identity_status_rejects_unknown_identities_and_statuses(
    ses: Any, simulator: SesSimulator
) -> None:
    with pytest.raises(KeyError):
        simulator.set_identity_status("nobody.example", "SUCCESS")
    ses.create_email_identity(EmailIdentity="acme.com")
    with pytest.raises(ValueError):
        simulator.set_identity_status("acme.com", "VERIFIED")


def test_identities_are_per_region(simulator: SesSimulator, client: Callable[..., Any]) -> None:
    client(simulator, "sesv2", region="eu-west-1").create_email_identity(EmailIdentity="acme.com")
    assert simulator.identities(region="eu-west-1") == {"acme.com": "PENDING"}
    assert simulator.identities() == {}


def test_auto_verify_verifies_after_the_delay(client: Callable[..., Any]) -> None:
    with SesSimulator(auto_verify_after=0.2) as demo:
        ses = client(demo, "sesv2")
        ses.create_email_identity(EmailIdentity="demo.example")
        assert ses.get_email_identity(EmailIdentity="demo.example")["VerificationStatus"] == (
            "PENDING"
        )
        time.sleep(0.3)
        assert ses.get_email_identity(EmailIdentity="demo.example")["VerificationStatus"] == (
            "SUCCESS"
        )
        demo.reset()


# ---- sending rules


def test_unverified_sender_is_rejected(ses: Any) -> None:
    ses.create_email_identity(EmailIdentity="acme.com")  # PENDING
    with pytest.raises(ClientError) as excinfo:
        _send(ses, [MAILBOX])
    code, status, message = _error(excinfo)
    assert (code, status) == ("MessageRejected", 400)
    assert message == (
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: news@acme.com"
    )
    assert isinstance(classify(excinfo.value), Rejected)


def test_sender_verified_in_another_region_is_rejected(
    verified: SesSimulator, client: Callable[..., Any]
) -> None:
    with pytest.raises(ClientError) as excinfo:
        _send(client(verified, "sesv2", region="eu-west-1"), [MAILBOX])
    assert "in region EU-WEST-1" in _error(excinfo)[2]


def test_verified_address_identity_may_send(ses: Any, simulator: SesSimulator) -> None:
    ses.create_email_identity(EmailIdentity="me@example.org")
    simulator.set_identity_status("me@example.org", "SUCCESS")
    assert _send(ses, [MAILBOX], source="Me <me@example.org>")


def test_a_verified_domain_covers_its_subdomains(ses: Any, simulator: SesSimulator) -> None:
    ses.create_email_identity(EmailIdentity="example.org")
    simulator.set_identity_status("example.org", "SUCCESS")
    assert _send(ses, [MAILBOX], source="news@mail.example.org")
    with pytest.raises(ClientError):  # a sibling domain is not covered
        _send(ses, [MAILBOX], source="news@example.net")


def test_sandbox_rejects_unverified_recipients(ses: Any, verified: SesSimulator) -> None:
    with pytest.raises(ClientError) as excinfo:
        _send(ses, ["customer@elsewhere.example"])
    code, _, message = _error(excinfo)
    assert code == "MessageRejected"
    assert message.endswith("failed the check in region US-EAST-1: customer@elsewhere.example")
    # Verified recipients and the mailbox simulator are fine in the sandbox.
    ses.create_email_identity(EmailIdentity="friend@elsewhere.example")
    verified.set_identity_status("friend@elsewhere.example", "SUCCESS")
    assert _send(ses, ["friend@elsewhere.example", MAILBOX, "bounce@simulator.amazonses.com"])
    verified.set_production(True)
    assert _send(ses, ["customer@elsewhere.example"])


def test_rate_is_counted_in_recipients_per_second(ses: Any, verified: SesSimulator) -> None:
    verified.set_quota(max_rate=2)
    _send(ses, [MAILBOX, "bounce@simulator.amazonses.com"])
    with pytest.raises(ClientError) as excinfo:
        _send(ses, ["complaint@simulator.amazonses.com"])
    code, status, message = _error(excinfo)
    assert (code, status, message) == (
        "TooManyRequestsException",
        429,
        "Maximum sending rate exceeded.",
    )
    assert isinstance(classify(excinfo.value), Throttled)
    time.sleep(1.05)
    assert _send(ses, [MAILBOX])
    assert len(verified.sent_messages()) == 2


def test_three_recipients_at_once_exceed_rate_two(ses: Any, verified: SesSimulator) -> None:
    verified.set_quota(max_rate=2)
    with pytest.raises(ClientError) as excinfo:
        _send(ses, [MAILBOX] * 3)
    assert _error(excinfo)[:2] == ("TooManyRequestsException", 429)
    assert verified.sent_messages() == []


def test_daily_quota_is_counted_in_recipients(ses: Any, verified: SesSimulator) -> None:
    verified.set_quota(max_24h=3)
    _send(ses, [MAILBOX, MAILBOX])
    with pytest.raises(ClientError) as excinfo:
        _send(ses, [MAILBOX, MAILBOX])
    assert _error(excinfo) == ("LimitExceededException", 400, "Daily message quota exceeded.")
    assert isinstance(classify(excinfo.value), DailyQuotaExceeded)
    _send(ses, [MAILBOX])
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 3.0


def test_paused_account_cannot_send(ses: Any, verified: SesSimulator) -> None:
    verified.set_sending_enabled(False, enforcement="SHUTDOWN")
    account = ses.get_account()
    assert (account["SendingEnabled"], account["EnforcementStatus"]) == (False, "SHUTDOWN")
    with pytest.raises(ClientError) as excinfo:
        _send(ses, [MAILBOX])
    assert _error(excinfo)[0] == "SendingPausedException"
    assert isinstance(classify(excinfo.value), SendingPaused)
    verified.set_sending_enabled(True)
    assert _send(ses, [MAILBOX])


def test_accepted_sends_are_recorded(ses: Any, verified: SesSimulator) -> None:
    verified.set_production(True)
    message_id = ses.send_email(
        FromEmailAddress="News <news@acme.com>",
        Destination={
            "ToAddresses": ["a@x.example"],
            "CcAddresses": ["b@x.example"],
            "BccAddresses": ["c@x.example"],
        },
        Content=SIMPLE,
    )["MessageId"]
    [sent] = verified.sent_messages()
    assert isinstance(sent, SentMessage)
    assert sent.message_id == message_id
    assert sent.destinations == ("a@x.example", "b@x.example", "c@x.example")
    assert (sent.source, sent.subject) == ("News <news@acme.com>", "Hello")
    assert (sent.account_id, sent.region) == (DEFAULT_ACCOUNT_ID, "us-east-1")
    assert sent.at == pytest.approx(time.time(), abs=5)
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 3.0


def test_raw_send_takes_recipients_and_subject_from_the_message(
    ses: Any, verified: SesSimulator
) -> None:
    raw = (
        b"From: news@acme.com\r\nTo: success@simulator.amazonses.com\r\n"
        b"Subject: Raw hello\r\n\r\nbody\r\n"
    )
    message_id = ses.send_email(Content={"Raw": {"Data": raw}})["MessageId"]
    [sent] = verified.sent_messages()
    assert (sent.message_id, sent.subject, sent.destinations) == (
        message_id,
        "Raw hello",
        (MAILBOX,),
    )


def test_suppressed_recipients_are_accepted_counted_and_marked(
    ses: Any, verified: SesSimulator
) -> None:
    verified.set_production(True)
    ses.put_suppressed_destination(EmailAddress="Gone@x.example", Reason="BOUNCE")
    _send(ses, ["gone@x.example", "here@x.example"])
    [sent] = verified.sent_messages()
    assert sent.suppressed == ("gone@x.example",)
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 2.0


def test_v1_send_and_quota(simulator: SesSimulator, verified: SesSimulator, client: Any) -> None:
    v1 = client(simulator, "ses")
    message = {"Subject": {"Data": "v1"}, "Body": {"Text": {"Data": "body"}}}
    v1.send_email(Source="news@acme.com", Destination={"ToAddresses": [MAILBOX]}, Message=message)
    raw = b"From: news@acme.com\r\nTo: success@simulator.amazonses.com\r\nSubject: r\r\n\r\nx"
    v1.send_raw_email(RawMessage={"Data": raw})
    quota = v1.get_send_quota()
    assert (quota["Max24HourSend"], quota["SentLast24Hours"]) == (200.0, 2.0)
    simulator.set_quota(max_rate=1)
    with pytest.raises(ClientError) as excinfo:
        v1.send_email(
            Source="news@acme.com", Destination={"ToAddresses": [MAILBOX]}, Message=message
        )
    assert _error(excinfo)[0::2] == ("Throttling", "Maximum sending rate exceeded.")
    assert isinstance(classify(excinfo.value), Throttled)
    with pytest.raises(ClientError) as excinfo:
        v1.send_email(
            Source="x@nowhere.example", Destination={"ToAddresses": [MAILBOX]}, Message=message
        )
    assert _error(excinfo)[0] == "MessageRejected"


# ---- suppression list


def test_suppression_list_calls(ses: Any) -> None:
    ses.put_suppressed_destination(EmailAddress="a@x.example", Reason="BOUNCE")
    ses.put_suppressed_destination(EmailAddress="b@x.example", Reason="COMPLAINT")
    got = ses.get_suppressed_destination(EmailAddress="a@x.example")["SuppressedDestination"]
    assert (got["EmailAddress"], got["Reason"]) == ("a@x.example", "BOUNCE")
    assert got["LastUpdateTime"].timestamp() == pytest.approx(time.time(), abs=5)

    listed = ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]
    assert [s["EmailAddress"] for s in listed] == ["a@x.example", "b@x.example"]
    complaints = ses.list_suppressed_destinations(Reasons=["COMPLAINT"])
    assert [s["EmailAddress"] for s in complaints["SuppressedDestinationSummaries"]] == [
        "b@x.example"
    ]
    first = ses.list_suppressed_destinations(PageSize=1)
    second = ses.list_suppressed_destinations(PageSize=1, NextToken=first["NextToken"])
    assert [s["EmailAddress"] for s in second["SuppressedDestinationSummaries"]] == ["b@x.example"]
    assert "NextToken" not in second

    ses.delete_suppressed_destination(EmailAddress="a@x.example")
    with pytest.raises(ClientError) as excinfo:
        ses.get_suppressed_destination(EmailAddress="a@x.example")
    assert _error(excinfo)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        ses.delete_suppressed_destination(EmailAddress="a@x.example")
    assert _error(excinfo)[0] == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ses.put_suppressed_destination(EmailAddress="c@x.example", Reason="OTHER")
    assert _error(excinfo)[0] == "BadRequestException"


# ---- network behaviour and lifecycle


def test_latency_is_added_to_every_request(ses: Any, simulator: SesSimulator) -> None:
    simulator.set_latency(0.2)
    started = time.perf_counter()
    ses.get_account()
    assert time.perf_counter() - started >= 0.2


def test_latency_does_not_serialize_concurrent_requests(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    simulator.set_latency(0.3)
    clients = [client(simulator, "sesv2") for _ in range(10)]
    errors: list[BaseException] = []

    def call(ses: Any) -> None:
        try:
            ses.get_account()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(ses,)) for ses in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    elapsed = time.perf_counter() - started
    assert errors == []
    assert 0.3 <= elapsed < 1.5


def test_unreachable_answers_503(ses: Any, simulator: SesSimulator) -> None:
    simulator.set_unreachable(True)
    with pytest.raises(ClientError) as excinfo:
        ses.get_account()
    assert _error(excinfo)[1] == 503
    assert isinstance(classify(excinfo.value), Unreachable)
    simulator.set_unreachable(False)
    assert ses.get_account()["SendingEnabled"] is True


def test_stop_then_start_again(client: Callable[..., Any]) -> None:
    from botocore.exceptions import EndpointConnectionError

    simulator = SesSimulator()
    endpoint = simulator.start()
    assert simulator.start() == endpoint  # idempotent
    ses = client(simulator, "sesv2")
    ses.get_account()
    simulator.stop()
    with pytest.raises(RuntimeError):
        _ = simulator.endpoint
    with pytest.raises((EndpointConnectionError, ClientError)):
        ses.get_account()
    simulator.start()
    try:
        assert client(simulator, "sesv2").get_account()["SendingEnabled"] is True
    finally:
        simulator.stop()


def test_busy_port_raises_oserror() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        simulator = SesSimulator(port=port)
        with pytest.raises(OSError):
            simulator.start()


def test_two_simulators_keep_their_own_account_state(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    with SesSimulator() as other:
        other.set_production(True)
        assert client(other, "sesv2").get_account()["ProductionAccessEnabled"] is True
        assert client(simulator, "sesv2").get_account()["ProductionAccessEnabled"] is False
