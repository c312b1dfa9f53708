"""The Broadcasts view's rows come from a fixed number of grouped queries, however many
broadcasts the page holds, with the values the one-broadcast-at-a-time read gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from sesdesk.models import utcnow
from sesdesk.models.feedback import RecipientOutcome
from sesdesk.models.sending import (
    DONE,
    KIND_BROADCAST,
    KIND_TEST_CAMPAIGN,
    KIND_TEST_EMAIL,
    PAUSED,
    RECIPIENT_STATES,
    SENDING,
    STOPPED,
    WAITING_QUOTA,
    Broadcast,
    ContactList,
    Recipient,
)
from sesdesk.services import broadcast_list, leases, sending
from sesdesk.services.teams import create_team

STATES = (DONE, SENDING, PAUSED, STOPPED, WAITING_QUOTA)


@pytest.fixture
def team_id(store) -> int:
    return create_team(store, "acme").id


def add_broadcasts(store, team_id: int, count: int, *, start: int = 0) -> list[int]:
    """`count` broadcasts of every kind and state, with recipients in every state, some
    outcomes, and lists (one of them deleted since); their ids."""
    now = utcnow()
    ids = []
    with store.session() as session:
        lists = [ContactList(team_id=team_id, name=f"list {start} {n}") for n in range(3)]
        session.add_all(lists)
        session.flush()
        for i in range(start, start + count):
            row = Broadcast(
                team_id=team_id,
                kind=KIND_TEST_CAMPAIGN if i % 3 == 0 else KIND_BROADCAST,
                list_id=None if i % 5 == 4 else lists[i % 3].id,
                from_address=f"shop{i}@example.com",
                subject=f"News {i}",
                state=STATES[i % len(STATES)],
                stop_reason="stopped by you" if i % 4 == 1 else None,
                list_management_note="mailto only" if i % 2 else None,
                created_at=now - timedelta(hours=i),
                started_at=now if i % 2 else None,
                finished_at=now if i % 6 == 0 else None,
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
            recipients = [
                Recipient(
                    broadcast_id=row.id,
                    email=f"r{j}@example.com",
                    state=RECIPIENT_STATES[(i + j) % len(RECIPIENT_STATES)],
                )
                for j in range(i % 9 + 1)
            ]
            session.add_all(recipients)
            session.flush()
            for j, recipient in enumerate(recipients[: i % 4]):
                session.add(
                    RecipientOutcome(
                        recipient_id=recipient.id,
                        broadcast_id=row.id,
                        outcome="bounced" if j % 2 else "delivered",
                        hard_bounce=bool(j % 2),
                        delivered_at=None if j % 2 else now,
                        bounced_at=now if j % 2 else None,
                        complained_at=now if j == 2 else None,
                    )
                )
        # A test email is not a row of the page.
        session.add(
            Broadcast(team_id=team_id, kind=KIND_TEST_EMAIL, from_address="a@example.com",
                      subject="test", state=DONE)
        )  # fmt: skip
        session.flush()
        session.delete(lists[2])  # its broadcasts keep their rows, without a list
    return ids


def one_at_a_time(store, team_id: int) -> list[sending.BroadcastStatus]:
    """The page as it was read before: every broadcast's status by its own queries."""
    with store.session() as session:
        rows = session.scalars(
            select(Broadcast)
            .where(Broadcast.team_id == team_id, Broadcast.kind != KIND_TEST_EMAIL)
            .order_by(Broadcast.id.desc())
        ).all()
        return [sending.seen_status(session, row) for row in rows]


def statements(store, read) -> int:  # type: ignore[no-untyped-def]
    """How many SQL statements `read()` sends."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        read()
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_page_rows_equal_the_one_at_a_time_read(store, team_id):
    ids = add_broadcasts(store, team_id, 23)
    # Who sends right now changes what a reader sees: queued with its note, or as stored.
    leases.try_acquire(
        store, leases.broadcast_lease(ids[1]), leases.new_owner(), broadcast_id=ids[1],
        note="waiting for the account's turn",
    )  # fmt: skip
    leases.try_acquire(
        store, leases.broadcast_lease(ids[6]), leases.new_owner(), broadcast_id=ids[6]
    )
    leases.try_acquire(
        store, leases.broadcast_lease(ids[11]), leases.new_owner(), broadcast_id=ids[11],
        seconds=-60,
    )  # fmt: skip
    expected = one_at_a_time(store, team_id)
    page = broadcast_list.broadcast_page(store, team_id, limit=100)
    assert page == expected
    # The fixture covers what a status can show.
    assert {s.state for s in page} >= {"queued", "paused", "sending", "done", "stopped"}
    assert any(s.list_name is None for s in page) and any(s.list_name for s in page)
    assert any(s.delivered and s.bounced and s.complained for s in page)
    assert any(s.uncertain and s.in_flight == 0 for s in page)
    # Pages in the middle, too.
    assert broadcast_list.broadcast_page(store, team_id, offset=5, limit=7) == expected[5:12]
    assert broadcast_list.broadcast_page(store, team_id, offset=30) == []


def test_the_page_costs_the_same_statements_for_1_and_for_20_broadcasts(store, team_id):
    add_broadcasts(store, team_id, 1)
    one = statements(store, lambda: broadcast_list.broadcast_page(store, team_id))
    add_broadcasts(store, team_id, 19, start=1)
    assert len(broadcast_list.broadcast_page(store, team_id)) == 20
    twenty = statements(store, lambda: broadcast_list.broadcast_page(store, team_id))
    assert one == twenty
    # The page, its recipients' counts, outcomes, list names and lease holders.
    assert twenty <= 6
    # The one-at-a-time read it replaces grew with the page.
    assert statements(store, lambda: one_at_a_time(store, team_id)) > 3 * 20


def test_interrupted_broadcasts_leave_out_held_and_running_ones(store, team_id):
    ids = add_broadcasts(store, team_id, 15)
    unfinished = [s.id for s in one_at_a_time(store, team_id) if broadcast_list.is_unfinished(s)]
    assert len(unfinished) >= 4
    held, running = unfinished[0], unfinished[1]
    leases.try_acquire(store, leases.broadcast_lease(held), leases.new_owner(), broadcast_id=held)
    found = broadcast_list.interrupted_broadcasts(store, team_id, running=frozenset({running}))
    expected = [
        s
        for s in one_at_a_time(store, team_id)
        if broadcast_list.is_unfinished(s) and s.id not in (held, running)
    ]
    assert found == expected
    assert {s.id for s in found} == set(unfinished) - {held, running}
    assert set(ids) >= {s.id for s in found}
    before = statements(
        store, lambda: broadcast_list.interrupted_broadcasts(store, team_id, running=frozenset())
    )
    add_broadcasts(store, team_id, 10, start=15)
    after = statements(
        store, lambda: broadcast_list.interrupted_broadcasts(store, team_id, running=frozenset())
    )
    assert before == after
