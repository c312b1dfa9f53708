"""The simulator's SES subscription management on sends (ListManagementOptions) and the
"unsubscribe this address" control with its Subscription event."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.feedback import FeedbackFacade
from sesdesk.aws.lists import ListsFacade, SesTopic
from sesdesk.aws.sending import OutgoingEmail, SendingFacade
from sesdesk.simulator import SesSimulator
from tests.aws.test_feedback_facade import KEYS, drain_events, ready_sender
from tests.conftest import make_client

LIST = "sesdesk"
NEWS = SesTopic("news", "Newsletter")
OFFERS = SesTopic("offers", "Offers", default_status="OPT_OUT")


def lists(simulator: SesSimulator) -> ListsFacade:
    return ListsFacade(ClientFactory("us-east-1", KEYS, endpoint=simulator.endpoint))


def send(
    simulator: SesSimulator,
    to: str,
    topic: str | None = "news",
    *,
    text: str = "Bye: {{amazonSESUnsubscribeUrl}}",
    html: str = '<a href="{{amazonSESUnsubscribeUrl}}">unsubscribe</a>',
    contact_list: str = LIST,
    **extra: Any,
) -> str:
    options: dict[str, str] = {"ContactListName": contact_list}
    if topic is not None:
        options["TopicName"] = topic
    reply = make_client(simulator, "sesv2").send_email(
        FromEmailAddress="news@shop.example",
        Destination={"ToAddresses": [to]},
        Content={
            "Simple": {
                "Subject": {"Data": "Hello"},
                "Body": {"Text": {"Data": text}, "Html": {"Data": html}},
                "Headers": [{"Name": "List-Unsubscribe", "Value": "<mailto:x@shop.example>"}],
            }
        },
        ListManagementOptions=options,
        **extra,
    )
    return str(reply["MessageId"])


@pytest.fixture
def ready(simulator: SesSimulator) -> SesSimulator:
    ready_sender(simulator)
    lists(simulator).create_contact_list(LIST, [NEWS, OFFERS])
    return simulator


def test_list_and_topic_must_exist(ready: SesSimulator) -> None:
    with pytest.raises(ClientError) as excinfo:
        send(ready, "ann@x.example", contact_list="other")
    assert excinfo.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        send(ready, "ann@x.example", topic="gone")
    error: Any = excinfo.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "BadRequestException",
        400,
    )
    assert ready.sent_messages() == []


def test_headers_and_unsubscribe_url_in_both_bodies(ready: SesSimulator) -> None:
    send(ready, "Ann <ann@x.example>")
    (message,) = ready.sent_messages()
    headers = dict(message.headers)
    # SES replaces the caller's own List-Unsubscribe with its one-click pair.
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"]
    assert url.startswith("<https://") and url.endswith(">")
    assert [name for name, _ in message.headers].count("List-Unsubscribe") == 1
    url = url[1:-1]
    assert message.text_body == f"Bye: {url}"
    assert message.html_body == f'<a href="{url}">unsubscribe</a>'
    # Per recipient: another address gets another URL; the same one the same URL.
    send(ready, "bob@x.example")
    send(ready, "ann@x.example")
    urls = [dict(m.headers)["List-Unsubscribe"] for m in ready.sent_messages()]
    assert urls[0] != urls[1] and urls[0] == urls[2]
    # The recipient became a contact of the list, with no preferences, as SES does.
    ann = lists(ready).get_contact(LIST, "ann@x.example")
    assert ann is not None and not ann.opted_out and not ann.unsubscribe_all


def test_sent_control_shows_the_headers(ready: SesSimulator) -> None:
    send(ready, "ann@x.example")
    with urllib.request.urlopen(ready.endpoint + "/_sesdesk/sent", timeout=5) as answer:
        (sent,) = json.loads(answer.read())
    assert ["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"] in sent["headers"]


def test_sending_facade_passes_list_management(ready: SesSimulator) -> None:
    sending = SendingFacade(ClientFactory("us-east-1", KEYS, endpoint=ready.endpoint))
    sending.send_email(
        OutgoingEmail(
            "news@shop.example",
            "ann@x.example",
            "Hi",
            text_body="{{amazonSESUnsubscribeUrl}}",
            list_management=(LIST, "news"),
        )
    )
    (message,) = ready.sent_messages()
    assert "List-Unsubscribe" in dict(message.headers)
    assert message.text_body is not None and message.text_body.startswith("https://")


def _feedback(simulator: SesSimulator) -> tuple[FeedbackFacade, str, str]:
    facade = FeedbackFacade(ClientFactory("us-east-1", KEYS, endpoint=simulator.endpoint))
    wiring = facade.set_up()
    return facade, wiring.queue_url, wiring.configuration_set


def test_opted_out_recipients_are_accepted_but_bounce(ready: SesSimulator) -> None:
    facade, queue, configuration_set = _feedback(ready)
    ses = lists(ready)
    ses.create_contact(LIST, "out@x.example", opted_out=["news"])
    ses.create_contact(LIST, "all@x.example", unsubscribe_all=True)
    ses.create_contact(LIST, "in@x.example")
    for address in ("out@x.example", "all@x.example", "in@x.example"):
        assert send(ready, address, ConfigurationSetName=configuration_set)
    # OFFERS defaults to OPT_OUT: a contact with no preference is not sent offers.
    send(ready, "in@x.example", topic="offers", ConfigurationSetName=configuration_set)
    sent = ready.sent_messages()
    assert [m.unsubscribed for m in sent] == [
        ("out@x.example",),
        ("all@x.example",),
        (),
        ("in@x.example",),
    ]
    found = drain_events(facade, queue)
    kinds = sorted((e["mail"]["destination"][0], e["eventType"]) for e in found)
    assert kinds == [
        ("all@x.example", "Bounce"),
        ("all@x.example", "Send"),
        ("in@x.example", "Bounce"),
        ("in@x.example", "Delivery"),
        ("in@x.example", "Send"),
        ("in@x.example", "Send"),
        ("out@x.example", "Bounce"),
        ("out@x.example", "Send"),
    ]
    bounce = next(e for e in found if e["eventType"] == "Bounce")
    assert bounce["bounce"]["bounceType"] == "Permanent"


def test_unsubscribe_control_opts_out_and_publishes_the_subscription_event(
    ready: SesSimulator,
) -> None:
    facade, queue, configuration_set = _feedback(ready)
    tags = [{"Name": "sesdesk-recipient", "Value": "42"}]
    message_id = send(
        ready, "ann@x.example", ConfigurationSetName=configuration_set, EmailTags=tags
    )
    drain_events(facade, queue)
    request = urllib.request.Request(
        ready.endpoint + "/_sesdesk/unsubscribe",
        data=json.dumps({"email": "ann@x.example"}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        done = json.loads(answer.read())
    assert done == {
        "unsubscribed": True,
        "email": "ann@x.example",
        "contact_list": LIST,
        "topic": "news",  # the topic of the message whose link was clicked
        "all": False,
        "published": 1,
    }
    ann = lists(ready).get_contact(LIST, "ann@x.example")
    assert ann is not None and ann.opted_out == {"news"} and not ann.unsubscribe_all
    (event,) = drain_events(facade, queue)
    assert event["eventType"] == "Subscription"
    assert event["mail"]["messageId"] == message_id
    assert event["mail"]["destination"] == ["ann@x.example"]
    assert event["mail"]["tags"]["sesdesk-recipient"] == ["42"]
    subscription = event["subscription"]
    assert subscription["contactList"] == LIST
    assert subscription["source"] == "UnsubscribeFromHeader"
    assert subscription["timestamp"].endswith("Z")
    assert subscription["oldTopicPreferences"]["unsubscribeAll"] is False
    assert subscription["oldTopicPreferences"]["topicSubscriptionStatus"] == []
    assert subscription["newTopicPreferences"]["topicSubscriptionStatus"] == [
        {"topicName": "news", "subscriptionStatus": "OptOut"}
    ]
    # The next message on that topic is not delivered.
    send(ready, "ann@x.example", ConfigurationSetName=configuration_set)
    assert ready.sent_messages()[-1].unsubscribed == ("ann@x.example",)


def test_unsubscribe_all_and_addresses_never_sent_to(ready: SesSimulator) -> None:
    facade, queue, configuration_set = _feedback(ready)
    send(ready, "bob@x.example", ConfigurationSetName=configuration_set)
    drain_events(facade, queue)
    done = ready.unsubscribe("bob@x.example", all=True)
    assert (done["all"], done["topic"], done["published"]) == (True, None, 1)
    (event,) = drain_events(facade, queue)
    assert event["subscription"]["newTopicPreferences"]["unsubscribeAll"] is True
    bob = lists(ready).get_contact(LIST, "bob@x.example")
    assert bob is not None and bob.unsubscribe_all
    # An address no message went to: the contact is created, nothing is published.
    done = ready.unsubscribe("new@x.example", topic="offers")
    assert (done["topic"], done["published"]) == ("offers", 0)
    new = lists(ready).get_contact(LIST, "new@x.example")
    assert new is not None and new.opted_out == {"offers"}
    with pytest.raises(ValueError, match="topic"):
        ready.unsubscribe("new@x.example", topic="gone")


def test_one_click_post_to_the_url(ready: SesSimulator) -> None:
    send(ready, "carol@x.example", topic="offers")
    url = dict(ready.sent_messages()[0].headers)["List-Unsubscribe"]
    request = urllib.request.Request(
        ready.endpoint + "/_sesdesk/unsubscribe",
        data=json.dumps({"url": url}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["topic"] == "offers"
    carol = lists(ready).get_contact(LIST, "carol@x.example")
    assert carol is not None and carol.opted_out == {"offers"}


def test_no_contact_list_is_a_clear_control_error(simulator: SesSimulator) -> None:
    request = urllib.request.Request(
        simulator.endpoint + "/_sesdesk/unsubscribe",
        data=json.dumps({"email": "ann@x.example"}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=5)
    assert excinfo.value.code == 400
    assert "no contact list" in json.loads(excinfo.value.read())["error"]
