"""With IAM enforcement on, keys and permissions fail as they do in AWS, with codes that
botocore parses and sesdesk classifies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.errors import KeysRejected, PermissionMissing, classify
from sesdesk.simulator import SESDESK_ACTIONS, SesSimulator

SIMPLE = {"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi"}}}}


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_unknown_keys_are_rejected(
    iam_simulator: SesSimulator, client: Callable[..., Any], fake_keys: AwsKeys
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sesv2", fake_keys).get_account()
    assert _code(excinfo) == ("UnrecognizedClientException", 403)
    assert isinstance(classify(excinfo.value), KeysRejected)
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sts", fake_keys).get_caller_identity()
    assert _code(excinfo) == ("InvalidClientTokenId", 403)
    assert isinstance(classify(excinfo.value), KeysRejected)


def test_wrong_secret_is_rejected(iam_simulator: SesSimulator, client: Callable[..., Any]) -> None:
    keys = iam_simulator.create_user("alice")
    wrong = type(keys)(keys.access_key_id, "x" * 40)
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sesv2", wrong).get_account()
    assert _code(excinfo) == ("InvalidSignatureException", 403)
    assert isinstance(classify(excinfo.value), KeysRejected)


def test_missing_action_is_access_denied_naming_the_action(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("reader", ["ses:ListEmailIdentities"])
    ses = client(iam_simulator, "sesv2", keys)
    assert ses.list_email_identities()["EmailIdentities"] == []
    with pytest.raises(ClientError) as excinfo:
        ses.get_account()
    assert _code(excinfo) == ("AccessDeniedException", 403)
    message = excinfo.value.response["Error"]["Message"]
    assert "arn:aws:iam::123456789012:user/reader" in message
    assert "is not authorized to perform: ses:GetAccount" in message
    classified = classify(excinfo.value)
    assert isinstance(classified, PermissionMissing)
    assert classified.action == "ses:GetAccount"

    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sns", keys).list_topics()
    assert _code(excinfo) == ("AccessDenied", 403)
    assert classify(excinfo.value).missing_actions == ("sns:ListTopics",)  # type: ignore[attr-defined]


def test_new_sesv2_routes_are_enforced(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("nobody", [])
    ses = client(iam_simulator, "sesv2", keys)
    calls = {
        "ses:PutAccountDetails": lambda: ses.put_account_details(
            MailType="MARKETING", WebsiteURL="https://acme.example"
        ),
        "ses:PutSuppressedDestination": lambda: ses.put_suppressed_destination(
            EmailAddress="a@x.example", Reason="BOUNCE"
        ),
        "ses:GetSuppressedDestination": lambda: ses.get_suppressed_destination(
            EmailAddress="a@x.example"
        ),
        "ses:ListSuppressedDestinations": ses.list_suppressed_destinations,
        "ses:SendEmail": lambda: ses.send_email(
            FromEmailAddress="a@acme.com",
            Destination={"ToAddresses": ["b@x.example"]},
            Content=SIMPLE,
        ),
    }
    for action, call in calls.items():
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _code(excinfo) == ("AccessDeniedException", 403), action
        assert classify(excinfo.value).missing_actions == (action,)  # type: ignore[attr-defined]


def test_sesdesk_user_can_do_the_whole_lifecycle(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("sesdesk")
    ses = client(iam_simulator, "sesv2", keys)
    assert client(iam_simulator, "sts", keys).get_caller_identity()["Arn"] == (
        "arn:aws:iam::123456789012:user/sesdesk"
    )
    ses.create_email_identity(EmailIdentity="acme.com")
    iam_simulator.set_identity_status("acme.com", "SUCCESS")
    # Body-less GET and DELETE calls: the signature patch at work.
    assert ses.get_email_identity(EmailIdentity="acme.com")["VerificationStatus"] == "SUCCESS"
    assert ses.get_account()["ProductionAccessEnabled"] is False
    ses.put_account_details(
        MailType="MARKETING", WebsiteURL="https://acme.example", ProductionAccessEnabled=True
    )
    ses.send_email(
        FromEmailAddress="news@acme.com",
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content=SIMPLE,
    )
    ses.put_suppressed_destination(EmailAddress="gone@x.example", Reason="BOUNCE")
    assert ses.get_suppressed_destination(EmailAddress="gone@x.example")
    ses.delete_suppressed_destination(EmailAddress="gone@x.example")
    ses.delete_email_identity(EmailIdentity="acme.com")
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 1.0
    assert len(iam_simulator.sent_messages()) == 1


def test_revoked_key_fails_at_once_and_a_new_key_works(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("alice")
    ses = client(iam_simulator, "sesv2", keys)
    ses.get_account()
    iam_simulator.revoke_key(keys.access_key_id)
    with pytest.raises(ClientError) as excinfo:
        ses.get_account()
    assert _code(excinfo) == ("UnrecognizedClientException", 403)
    fresh = iam_simulator.issue_key("alice")
    assert client(iam_simulator, "sesv2", fresh).get_account()["SendingEnabled"] is True
    with pytest.raises(KeyError):
        iam_simulator.revoke_key(keys.access_key_id)


def test_detaching_permissions_fails_the_next_call(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("alice")
    ses = client(iam_simulator, "sesv2", keys)
    ses.get_account()
    iam_simulator.set_permissions("alice", [])
    with pytest.raises(ClientError) as excinfo:
        ses.get_account()
    assert _code(excinfo) == ("AccessDeniedException", 403)
    iam_simulator.set_permissions("alice", ["ses:GetAccount"])
    assert ses.get_account()["SendingEnabled"] is True


def test_keys_of_another_account_resolve_to_that_account(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("bob", account_id="210987654321")
    identity = client(iam_simulator, "sts", keys).get_caller_identity()
    assert identity["Account"] == "210987654321"
    assert identity["Arn"] == "arn:aws:iam::210987654321:user/bob"
    iam_simulator.set_production(True, account_id="210987654321")
    assert client(iam_simulator, "sesv2", keys).get_account()["ProductionAccessEnabled"] is True
    home = iam_simulator.create_user("carol")
    assert client(iam_simulator, "sesv2", home).get_account()["ProductionAccessEnabled"] is False


def test_simulate_principal_policy(iam_simulator: SesSimulator, client: Callable[..., Any]) -> None:
    from sesdesk.simulator import patches

    checker = iam_simulator.create_user("checker")
    iam_simulator.create_user("limited", ["ses:GetAccount", "ses:SendEmail"])
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ses:SendEmail", "Resource": "*"}],
    }
    patches.iam_backend("123456789012").put_user_policy("limited", "deny-send", json.dumps(deny))
    answer = client(iam_simulator, "iam", checker).simulate_principal_policy(
        PolicySourceArn="arn:aws:iam::123456789012:user/limited",
        ActionNames=["ses:GetAccount", "ses:SendEmail", "sns:CreateTopic"],
    )
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in answer["EvaluationResults"]}
    assert decisions == {
        "ses:GetAccount": "allowed",
        "ses:SendEmail": "explicitDeny",
        "sns:CreateTopic": "implicitDeny",
    }
    assert answer["IsTruncated"] is False
    # The check itself has no side effects and needs iam:SimulatePrincipalPolicy.
    assert "iam:SimulatePrincipalPolicy" in SESDESK_ACTIONS
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "iam", checker).simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:user/ghost", ActionNames=["ses:GetAccount"]
        )
    assert _code(excinfo)[0] == "NoSuchEntity"


def test_sqs_auth_errors_are_json_with_aws_codes(
    iam_simulator: SesSimulator, client: Callable[..., Any], fake_keys: AwsKeys
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sqs", fake_keys).list_queues()
    assert _code(excinfo) == ("UnrecognizedClientException", 403)
    keys = iam_simulator.create_user("sqsless", ["ses:GetAccount"])
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sqs", keys).get_queue_url(QueueName="feedback")
    assert _code(excinfo) == ("AccessDeniedException", 403)
    assert classify(excinfo.value).missing_actions == ("sqs:GetQueueUrl",)  # type: ignore[attr-defined]
