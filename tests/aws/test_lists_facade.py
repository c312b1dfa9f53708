"""ListsFacade against the simulator with IAM enforcement: adopt or create the account's one
contact list, the 20-topic limit, contacts and their preferences, paging with the opt-out
filter, throttling surfaced as Throttled and resumed, and the permission rows it needs."""

from __future__ import annotations

import pytest

from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.errors import AwsNotFound, PermissionMissing, Throttled
from sesdesk.aws.lists import (
    MAX_TOPICS,
    ContactListLimit,
    ListsFacade,
    SesContactList,
    SesTopic,
)
from sesdesk.aws.permissions import permission
from sesdesk.errors import BadInput
from sesdesk.simulator import SesSimulator
from sesdesk.simulator.contact_lists import lists_of

NEWS = SesTopic("news", "Newsletter")
OFFERS = SesTopic("offers", "Special offers", default_status="OPT_OUT", description="Sales")


def facade(sim: SesSimulator, actions: list[str] | None = None) -> ListsFacade:
    keys = sim.create_user("lists-user", actions)
    return ListsFacade(ClientFactory("us-east-1", keys, endpoint=sim.endpoint))


def test_create_then_adopt_the_accounts_contact_list(sim: SesSimulator) -> None:
    lists = facade(sim)
    assert lists.contact_lists() == []
    assert lists.get_contact_list("sesdesk") is None
    lists.create_contact_list("sesdesk", [NEWS, OFFERS], description="sesdesk lists")
    expected = SesContactList("sesdesk", (NEWS, OFFERS), "sesdesk lists")
    assert lists.contact_lists() == [expected]
    assert lists.get_contact_list("sesdesk") == expected
    # A list another tool made is the account's one list: creating a second is SES's limit.
    with pytest.raises(ContactListLimit) as excinfo:
        lists.create_contact_list("another", [NEWS])
    assert excinfo.value.code == "BadRequestException"
    assert "A maximum of 1 Lists allowed per account." in str(excinfo.value)
    assert excinfo.value.exit_code == 3


def test_topics_are_replaced_as_a_whole_and_limited_to_20(sim: SesSimulator) -> None:
    lists = facade(sim)
    lists.create_contact_list("sesdesk", [NEWS])
    lists.put_topics("sesdesk", [NEWS, OFFERS])
    found = lists.get_contact_list("sesdesk")
    assert found is not None and found.topics == (NEWS, OFFERS)
    full = [SesTopic(f"list-{i}", f"List {i}") for i in range(MAX_TOPICS)]
    lists.put_topics("sesdesk", full)
    with pytest.raises(ContactListLimit):
        lists.put_topics("sesdesk", [*full, SesTopic("one-more", "One more")])
    found = lists.get_contact_list("sesdesk")
    assert found is not None and len(found.topics) == MAX_TOPICS


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (SesTopic("two words", "x"), "topic name 'two words'"),
        (SesTopic("x" * 65, "x"), "1 to 64 letters"),
        (SesTopic("ok", "x" * 129), "over 128 characters"),
        (SesTopic("ok", "   "), "must not be empty"),
        (SesTopic("ok", "x", default_status="opt_in"), "OPT_IN or OPT_OUT"),
    ],
)
def test_bad_topics_are_refused_before_any_call(
    sim: SesSimulator, bad: SesTopic, words: str
) -> None:
    lists = facade(sim, actions=[])  # any call would fail AccessDenied
    with pytest.raises(BadInput) as excinfo:
        lists.create_contact_list("sesdesk", [bad])
    assert excinfo.value.field == "topics" and words in excinfo.value.problem


def test_contacts_create_update_get(sim: SesSimulator) -> None:
    lists = facade(sim)
    lists.create_contact_list("sesdesk", [NEWS, OFFERS])
    assert lists.create_contact("sesdesk", "ann@shop.example", opted_in=["news"])
    assert lists.create_contact("sesdesk", "ann@shop.example") is False  # already there
    ann = lists.get_contact("sesdesk", "ann@shop.example")
    assert ann is not None
    assert (ann.opted_in, ann.opted_out, ann.unsubscribe_all) == ({"news"}, set(), False)
    assert ann.updated_at is not None
    assert lists.update_contact(
        "sesdesk", "ann@shop.example", opted_out=["news"], opted_in=["news"]
    )
    ann = lists.get_contact("sesdesk", "ann@shop.example")
    assert ann is not None and ann.opted_out == {"news"} and ann.opted_in == set()
    assert lists.update_contact("sesdesk", "ann@shop.example", unsubscribe_all=True)
    ann = lists.get_contact("sesdesk", "ann@shop.example")
    assert ann is not None and ann.unsubscribe_all and ann.opted_out == set()
    assert lists.update_contact("sesdesk", "bob@shop.example") is False
    assert lists.get_contact("sesdesk", "bob@shop.example") is None
    # A missing list is not a missing contact.
    with pytest.raises(AwsNotFound):
        lists.get_contact("other", "ann@shop.example")
    with pytest.raises(AwsNotFound):
        lists.update_contact("other", "ann@shop.example")
    with pytest.raises(AwsNotFound):
        lists.create_contact("other", "ann@shop.example")


