"""One test per change to moto (numbered as in sesdesk/simulator/patches.py), so a moto
upgrade that breaks or obsoletes one fails loudly here, naming the patch."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws.clients import AwsKeys
from sesdesk.simulator import SesSimulator, patches

SIMPLE = {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_moto_is_the_version_these_patches_were_written_for() -> None:
    from importlib.metadata import version

    # sesdesk/simulator/patches/ changes moto's internals: re-check every patch (and every
    # test below) when this version moves.
    assert version("moto") == "5.2.5"


def test_patch_1_route_reaches_calls_moto_lacks(simulator: SesSimulator) -> None:
    from moto.sesv2 import urls

    assert urls.url_paths[patches.ROUTE_KEY].__name__ == "dispatch"
    # Without the rule, moto's server answers these paths 404 with an HTML page.
    request = urllib.request.Request(
        simulator.endpoint + "/v2/email/account",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/"
            "us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0"
        },
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
        assert json.loads(answer.read())["SendingEnabled"] is True


def test_patch_2_sesv2_handlers_are_methods_of_the_response_class() -> None:
    from moto.core.utils import method_names_from_class
    from moto.sesv2.responses import SESV2Response

    from sesdesk.simulator import patches

    patches.install()  # as a simulator does when it starts: this test may run before any does
    names = set(method_names_from_class(SESV2Response))
    assert {
        "get_account",
        "put_account_details",
        "put_suppressed_destination",
        "get_suppressed_destination",
        "delete_suppressed_destination",
        "list_suppressed_destinations",
    } <= names


def test_patch_2_errors_use_moto_service_exceptions(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(simulator, "sesv2").put_account_details(MailType="SPAM", WebsiteURL="https://x.io")
    # A returned status tuple would be ignored by moto and answer 200.
    assert _code(excinfo) == ("BadRequestException", 400)


def test_patch_3_send_checks_what_ses_checks(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="acme.com")
    # moto alone lets any existing identity send; SES wants it verified.
    with pytest.raises(ClientError) as excinfo:
        ses.send_email(
            FromEmailAddress="a@acme.com",
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Content=SIMPLE,
        )
    assert _code(excinfo) == ("MessageRejected", 400)
    simulator.set_identity_status("acme.com", "SUCCESS")
    simulator.set_quota(max_rate=0)
    with pytest.raises(ClientError) as excinfo:
        ses.send_email(
            FromEmailAddress="a@acme.com",
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Content=SIMPLE,
        )
    assert _code(excinfo) == ("TooManyRequestsException", 429)


def test_patch_4_identities_start_pending_with_dkim_tokens(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    created = client(simulator, "sesv2").create_email_identity(EmailIdentity="acme.com")
    assert len(created["DkimAttributes"]["Tokens"]) == 3
    assert simulator.identities() == {"acme.com": "PENDING"}  # moto says SUCCESS at once
    # v1 verification creates identities through the same backend method.
    client(simulator, "ses").verify_email_identity(EmailAddress="me@example.org")
    assert simulator.identities()["me@example.org"] == "PENDING"


def test_patch_5_get_email_identity_carries_verification_info(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "FAILED", error_type="TYPE_NOT_FOUND")
    info = ses.get_email_identity(EmailIdentity="acme.com")["VerificationInfo"]
    assert info["ErrorType"] == "TYPE_NOT_FOUND"
    assert "LastCheckedTimestamp" in info


def test_patch_6_iam_enforcement_is_per_simulator(
    simulator: SesSimulator,
    iam_simulator: SesSimulator,
    client: Callable[..., Any],
    fake_keys: AwsKeys,
) -> None:
    from moto import settings

    assert float("inf") == settings.INITIAL_NO_AUTH_ACTION_COUNT  # moto's switch stays off
    assert client(simulator, "sesv2", fake_keys).get_account()["SendingEnabled"] is True
    with pytest.raises(ClientError) as excinfo:
        client(iam_simulator, "sesv2", fake_keys).get_account()
    # JSON body with AWS's code; moto's XML body would make botocore report code "403".
    assert _code(excinfo) == ("UnrecognizedClientException", 403)


def test_patch_7_body_less_sesv2_calls_pass_signature_checks(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(iam_simulator, "sesv2", iam_simulator.create_user("alice"))
    ses.create_email_identity(EmailIdentity="acme.com")
    # GET and DELETE without a body failed SignatureDoesNotMatch in moto 5.2.5.
    assert ses.get_email_identity(EmailIdentity="acme.com")["IdentityType"] == "DOMAIN"
    assert ses.get_account()["SendingEnabled"] is True
    ses.delete_email_identity(EmailIdentity="acme.com")
    assert iam_simulator.identities() == {}


def test_patch_8_simulate_principal_policy_exists(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    simulator.create_user("alice", ["ses:GetAccount"])
    answer = client(simulator, "iam").simulate_principal_policy(
        PolicySourceArn="arn:aws:iam::123456789012:user/alice",
        ActionNames=["ses:GetAccount", "ses:SendEmail"],
    )
    assert [r["EvalDecision"] for r in answer["EvaluationResults"]] == [
        "allowed",
        "implicitDeny",
    ]


def test_patch_9_inactive_keys_stop_working(
    iam_simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    keys = iam_simulator.create_user("alice")
    ses = client(iam_simulator, "sesv2", keys)
    ses.get_account()
    patches.iam_backend("123456789012").update_access_key("alice", keys.access_key_id, "Inactive")
    with pytest.raises(ClientError) as excinfo:
        ses.get_account()
    assert _code(excinfo) == ("UnrecognizedClientException", 403)


def test_patch_10_v1_throttling_has_no_unknown_shape_warning(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    v1 = client(simulator, "ses")
    v1.verify_domain_identity(Domain="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    simulator.set_quota(max_24h=0)
    # With filterwarnings=error, moto's warning would turn this answer into a 500.
    with pytest.raises(ClientError) as excinfo:
        v1.send_email(
            Source="a@acme.com",
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        )
    assert _code(excinfo) == ("Throttling", 400)
    assert excinfo.value.response["Error"]["Message"] == "Daily message quota exceeded."


def test_patches_leave_plain_moto_alone() -> None:
    import boto3
    from moto import mock_aws

    patches.install()
    with mock_aws():
        ses = boto3.client(
            "sesv2",
            region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        ses.create_email_identity(EmailIdentity="acme.com")
        assert ses.get_email_identity(EmailIdentity="acme.com")["VerificationStatus"] == "SUCCESS"


def test_every_numbered_patch_module_is_applied_in_its_order() -> None:
    from pathlib import Path

    from sesdesk.simulator import patches

    folder = Path(patches.__file__).parent
    files = sorted(path.stem for path in folder.glob("p[0-9][0-9]_*.py"))
    assert [module.__name__.rsplit(".", 1)[1] for module in patches.PATCHES] == files
    assert all(callable(module.apply) for module in patches.PATCHES)
