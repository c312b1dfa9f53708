"""The pure parts of SES list management: topic names, the footer, the placeholder, the
throttling back-off and reading a Subscription event."""

from __future__ import annotations

import json

import pytest

from sesdesk.aws.errors import Throttled
from sesdesk.errors import BadInput
from sesdesk.services.feedback.parse import SesEvent, parse_body
from sesdesk.services.lists.events import read_subscription
from sesdesk.services.lists.names import (
    MAX_TOPICS,
    UNSUBSCRIBE_PLACEHOLDER,
    display_name,
    has_placeholder,
    is_sesdesk_topic,
    topic_name,
    topics_full_message,
    with_footer,
)
from sesdesk.services.lists.pace import GIVE_UP_AFTER, Pace
from sesdesk.services.sending.composition import (
    Composition,
    build_email,
    personalise,
    validate_composition,
)


def test_topic_names_are_stable_valid_and_unique_per_list() -> None:
    assert topic_name(7, "Spring newsletter") == "sesdesk-7-spring-newsletter"
    assert topic_name(7, "Spring newsletter") == topic_name(7, "Spring newsletter")
    assert topic_name(8, "Spring newsletter") != topic_name(7, "Spring newsletter")
    assert topic_name(3, "Café — ünïcode!") == "sesdesk-3-cafe-unicode"
    assert topic_name(4, "日本語") == "sesdesk-4"
    long = topic_name(123456, "x" * 300)
    assert len(long) <= 64 and long.startswith("sesdesk-123456-")
    for name in (topic_name(1, "a b"), long, topic_name(4, "日本語")):
        assert all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
        assert is_sesdesk_topic(name)
    assert not is_sesdesk_topic("Newsletter")
    assert not is_sesdesk_topic("sesdesk-news")
    assert display_name("  Spring   news ") == "Spring news"


def test_the_full_message_says_what_ses_allows_and_what_to_do() -> None:
    text = topics_full_message("shop-list", 20)
    assert text.startswith(f"SES allows {MAX_TOPICS} topics per contact list; this account's list")
    assert "shop-list has 20" in text and "remove a topic" in text


def test_the_footer_is_added_only_where_the_user_wrote_no_link() -> None:
    text, html = with_footer("Hello", "<html><body><p>Hi</p></body></html>")
    assert text is not None and html is not None
    assert text.startswith("Hello") and text.count(UNSUBSCRIBE_PLACEHOLDER) == 1
    assert html.index(UNSUBSCRIBE_PLACEHOLDER) < html.index("</body>")
    own = "Bye: {{ amazonSESUnsubscribeUrl }}"
    assert with_footer(own, None) == (own, None)
    assert has_placeholder(own) and not has_placeholder("{{name}}") and not has_placeholder(None)
    _, bare_html = with_footer(None, "<p>no body tag</p>")
    assert bare_html is not None and bare_html.endswith("</p>\n")