def test_contacts_are_paged_and_filtered_by_opt_out(sim: SesSimulator) -> None:
    lists = facade(sim)
    lists.create_contact_list("sesdesk", [NEWS, OFFERS])
    for i in range(25):
        lists.create_contact(
            "sesdesk",
            f"p{i:02}@shop.example",
            opted_out=["news"] if i % 5 == 0 else [],
            unsubscribe_all=i == 7,
        )
    pages = list(lists.contacts("sesdesk", page_size=10))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert [c.email for p in pages for c in p] == [f"p{i:02}@shop.example" for i in range(25)]
    out = [c.email for p in lists.contacts("sesdesk", opted_out_of="news", page_size=3) for c in p]
    assert out == [f"p{i:02}@shop.example" for i in (0, 5, 7, 10, 15, 20)]
    # OFFERS defaults to OPT_OUT: without a preference, everyone counts as opted out of it.
    assert sum(len(p) for p in lists.contacts("sesdesk", opted_out_of="offers")) == 25


def test_throttling_surfaces_as_throttled_and_the_listing_resumes(sim: SesSimulator) -> None:
    lists = facade(sim)
    lists.create_contact_list("sesdesk", [NEWS])
    for i in range(5):
        lists.create_contact("sesdesk", f"p{i}@shop.example")
    pages = lists.contacts("sesdesk", page_size=2)
    first = next(pages)
    lists_of(sim.state).calls_per_second = 0  # SES answers 429 to every list call
    with pytest.raises(Throttled):
        next(pages)  # botocore's few retries, then the facade gives up: no endless loop
    lists_of(sim.state).calls_per_second = None
    rest = list(lists.contacts("sesdesk", page_size=2, start_token=first.next_token))
    assert [c.email for p in [first, *rest] for c in p] == [f"p{i}@shop.example" for i in range(5)]


def test_every_call_needs_its_permission_row(sim: SesSimulator) -> None:
    lists = facade(sim, actions=["ses:ListContactLists"])
    assert lists.contact_lists() == []
    with pytest.raises(PermissionMissing) as excinfo:
        lists.create_contact_list("sesdesk", [NEWS])
    assert excinfo.value.action == "ses:CreateContactList"
    for action in (
        "ses:ListContactLists",
        "ses:GetContactList",
        "ses:CreateContactList",
        "ses:UpdateContactList",
        "ses:DeleteContactList",
        "ses:CreateContact",
        "ses:UpdateContact",
        "ses:GetContact",
        "ses:ListContacts",
    ):
        row = permission(action)
        assert row.service == "sesv2" and row.required is False


def test_delete_contact_list(sim: SesSimulator) -> None:
    lists = facade(sim)
    lists.create_contact_list("sesdesk", [NEWS])
    lists.delete_contact_list("sesdesk")
    assert lists.contact_lists() == []


def test_limit_exceeded_is_the_list_limit_not_the_daily_quota(fake_keys: AwsKeys) -> None:
    from botocore.stub import Stubber

    from sesdesk.aws.clients import CallKind

    factory = ClientFactory("us-east-1", fake_keys, endpoint="http://127.0.0.1:9")
    client = factory.client("sesv2", CallKind.MANAGEMENT)
    with Stubber(client) as stub:
        stub.add_client_error(
            "create_contact_list",
            service_error_code="LimitExceededException",
            service_message="You have reached the maximum number of contact lists.",
            http_status_code=400,
        )
        with pytest.raises(ContactListLimit) as excinfo:
            ListsFacade(factory).create_contact_list("sesdesk", [NEWS])
    # classify() alone says "daily sending quota"; SES's own words are kept instead.
    assert excinfo.value.message == "You have reached the maximum number of contact lists."
    assert excinfo.value.code == "LimitExceededException"
