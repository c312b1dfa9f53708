"""SES list management against the simulator: the account's contact list adopted or created,
topics (and their limit), incremental contact sync with throttling and resumption, unsubscribes
pulled back, pushed out and received as Subscription events, and what sends carry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import Unreachable
from sesdesk.aws.lists import ListsFacade, SesTopic
from sesdesk.errors import NotAllowed
from sesdesk.models import AccountStatus, Contact, ContactList, SesContactList
from sesdesk.models.sending import SOURCE_LOCAL, SOURCE_SES
from sesdesk.services import contacts, lists, sending
from sesdesk.services.feedback import suppression
from sesdesk.services.feedback.outcomes import apply_batch
from sesdesk.services.feedback.parse import parse_body
from sesdesk.services.lists.names import topics_full_message
from sesdesk.services.lists.pace import Pace
from tests.services.test_sending import DOMAIN, FAKE_KEYS, FROM, compose, connect, make_list

REGION = "us-east-1"


@pytest.fixture
def team(store, simulator, monkeypatch) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", simulator.endpoint)
    return connect(store, simulator)


@pytest.fixture
def facade(simulator) -> ListsFacade:
    return ListsFacade(ClientFactory(REGION, FAKE_KEYS, endpoint=simulator.endpoint))


def list_id(store, team_id: int, name: str = "all") -> int:
    return contacts.get_list(store, team_id, name).id


def ses_contacts(facade: ListsFacade, name: str) -> dict[str, Any]:
    return {c.email.lower(): c for page in facade.contacts(name) for c in page}


class CountingFacade(ListsFacade):
    """The real facade, counting contact calls; optionally failing after `fail_after`."""

    def __init__(self, factory: ClientFactory, fail_after: int | None = None) -> None:
        super().__init__(factory)
        self.calls = 0
        self.fail_after = fail_after

    def _count(self) -> None:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise Unreachable("the network went away", may_have_arrived=False)
        self.calls += 1

    def create_contact(self, *args: Any, **kwargs: Any) -> bool:
        self._count()
        return super().create_contact(*args, **kwargs)

    def update_contact(self, *args: Any, **kwargs: Any) -> bool:
        self._count()
        return super().update_contact(*args, **kwargs)

    def get_contact(self, *args: Any, **kwargs: Any) -> Any:
        self._count()
        return super().get_contact(*args, **kwargs)


def test_a_contact_list_is_created_once_and_a_topic_added_per_list(store, team, facade):
    make_list(store, team, 3)
    where = lists.ensure_topic(store, team, list_id(store, team), facade)
    assert where.contact_list == lists.SES_LIST_NAME
    found = facade.get_contact_list(lists.SES_LIST_NAME)
    assert found is not None
    assert [(t.name, t.display_name) for t in found.topics] == [(where.topic, "all")]
    again = lists.ensure_topic(store, team, list_id(store, team), facade)
    assert again == where  # stable: same topic, no second list
    assert len(facade.contact_lists()) == 1
    with store.session() as session:
        row = session.get(SesContactList, team)
        assert row is not None and row.created and row.topics == 1


def test_another_tools_contact_list_is_adopted_and_its_topics_kept(store, team, facade):
    theirs = SesTopic("weekly", "Weekly digest", "OPT_OUT", "made elsewhere")
    facade.create_contact_list("their-list", [theirs], description="Other tool")
    make_list(store, team, 2)
    where = lists.ensure_topic(store, team, list_id(store, team), facade)
    assert where.contact_list == "their-list"
    found = facade.get_contact_list("their-list")
    assert found is not None
    assert theirs in found.topics  # untouched, default status and all
    assert {t.name for t in found.topics} == {"weekly", where.topic}
    assert found.description == "Other tool"
    with store.session() as session:
        row = session.get(SesContactList, team)
        assert row is not None and not row.created  # so sesdesk never deletes it


def test_a_full_contact_list_is_said_plainly_and_blocks_only_marketing(store, team, facade):
    facade.create_contact_list(
        "full-list", [SesTopic(f"t{i}", f"Topic {i}") for i in range(20)], description=None
    )
    make_list(store, team, 2)
    lid = list_id(store, team)
    with pytest.raises(lists.TopicsFull) as caught:
        lists.ensure_topic(store, team, lid, facade)
    assert caught.value.message == topics_full_message("full-list", 20)
    assert caught.value.message.startswith(
        "SES allows 20 topics per contact list; this account's list full-list has 20"
    )
    assert lists.list_management_problem(store, team, FROM, lid) == caught.value.message
    assert len(facade.get_contact_list("full-list").topics) == 20  # nothing changed
    # A marketing broadcast is refused with that reason, nothing sent.
    draft = sending.create_broadcast(store, team, list_name="all", composition=compose())
    with pytest.raises(NotAllowed, match="SES allows 20 topics"):
        sending.send_broadcast(store, team, draft.id)
    assert sending.broadcast_status(store, team, draft.id).sent == 0


def test_list_management_needs_easy_dkim_on_the_from_domain(store, team, simulator):
    assert lists.list_management_problem(store, team, FROM) is None
    assert lists.list_management_problem(store, team, f"a@news.{DOMAIN}") is None  # subdomain
    problem = lists.list_management_problem(store, team, "me@elsewhere.example")
    assert problem is not None and "Easy DKIM" in problem
    assert "email-address identity alone" in problem
    simulator.set_identity_status(DOMAIN, "PENDING")
    from sesdesk.services.refresh import refresh_team

    refresh_team(store, team)
    problem = lists.list_management_problem(store, team, FROM)
    assert problem is not None and "no verified Easy DKIM" in problem


def test_sync_is_incremental_and_a_second_sync_makes_no_contact_calls(
    store, team, facade, simulator
):
    make_list(store, team, 30)
    contacts.set_subscribed(store, team, "all", "user3@example.com", False)
    counting = CountingFacade(facade._factory)
    seen: list[tuple[int, int]] = []
    first = lists.sync_list(
        store,
        team,
        list_id(store, team),
        counting,
        on_progress=lambda p: seen.append((p.done, p.total)),
    )
    assert (first.created, first.failed, first.calls) == (30, 0, 30)
    assert seen[0] == (0, 30) and seen[-1] == (30, 30)
    in_ses = ses_contacts(facade, lists.SES_LIST_NAME)
    assert len(in_ses) == 30
    topic = lists.topic_name(list_id(store, team), "all")
    assert topic in in_ses["user3@example.com"].opted_out
    assert topic not in in_ses["user4@example.com"].opted_out
    counting.calls = 0
    second = lists.sync_list(store, team, list_id(store, team), counting)
    assert (second.total, second.calls, counting.calls) == (0, 0, 0)
    # One new contact: one call.
    contacts.add_contact(store, team, "all", "late@example.com")
    third = lists.sync_list(store, team, list_id(store, team), counting)
    assert (third.created, counting.calls) == (1, 1)


def test_an_interrupted_sync_resumes_where_it_stopped(store, team, facade):
    make_list(store, team, 40)
    lid = list_id(store, team)
    broken = CountingFacade(facade._factory, fail_after=12)
    with pytest.raises(Unreachable):
        lists.sync_list(store, team, lid, broken, workers=1)
    with store.session() as session:
        done = session.scalar(
            select(Contact.id)
            .where(Contact.list_id == lid, Contact.ses_state.is_not(None))
            .limit(1)
        )
    assert done is not None
    counting = CountingFacade(facade._factory)
    rest = lists.sync_list(store, team, lid, counting, workers=1)
    assert rest.failed == 0
    assert counting.calls == 40 - 12  # only what was not done yet
    assert len(ses_contacts(facade, lists.SES_LIST_NAME)) == 40


def _throttle(simulator, per_second: float | None) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{simulator.endpoint}/_sesdesk/lists/throttle",
        data=json.dumps({"per_second": per_second}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        answer.read()


def test_throttling_slows_the_sync_down_and_loses_nothing(store, team, facade, simulator):
    import time

    make_list(store, team, 12)
    _throttle(simulator, 5)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    try:
        result = lists.sync_list(store, team, list_id(store, team), facade, pace=Pace(sleep=sleep))
    finally:
        _throttle(simulator, None)
    assert result.failed == 0 and result.created == 12
    assert result.throttled > 0 and sleeps  # it did slow down
    assert len(ses_contacts(facade, lists.SES_LIST_NAME)) == 12


def test_unsubscribes_in_ses_are_pulled_back_with_time_and_source(store, team, facade):
    make_list(store, team, 5)
    lid = list_id(store, team)
    lists.sync_list(store, team, lid, facade)
    topic = lists.topic_name(lid, "all")
    facade.update_contact(lists.SES_LIST_NAME, "user1@example.com", opted_out=[topic])
    facade.update_contact(lists.SES_LIST_NAME, "user2@example.com", unsubscribe_all=True)
    pulled = lists.pull_unsubscribes(store, team, facade)
    assert pulled.unsubscribed == 2
    rows = {r.email: r for r in contacts.list_contacts(store, team, "all")}
    for email in ("user1@example.com", "user2@example.com"):
        assert rows[email].status == "unsubscribed" and rows[email].source == SOURCE_SES
        assert rows[email].unsubscribed_at is not None
    assert rows["user0@example.com"].status == "subscribed"
    assert lists.pull_unsubscribes(store, team, facade).unsubscribed == 0  # idempotent
    # Only the person can undo an unsubscribe made through SES's link.
    with pytest.raises(NotAllowed, match="only they can"):
        contacts.set_subscribed(store, team, "all", "user1@example.com", True)
    # A draft made before the unsubscribe does not reach them either.
    draft = sending.create_broadcast(store, team, list_name="all", composition=compose())
    assert draft.total == 3


def test_a_local_unsubscribe_reaches_ses_at_the_next_poll(store, team, facade):
    make_list(store, team, 4)
    lid = list_id(store, team)
    lists.sync_list(store, team, lid, facade)
    contacts.set_subscribed(store, team, "all", "user2@example.com", False)
    row = {r.email: r for r in contacts.list_contacts(store, team, "all")}["user2@example.com"]
    assert row.source == SOURCE_LOCAL and row.unsubscribed_at is not None
    notes = lists.poll_lists(store, team, facade._factory)
    assert any("sent to SES" in n for n in notes)
    topic = lists.topic_name(lid, "all")
    found = facade.get_contact(lists.SES_LIST_NAME, "user2@example.com")
    assert found is not None and topic in found.opted_out
    # ... and a local re-subscribe goes back too; nothing is left to push afterwards.
    contacts.set_subscribed(store, team, "all", "user2@example.com", True)
    lists.poll_lists(store, team, facade._factory)
    found = facade.get_contact(lists.SES_LIST_NAME, "user2@example.com")
    assert found is not None and topic not in found.opted_out
    assert lists.poll_lists(store, team, facade._factory) == []


def test_another_lists_preferences_survive_an_update(store, team, facade):
    make_list(store, team, 1, name="a")
    make_list(store, team, 1, name="b")
    a, b = list_id(store, team, "a"), list_id(store, team, "b")
    lists.sync_list(store, team, a, facade)
    contacts.set_subscribed(store, team, "a", "user0@example.com", False)
    lists.sync_list(store, team, a, facade)
    lists.sync_list(store, team, b, facade)  # exists already: read, left as it is
    contacts.set_subscribed(store, team, "b", "user0@example.com", False)
    lists.sync_list(store, team, b, facade)
    found = facade.get_contact(lists.SES_LIST_NAME, "user0@example.com")
    assert found is not None
    assert found.opted_out == {lists.topic_name(a, "a"), lists.topic_name(b, "b")}


def _subscription(team_id: int, email: str, topic: str, *, all_: bool = False) -> str:
    import json

    event = {
        "eventType": "Subscription",
        "mail": {
            "timestamp": "2026-11-30T01:00:00.000Z",
            "messageId": "m-77",
            "destination": [email],
            "tags": {"sesdesk-team": [str(team_id)]},
        },
        "subscription": {
            "contactList": lists.SES_LIST_NAME,
            "timestamp": "2026-11-30T01:02:03.000Z",
            "source": "UnsubscribeFromHeader",
            "newTopicPreferences": {
                "unsubscribeAll": all_,
                "topicSubscriptionStatus": [{"topicName": topic, "subscriptionStatus": "OptOut"}],
            },
        },
    }
    return json.dumps({"Type": "Notification", "MessageId": "sns-77", "Message": json.dumps(event)})


def test_a_subscription_event_unsubscribes_in_that_list_only_and_once(store, team, facade):
    make_list(store, team, 2, name="a")
    make_list(store, team, 2, name="b")
    a = list_id(store, team, "a")
    lists.ensure_topic(store, team, a, facade)
    body = _subscription(team, "User0@Example.com", lists.topic_name(a, "a"))
    with store.session() as session:
        first = apply_batch(session, team, [parse_body(body)])
    with store.session() as session:
        again = apply_batch(session, team, [parse_body(body)])
    assert (first.processed, again.duplicates) == (1, 1)
    in_a = {r.email: r for r in contacts.list_contacts(store, team, "a")}["user0@example.com"]
    in_b = {r.email: r for r in contacts.list_contacts(store, team, "b")}["user0@example.com"]
    assert (in_a.status, in_a.source) == ("unsubscribed", SOURCE_SES)
    assert in_a.unsubscribed_at is not None and in_a.unsubscribed_at.second == 3
    assert in_b.status == "subscribed"
    # Not a suppression: the address may still get other lists' mail.
    assert suppression.list_suppressions(store, team) == []
    everything = _subscription(team, "user1@example.com", "unknown-topic", all_=True)
    with store.session() as session:
        apply_batch(session, team, [parse_body(everything)])
    for name in ("a", "b"):
        row = {r.email: r for r in contacts.list_contacts(store, team, name)}["user1@example.com"]
        assert (row.status, row.source) == ("unsubscribed", SOURCE_SES)


def test_a_broadcast_syncs_its_list_first_and_records_no_note(store, team, facade):
    make_list(store, team, 6)
    draft = sending.create_broadcast(store, team, list_name="all", composition=compose())
    result = sending.send_broadcast(store, team, draft.id)
    assert result.status.sent == 6
    assert result.status.unsubscribe_note is None
    assert len(ses_contacts(facade, lists.SES_LIST_NAME)) == 6
    with store.session() as session:
        states = set(session.scalars(select(Contact.ses_state)))
    assert states == {"in"}


def test_without_easy_dkim_a_transactional_account_sends_with_the_mailto_and_says_why(
    store, team, simulator
):
    from sesdesk.aws.ses import SesFacade
    from sesdesk.services.refresh import refresh_team

    # DKIM not verified for the domain; the address itself is a verified identity.
    simulator.set_identity_status(DOMAIN, "PENDING")
    ses = SesFacade(ClientFactory(REGION, FAKE_KEYS, endpoint=simulator.endpoint))
    ses.create_identity(FROM)
    simulator.set_identity_status(FROM, "SUCCESS")
    refresh_team(store, team, ses)
    make_list(store, team, 2)
    draft = sending.create_broadcast(
        store, team, list_name="all", composition=compose(), kind="test_campaign"
    )
    result = sending.send_broadcast(store, team, draft.id)
    assert result.status.sent == 2
    note = result.status.unsubscribe_note
    assert note is not None and "Easy DKIM" in note and note.startswith("Sent without one-click")
    # A marketing broadcast would be refused; a transactional account's is sent the same way.
    marketing = sending.create_broadcast(store, team, list_name="all", composition=compose())
    with pytest.raises(NotAllowed, match="marketing mail and needs one-click unsubscribe"):
        sending.send_broadcast(store, team, marketing.id)
    assert sending.broadcast_status(store, team, marketing.id).sent == 0
    with store.session() as session:
        session.execute(update(AccountStatus).values(mail_type="TRANSACTIONAL"))
    assert sending.send_broadcast(store, team, marketing.id).status.sent == 2
    # A test email to one address needs no list management.
    test = sending.send_test_email(store, team, to="user0@example.com", composition=compose())
    assert test.status.sent == 1


def test_contacts_with_a_stale_topic_are_synced_again(store, team, facade):
    make_list(store, team, 3)
    lid = list_id(store, team)
    lists.sync_list(store, team, lid, facade)
    with store.session() as session:
        session.execute(update(ContactList).values(ses_topic=None))
    facade.put_topics(lists.SES_LIST_NAME, [])  # someone removed the topic in SES
    again = lists.sync_list(store, team, lid, facade)
    assert again.total == 3  # every contact told again (they exist: read, not re-created)
    with store.session() as session:
        assert set(session.scalars(select(Contact.ses_state))) == {"in"}


def test_a_pause_during_the_contact_sync_stops_it_between_pages(store, team, monkeypatch):
    from sesdesk.services.lists import sync

    monkeypatch.setattr(sync, "PAGE", 5)
    make_list(store, team, 20)
    draft = sending.create_broadcast(store, team, list_name="all", composition=compose())
    runner: list[Any] = []

    def on_sync(progress: Any) -> None:
        if progress.done == 5:
            runner[0].pause("paused by the user")

    runner.append(sending.BroadcastRunner(store, team, draft.id, on_sync=on_sync))
    result = runner[0].run()
    assert (result.status.state, result.status.sent) == ("paused", 0)
    with store.session() as session:
        told = session.scalars(select(Contact.ses_state).where(Contact.ses_state.is_not(None)))
        assert len(list(told)) == 5  # one page, then it stopped
    # Sending again goes on from there and sends to everyone.
    assert sending.send_broadcast(store, team, draft.id).status.sent == 20


def test_a_list_sesdesk_made_in_another_account_is_not_taken_for_its_own(store, team, facade):
    from sesdesk.models import Mailer

    make_list(store, team, 1)
    lists.ensure_topic(store, team, list_id(store, team), facade)
    with store.session() as session:
        row = session.get(SesContactList, team)
        assert row is not None and row.created
        session.execute(update(Mailer).values(account_id="999999999999"))
    lists.ensure_contact_list(store, team, facade)
    with store.session() as session:
        row = session.get(SesContactList, team)
        assert row is not None and not row.created and row.account_id == "999999999999"


def test_a_contact_list_deleted_behind_sesdesks_back_is_made_again(store, team, facade):
    make_list(store, team, 3)
    lid = list_id(store, team)
    lists.sync_list(store, team, lid, facade)
    facade.delete_contact_list(lists.SES_LIST_NAME)  # someone in the SES console
    contacts.add_contact(store, team, "all", "late@example.com")
    again = lists.sync_list(store, team, lid, facade)
    assert again.failed == 0
    assert len(ses_contacts(facade, lists.SES_LIST_NAME)) == 4  # every contact anew


def test_keys_without_contact_list_permissions_block_marketing_only_and_say_so(
    store, sim, monkeypatch
):
    from sesdesk.simulator import SESDESK_ACTIONS

    monkeypatch.setenv("AWS_ENDPOINT_URL", sim.endpoint)
    allowed = [a for a in SESDESK_ACTIONS if "Contact" not in a]
    assert len(allowed) < len(SESDESK_ACTIONS)
    team = connect(store, sim, keys=sim.create_user("no-lists", allowed))
    make_list(store, team, 2)
    marketing = sending.create_broadcast(store, team, list_name="all", composition=compose())
    with pytest.raises(NotAllowed, match="may not manage SES contact lists") as caught:
        sending.send_broadcast(store, team, marketing.id)
    assert "ses:" in caught.value.message  # names the missing permission
    assert sending.broadcast_status(store, team, marketing.id).sent == 0
    # The mailer is not taken for lost: a test campaign goes out with the mailto and the note.
    campaign = sending.create_broadcast(
        store, team, list_name="all", composition=compose(), kind="test_campaign"
    )
    result = sending.send_broadcast(store, team, campaign.id)
    assert result.status.sent == 2
    assert "may not manage SES contact lists" in (result.status.unsubscribe_note or "")


def test_the_send_plan_counts_out_who_unsubscribed_since_the_draft(store, team):
    from sesdesk.services import broadcast_list

    make_list(store, team, 3)
    draft = sending.create_broadcast(store, team, list_name="all", composition=compose())
    assert broadcast_list.send_plan(store, team, draft.id).recipients_left == 3
    contacts.set_subscribed(store, team, "all", "user1@example.com", subscribed=False)
    plan = broadcast_list.send_plan(store, team, draft.id)
    assert (plan.recipients_left, plan.unsubscribed) == (2, 1)
