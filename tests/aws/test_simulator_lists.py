"""Patch 13: the simulator's SES contact lists, topics and contacts, as SES has them."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.simulator import SesSimulator
from sesdesk.simulator.contact_lists import ListsSim

LIST = "sesdesk"


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response: Any = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def topic(name: str, default: str = "OPT_IN") -> dict[str, str]:
    return {"TopicName": name, "DisplayName": name.title(), "DefaultSubscriptionStatus": default}


@pytest.fixture
def ses(simulator: SesSimulator, client: Callable[..., Any]) -> Any:
    return client(simulator, "sesv2")


def test_one_contact_list_per_account_and_region(
    simulator: SesSimulator, ses: Any, client: Callable[..., Any]
) -> None:
    ses.create_contact_list(ContactListName=LIST, Topics=[topic("news")])
    for name in ("other", LIST):  # even the same name: SES checks the limit first
        with pytest.raises(ClientError) as excinfo:
            ses.create_contact_list(ContactListName=name)
        # SES's own answer: BadRequestException, not LimitExceededException.
        assert _code(excinfo) == (
            "BadRequestException",
            400,
            "A maximum of 1 Lists allowed per account.",
        )
    # Another region of the same account has its own list.
    client(simulator, "sesv2", region="eu-west-1").create_contact_list(ContactListName="eu")
    assert [c["ContactListName"] for c in ses.list_contact_lists()["ContactLists"]] == [LIST]


def test_topics_at_most_20_on_create_and_update(ses: Any) -> None:
    many = [topic(f"t{i}") for i in range(21)]
    with pytest.raises(ClientError) as excinfo:
        ses.create_contact_list(ContactListName=LIST, Topics=many)
    assert _code(excinfo) == (
        "BadRequestException",
        400,
        "Maximum of <20> topics allowed per ContactList",
    )
    ses.create_contact_list(ContactListName=LIST, Topics=many[:20], Description="d")
    with pytest.raises(ClientError) as excinfo:
        ses.update_contact_list(ContactListName=LIST, Topics=many)
    assert _code(excinfo)[0] == "BadRequestException"
    got = ses.get_contact_list(ContactListName=LIST)
    assert [t["TopicName"] for t in got["Topics"]] == [f"t{i}" for i in range(20)]
    assert got["Description"] == "d"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (
            {"TopicName": "has space", "DisplayName": "x", "DefaultSubscriptionStatus": "OPT_IN"},
            "TopicName can contain up to 64 characters",
        ),
        (
            {"TopicName": "x" * 65, "DisplayName": "x", "DefaultSubscriptionStatus": "OPT_IN"},
            "TopicName can contain up to 64 characters",
        ),
        (
            {"TopicName": "ok", "DisplayName": "x" * 129, "DefaultSubscriptionStatus": "OPT_IN"},
            "DisplayName can contain up to <128> characters",
        ),
        (
            {"TopicName": "ok", "DisplayName": "x", "DefaultSubscriptionStatus": "MAYBE"},
            "enum value set",
        ),
    ],
)
def test_topic_names_and_display_names_follow_ses_rules(
    ses: Any, bad: dict[str, str], words: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        # botocore would refuse the enum client-side only with validation on; it is off here.
        ses.create_contact_list(ContactListName=LIST, Topics=[bad])
    code, status, message = _code(excinfo)
    assert (code, status) == ("BadRequestException", 400) and words in message
    assert ses.list_contact_lists()["ContactLists"] == []


def test_update_replaces_topics_and_get_contact_list_shows_them(ses: Any) -> None:
    ses.create_contact_list(ContactListName=LIST, Topics=[topic("news")])
    ses.update_contact_list(
        ContactListName=LIST, Topics=[topic("news"), topic("offers", "OPT_OUT")]
    )
    got = ses.get_contact_list(ContactListName=LIST)
    assert got["Topics"][1] == {
        "TopicName": "offers",
        "DisplayName": "Offers",
        "DefaultSubscriptionStatus": "OPT_OUT",
    }
    with pytest.raises(ClientError) as excinfo:
        ses.get_contact_list(ContactListName="nope")
    assert _code(excinfo) == ("NotFoundException", 404, "List with name: nope doesn't exist.")
    with pytest.raises(ClientError) as excinfo:
        ses.update_contact_list(ContactListName="nope", Topics=[])
    assert _code(excinfo)[0] == "NotFoundException"


def test_contacts_create_get_update_delete(ses: Any) -> None:
    ses.create_contact_list(ContactListName=LIST, Topics=[topic("news"), topic("offers")])
    ses.create_contact(
        ContactListName=LIST,
        EmailAddress="ann+x@shop.example",
        TopicPreferences=[{"TopicName": "news", "SubscriptionStatus": "OPT_OUT"}],
    )
    with pytest.raises(ClientError) as excinfo:
        ses.create_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example")
    assert _code(excinfo) == (
        "AlreadyExistsException",
        400,
        "ann+x@shop.example already exists in List.",
    )
    got = ses.get_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example")
    assert got["TopicPreferences"] == [{"TopicName": "news", "SubscriptionStatus": "OPT_OUT"}]
    # The topics without a preference show their default, as SES does.
    assert got["TopicDefaultPreferences"] == [
        {"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}
    ]
    assert got["UnsubscribeAll"] is False
    ses.update_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example", UnsubscribeAll=True)
    got = ses.get_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example")
    assert got["UnsubscribeAll"] is True and got["TopicPreferences"]  # preferences kept
    ses.update_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example", TopicPreferences=[])
    assert (
        ses.get_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example")["TopicPreferences"]
        == []
    )
    ses.delete_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example")
    for call in (ses.get_contact, ses.delete_contact):
        with pytest.raises(ClientError) as excinfo:
            call(ContactListName=LIST, EmailAddress="ann+x@shop.example")
        assert _code(excinfo) == (
            "NotFoundException",
            404,
            "ann+x@shop.example doesn't exist in List.",
        )
    with pytest.raises(ClientError) as excinfo:
        ses.update_contact(ContactListName=LIST, EmailAddress="ann+x@shop.example")
    assert _code(excinfo)[0] == "NotFoundException"


def test_contact_preferences_must_name_a_topic_of_the_list(ses: Any) -> None:
    ses.create_contact_list(ContactListName=LIST, Topics=[topic("news")])
    with pytest.raises(ClientError) as excinfo:
        ses.create_contact(
            ContactListName=LIST,
            EmailAddress="a@shop.example",
            TopicPreferences=[{"TopicName": "gone", "SubscriptionStatus": "OPT_OUT"}],
        )
    assert _code(excinfo) == (
        "BadRequestException",
        400,
        "List: sesdesk doesn't contain Topic: gone",
    )
    with pytest.raises(ClientError) as excinfo:
        ses.create_contact(ContactListName="nope", EmailAddress="a@shop.example")
    assert _code(excinfo)[0] == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ses.create_contact(ContactListName=LIST, EmailAddress="not-an-address")
    assert _code(excinfo)[:2] == ("BadRequestException", 400)


def _all(ses: Any, **filters: Any) -> list[str]:
    found: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"ContactListName": LIST, "PageSize": 2, **filters}
        if token:
            kwargs["NextToken"] = token
        page = ses.list_contacts(**kwargs)
        assert len(page["Contacts"]) <= 2
        found += [c["EmailAddress"] for c in page["Contacts"]]
        token = page.get("NextToken")
        if not token:
            return found


def test_list_contacts_pages_and_filters_as_ses(ses: Any) -> None:
    ses.create_contact_list(
        ContactListName=LIST, Topics=[topic("news"), topic("offers", "OPT_OUT")]
    )
    people = {
        "in@x.example": ([("news", "OPT_IN")], False),
        "out@x.example": ([("news", "OPT_OUT")], False),
        "none@x.example": ([], False),
        "all@x.example": ([("news", "OPT_IN"), ("offers", "OPT_IN")], True),
        "offers@x.example": ([("offers", "OPT_IN")], False),
    }
    for address, (preferences, everything) in people.items():
        ses.create_contact(
            ContactListName=LIST,
            EmailAddress=address,
            TopicPreferences=[{"TopicName": t, "SubscriptionStatus": s} for t, s in preferences],
            UnsubscribeAll=everything,
        )
    assert _all(ses) == list(people)

    def topic_filter(name: str, status: str, default: bool) -> dict[str, Any]:
        return {
            "Filter": {
                "FilteredStatus": status,
                "TopicFilter": {"TopicName": name, "UseDefaultIfPreferenceUnavailable": default},
            }
        }

    # UnsubscribeAll counts as OPT_OUT for every topic, whatever the topic preference says.
    assert _all(ses, **topic_filter("news", "OPT_OUT", False)) == [
        "out@x.example",
        "all@x.example",
    ]
    assert _all(ses, **topic_filter("news", "OPT_IN", False)) == ["in@x.example"]
    # Without a preference the topic's default applies only when asked to.
    assert _all(ses, **topic_filter("news", "OPT_IN", True)) == [
        "in@x.example",
        "none@x.example",
        "offers@x.example",
    ]
    assert _all(ses, **topic_filter("offers", "OPT_OUT", True)) == [
        "in@x.example",
        "out@x.example",
        "none@x.example",
        "all@x.example",
    ]
    # Without a topic the status is about the whole list.
    assert _all(ses, Filter={"FilteredStatus": "OPT_OUT"}) == ["all@x.example"]
    with pytest.raises(ClientError) as excinfo:
        ses.list_contacts(ContactListName=LIST, **topic_filter("gone", "OPT_OUT", True))
    assert _code(excinfo)[0] == "BadRequestException"


def test_reset_forgets_the_lists(simulator: SesSimulator, ses: Any) -> None:
    ses.create_contact_list(ContactListName=LIST)
    simulator.reset()
    assert ses.list_contact_lists()["ContactLists"] == []
    ses.create_contact_list(ContactListName=LIST)


def test_throttle_control_makes_list_calls_answer_429(simulator: SesSimulator, ses: Any) -> None:
    ses.create_contact_list(ContactListName=LIST)
    request = urllib.request.Request(
        simulator.endpoint + "/_sesdesk/lists/throttle",
        data=json.dumps({"per_second": 1}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read()) == {"per_second": 1.0}
    ses.get_contact_list(ContactListName=LIST)
    with pytest.raises(ClientError) as excinfo:
        ses.get_contact_list(ContactListName=LIST)
    assert _code(excinfo)[:2] == ("TooManyRequestsException", 429)


def test_the_store_is_fast_for_100000_contacts() -> None:
    sim = ListsSim()
    sim.create("1", "r", {"ContactListName": LIST, "Topics": [topic("news")]})
    started = time.perf_counter()
    for i in range(100_000):
        sim.create_contact("1", "r", LIST, {"EmailAddress": f"p{i}@x.example"})
    sim.update_contact("1", "r", LIST, "p99999@x.example", {"UnsubscribeAll": True})
    pages, token = 0, None
    while True:
        _page, token = sim.page(
            "1", "r", LIST, status=None, topic=None, use_default=False, size=1000, token=token
        )
        pages += 1
        if token is None:
            break
    elapsed = time.perf_counter() - started
    assert pages == 100
    # Dicts, not lists: the 100,000th create costs what the first did (seconds, not minutes).
    assert elapsed < 10, elapsed


def test_patch_13_replaces_moto_contact_list_handlers() -> None:
    from moto.core.utils import method_names_from_class
    from moto.sesv2.responses import SESV2Response

    from sesdesk.simulator import patches
    from sesdesk.simulator.patches import p13_contact_lists

    patches.install()
    names = set(method_names_from_class(SESV2Response))
    for handler in p13_contact_lists.HANDLERS:
        assert handler.__name__ in names
        # moto's own would allow a second list and any number of topics.
        assert getattr(SESV2Response, handler.__name__).__module__ == p13_contact_lists.__name__


def test_without_iam_list_calls_skip_moto_http_layer() -> None:
    from sesdesk.simulator import patches

    def environ(method: str, path: str) -> dict[str, str]:
        return {"REQUEST_METHOD": method, "PATH_INFO": path}

    assert patches.direct_handler(environ("POST", "/v2/email/outbound-emails")) is (
        patches.send_v2_directly
    )
    assert patches.direct_handler(environ("PUT", "/v2/email/contact-lists/l/contacts/a%40b")) is (
        patches.p13_contact_lists.lists_directly
    )
    assert patches.direct_handler(environ("GET", "/v2/email/account")) is None
    status, _, body = patches.p13_contact_lists.lists_directly(
        environ("PATCH", "/v2/email/contact-lists/l"), b""
    )
    assert status == 404 and json.loads(body)["__type"] == "NotFoundException"
