"""Classification of botocore failures into domain errors (pure: no network)."""

from __future__ import annotations

import pytest
from botocore import exceptions as bx

from sesdesk.aws import errors as e


def client_error(code: str, message: str = "", status: int = 400) -> bx.ClientError:
    return bx.ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "AnyOperation",
    )


@pytest.mark.parametrize(
    ("code", "message", "status", "expected", "exit_code"),
    [
        ("InvalidClientTokenId", "The security token is invalid", 403, e.KeysRejected, 4),
        ("UnrecognizedClientException", "", 403, e.KeysRejected, 4),
        ("SignatureDoesNotMatch", "", 403, e.KeysRejected, 4),
        ("ExpiredToken", "", 403, e.KeysRejected, 4),
        ("AccessDeniedException", "", 403, e.PermissionMissing, 4),
        ("TooManyRequestsException", "Maximum sending rate exceeded.", 429, e.Throttled, 5),
        ("Throttling", "Maximum sending rate exceeded.", 400, e.Throttled, 5),
        ("Throttling", "Daily message quota exceeded.", 400, e.DailyQuotaExceeded, 3),
        ("LimitExceededException", "", 400, e.DailyQuotaExceeded, 3),
        ("SendingPausedException", "paused", 400, e.SendingPaused, 3),
        ("AccountSuspendedException", "", 400, e.SendingPaused, 3),
        ("MessageRejected", "Email address is not verified.", 400, e.Rejected, 3),
        ("NotFoundException", "", 404, e.AwsNotFound, 2),
        ("InternalFailure", "", 500, e.Unreachable, 5),
        ("403", "", 403, e.KeysRejected, 4),
    ],
)
def test_client_errors_are_classified(code, message, status, expected, exit_code):
    classified = e.classify(client_error(code, message, status))
    assert type(classified) is expected
    assert classified.exit_code == exit_code
    assert classified.code == code


def test_access_denied_names_the_action_from_the_message():
    message = (
        "User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
        "ses:GetAccount on resource: *"
    )
    classified = e.classify(client_error("AccessDenied", message, 403))
    assert isinstance(classified, e.PermissionMissing)
    assert classified.action == "ses:GetAccount"
    assert classified.missing_actions == ("ses:GetAccount",)
    assert "ses:GetAccount" in classified.message


def test_access_denied_falls_back_to_the_attempted_action():
    classified = e.classify(client_error("AccessDenied", "denied", 403), action="sns:ListTopics")
    assert isinstance(classified, e.PermissionMissing)
    assert classified.action == "sns:ListTopics"


def test_server_errors_and_read_timeouts_may_have_arrived():
    five_hundred = e.classify(client_error("InternalFailure", "", 500))
    assert isinstance(five_hundred, e.Unreachable) and five_hundred.may_have_arrived
    timeout = e.classify(bx.ReadTimeoutError(endpoint_url="http://127.0.0.1:1"))
    assert isinstance(timeout, e.Unreachable) and timeout.may_have_arrived


def test_connection_refused_never_arrived():
    refused = e.classify(bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert isinstance(refused, e.Unreachable)
    assert not refused.may_have_arrived
    assert refused.exit_code == 5


def test_secrets_in_aws_messages_are_scrubbed():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    classified = e.classify(client_error("ValidationError", f"bad SecretAccessKey={secret}"))
    assert secret not in str(classified)


def test_already_classified_errors_pass_through():
    original = e.Throttled("slow down")
    assert e.classify(original) is original


def test_html_error_pages_never_reach_the_user():
    page = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>"
    classified = e.classify(client_error("404", page, 404), action="ses:GetAccount")
    assert isinstance(classified, e.AwsNotFound)
    assert "<" not in classified.message
    assert "ses:GetAccount" in classified.message