def test_the_ses_placeholder_passes_validation_and_personalisation_untouched() -> None:
    body = "Hi {{name|there}}, leave here: {{amazonSESUnsubscribeUrl}}"
    cleaned = validate_composition(
        Composition(from_address="news@shop.example", subject="S", text_body=body, html_body=body)
    )
    email = build_email(cleaned, "ann@example.com", None)
    assert email.text_body == "Hi there, leave here: {{amazonSESUnsubscribeUrl}}"
    assert email.html_body == "Hi there, leave here: {{amazonSESUnsubscribeUrl}}"
    assert personalise("{{other}} {{email}}", email="a@b.c", name=None) == "{{other}} a@b.c"
    with pytest.raises(BadInput, match="unknown placeholder"):
        validate_composition(
            Composition(from_address="n@shop.example", subject="S", text_body="{{other}}")
        )
    with pytest.raises(BadInput, match="subject"):
        validate_composition(
            Composition(
                from_address="n@shop.example",
                subject="{{amazonSESUnsubscribeUrl}}",
                text_body="x",
            )
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def test_a_throttled_call_waits_longer_each_time_then_succeeds_once() -> None:
    clock = FakeClock()
    pace = Pace(sleep=clock.sleep, clock=clock.clock)
    answers = iter([Throttled("slow"), Throttled("slow"), Throttled("slow"), "done"])
    made: list[int] = []

    def call() -> str:
        made.append(1)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert pace.call(call) == "done"
    assert len(made) == 4 and pace.calls == 4 and pace.throttled == 3
    assert clock.slept == [0.5, 1.0, 2.0]  # slowed down, resumed, nothing dropped
    # Success eases the pace again.
    assert pace.call(lambda: "next") == "next"


def test_a_throttle_that_never_ends_gives_up_with_throttled() -> None:
    clock = FakeClock()
    pace = Pace(sleep=clock.sleep, clock=clock.clock)

    def always() -> None:
        raise Throttled("slow")

    with pytest.raises(Throttled):
        pace.call(always)
    assert pace.throttled == GIVE_UP_AFTER
    assert max(clock.slept) == 30.0


def _subscription_body(status: str = "OptOut", unsubscribe_all: bool = False) -> str:
    event = {
        "eventType": "Subscription",
        "mail": {
            "timestamp": "2026-11-30T01:00:00.000Z",
            "messageId": "m-1",
            "destination": ["Ann@Example.com"],
            "tags": {"sesdesk-team": ["1"]},
        },
        "subscription": {
            "contactList": "sesdesk",
            "timestamp": "2026-11-30T01:02:03.000Z",
            "source": "UnsubscribeFromHeader",
            "newTopicPreferences": {
                "unsubscribeAll": unsubscribe_all,
                "topicSubscriptionStatus": [
                    {"topicName": "sesdesk-1-news", "subscriptionStatus": status},
                    {"topicName": "other-tool", "subscriptionStatus": "OptIn"},
                ],
            },
            "oldTopicPreferences": {"unsubscribeAll": False, "topicSubscriptionStatus": []},
        },
    }
    return json.dumps({"Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(event)})


def test_a_subscription_event_is_read_with_its_topics_and_time() -> None:
    event = parse_body(_subscription_body())
    assert isinstance(event, SesEvent)
    assert event.occurred_at is not None and event.occurred_at.second == 3
    assert [r.email for r in event.recipients] == ["Ann@Example.com"]
    change = read_subscription(event.subscription)
    assert change is not None
    assert change.contact_list == "sesdesk"
    assert change.opted_out == ("sesdesk-1-news",) and not change.unsubscribe_all
    also_out = read_subscription(
        json.loads(json.loads(_subscription_body("OPT_OUT", True))["Message"])["subscription"]
    )
    assert also_out is not None and also_out.unsubscribe_all
    assert also_out.opted_out == ("sesdesk-1-news",)
    assert read_subscription(None) is None and read_subscription("x") is None


def test_a_run_with_ses_links_gets_footers_and_no_mailto_without_them_the_mailto() -> None:
    from sesdesk.services.lists.account import ListTopic
    from sesdesk.services.lists.sends import SendPlan, composition_for

    composition = validate_composition(
        Composition(
            from_address="news@shop.example",
            subject="S",
            text_body="Hi",
            html_body="<p>Hi</p><a href='{{amazonSESUnsubscribeUrl}}'>leave</a>",
        )
    )
    managed = composition_for(composition, SendPlan(where=ListTopic("sesdesk", "sesdesk-1-a")))
    assert managed.unsubscribe_mailto is None
    assert managed.text_body.endswith(UNSUBSCRIBE_PLACEHOLDER + "\n")
    assert managed.html_body == composition.html_body  # the user's own link is kept as is
    email = build_email(managed, "a@example.com", None)
    assert email.headers == ()  # SES adds both List-Unsubscribe headers itself
    plain = composition_for(composition, SendPlan(note="no DKIM"))
    assert plain.unsubscribe_mailto == "mailto:news@shop.example?subject=unsubscribe"
    assert plain.text_body == "Hi"
    assert "href='mailto:news@shop.example?subject=unsubscribe'" in (plain.html_body or "")
    assert dict(build_email(plain, "a@example.com", None).headers)["List-Unsubscribe"] == (
        "<mailto:news@shop.example?subject=unsubscribe>"
    )
