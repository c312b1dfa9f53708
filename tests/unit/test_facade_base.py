"""What every AWS facade shares (`sesdesk.aws.facade`): classified calls, the facade's own
exceptions let through, and `listed` following NextToken."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws import errors as e
from sesdesk.aws.clients import CallKind, ClientFactory
from sesdesk.aws.facade import listed
from sesdesk.aws.feedback import FeedbackFacade
from sesdesk.aws.lists import ContactListLimit, ListsFacade
from sesdesk.aws.sending import NotSent, SendingFacade
from sesdesk.aws.ses import SesFacade
from tests.conftest import FAKE_KEYS

FACTORY = ClientFactory("eu-west-1", FAKE_KEYS, endpoint="")


def _client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def _raise(exc: Exception) -> Any:
    raise exc


@pytest.mark.parametrize("facade", [SesFacade, FeedbackFacade, ListsFacade, SendingFacade])
def test_every_facade_has_the_region_and_factory_it_was_given(facade: type) -> None:
    made = facade(FACTORY)
    assert made.region == "eu-west-1"
    assert made.factory is FACTORY


def test_a_call_raises_aws_errors_classified_with_the_action() -> None:
    facade = SesFacade(FACTORY)
    facade._client = lambda service, kind: object()  # type: ignore[method-assign]
    with pytest.raises(e.PermissionMissing) as caught:
        facade._call(
            "sesv2",
            "ses:GetAccount",
            lambda c: _raise(_client_error("AccessDeniedException", "not authorized")),
        )
    assert caught.value.action == "ses:GetAccount"


def test_a_call_hands_fn_the_client_of_its_service_and_kind() -> None:
    facade = FeedbackFacade(FACTORY)
    asked: list[tuple[str, CallKind]] = []

    def client(service: str, kind: CallKind) -> str:
        asked.append((service, kind))
        return "client"

    facade._client = client  # type: ignore[method-assign]
    assert facade._call("sqs", "sqs:ReceiveMessage", lambda c: c, CallKind.FEEDBACK) == "client"
    assert asked == [("sqs", CallKind.FEEDBACK)]


def test_not_sent_passes_through_the_sending_facade_unclassified() -> None:
    facade = SendingFacade(FACTORY)
    facade._client = lambda service, kind: object()  # type: ignore[method-assign]
    stop = NotSent("called off")
    with pytest.raises(NotSent) as caught:
        facade._call("sesv2", "ses:SendEmail", lambda c: _raise(stop), CallKind.SEND)
    assert caught.value is stop


def test_the_lists_facade_reads_list_limits_as_contact_list_limit() -> None:
    facade = ListsFacade(FACTORY)
    facade._client = lambda service, kind: object()  # type: ignore[method-assign]
    limit = _client_error("BadRequestException", "A maximum of 1 Lists allowed per account.")
    with pytest.raises(ContactListLimit, match="maximum of 1 Lists"):
        facade._call("sesv2", "ses:CreateContactList", lambda c: _raise(limit))


def test_listed_follows_next_token_and_keeps_the_other_arguments() -> None:
    pages: dict[str | None, dict[str, Any]] = {
        None: {"Items": [1, 2], "NextToken": "a"},
        "a": {"Items": None, "NextToken": "b"},
        "b": {"Items": [3]},
    }
    calls: list[dict[str, Any]] = []

    def call(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        return pages[kwargs.get("NextToken")]

    assert list(listed(call, "Items", PageSize=2)) == [1, 2, 3]
    assert calls == [
        {"PageSize": 2},
        {"PageSize": 2, "NextToken": "a"},
        {"PageSize": 2, "NextToken": "b"},
    ]
