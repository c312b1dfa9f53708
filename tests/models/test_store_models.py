"""The models and the rules the database itself enforces."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from sesdesk.models import (
    AccountStatus,
    Mailer,
    SenderIdentity,
    StatusEvent,
    Store,
    Team,
    record_event,
    utcnow,
)

ONE_MAILER = re.escape("UNIQUE constraint failed: mailer.team_id")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """SQLite only: these tests read SQLite's own constraint messages (the PostgreSQL
    equivalents are in test_shared_store.py)."""
    from tests.conftest import open_store

    with open_store(tmp_path) as opened:
        yield opened


def _team(store: Store, name: str = "acme") -> int:
    with store.session() as session:
        team = Team(name=name)
        session.add(team)
        session.flush()
        return team.id


def _mailer(team_id: int, **overrides: object) -> Mailer:
    values: dict[str, object] = {
        "team_id": team_id,
        "account_id": "123456789012",
        "region": "eu-west-1",
        "key_last4": "MPLE",
        "keyring_ref": uuid.uuid4().hex,
    }
    values.update(overrides)
    return Mailer(**values)


def _insert_mailer_sql(conn: Connection, team_id: int) -> None:
    conn.execute(
        text(
            "INSERT INTO mailer (team_id, account_id, region, key_last4, keyring_ref, access, "
            "is_root, created_at) VALUES (:team, '123456789012', 'eu-west-1', 'MPLE', :ref, "
            "'unknown', 0, '2026-01-01 00:00:00.000000')"
        ),
        {"team": team_id, "ref": uuid.uuid4().hex},
    )


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_one_mailer_per_team_through_the_orm(store: Store) -> None:
    team_id = _team(store)
    with store.session() as session:
        session.add(_mailer(team_id))
    with pytest.raises(IntegrityError, match=ONE_MAILER), store.session() as session:
        session.add(_mailer(team_id))
    assert _count(store, Mailer) == 1
    # Another team may have its own.
    with store.session() as session:
        session.add(_mailer(_team(store, "other")))
    assert _count(store, Mailer) == 2


def test_one_mailer_per_team_in_raw_sql(store: Store) -> None:
    team_id = _team(store)
    with store.engine.begin() as conn:
        _insert_mailer_sql(conn, team_id)
    with pytest.raises(IntegrityError, match=ONE_MAILER), store.engine.begin() as conn:
        _insert_mailer_sql(conn, team_id)
    assert _count(store, Mailer) == 1


def test_mailer_needs_an_existing_team_and_a_known_access(store: Store) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), store.engine.begin() as conn:
        _insert_mailer_sql(conn, 424242)
    team_id = _team(store)
    with pytest.raises(IntegrityError, match="CHECK constraint"), store.session() as session:
        session.add(_mailer(team_id, access="maybe"))


def test_mailer_defaults(store: Store) -> None:
    team_id = _team(store)
    with store.session() as session:
        session.add(_mailer(team_id))
    with store.session() as session:
        mailer = session.scalars(select(Mailer)).one()
        assert mailer.access == "unknown"
        assert mailer.is_root is False
        assert mailer.created_at.tzinfo is UTC
        assert mailer.team.mailer is mailer


def test_team_names_are_unique_ignoring_case(store: Store) -> None:
    _team(store, "Acme")
    with pytest.raises(IntegrityError, match=r"team\.name"):
        _team(store, "ACME")
    with store.session() as session:
        assert session.scalars(select(Team).where(Team.name == "acme")).one().name == "Acme"


def test_identity_names_are_unique_among_active_rows(store: Store) -> None:
    team_id = _team(store)
    other_team = _team(store, "other")
    with store.session() as session:
        session.add(SenderIdentity(team_id=team_id, name="Acme.com", kind="domain"))
        session.add(SenderIdentity(team_id=other_team, name="acme.com", kind="domain"))
    with pytest.raises(IntegrityError, match="sender_identity"), store.session() as session:
        session.add(SenderIdentity(team_id=team_id, name="acme.COM", kind="domain"))
    # Retry: the old row stays as history, and a fresh one may take its name.
    with store.session() as session:
        old = session.scalars(select(SenderIdentity).where(SenderIdentity.team_id == team_id)).one()
        old.removed_at = utcnow()
        session.flush()
        session.add(SenderIdentity(team_id=team_id, name="acme.com", kind="domain"))
    with store.session() as session:
        team = session.get_one(Team, team_id)
        assert [i.name for i in team.identities] == ["Acme.com", "acme.com"]
        assert [i.name for i in team.active_identities] == ["acme.com"]
        assert team.active_identities[0].status == "PENDING"
        assert team.active_identities[0].is_active


def test_identity_kind_is_checked_and_dkim_tokens_round_trip(store: Store) -> None:
    team_id = _team(store)
    with pytest.raises(IntegrityError, match="CHECK constraint"), store.session() as session:
        session.add(SenderIdentity(team_id=team_id, name="acme.com", kind="website"))
    with store.session() as session:
        session.add(
            SenderIdentity(
                team_id=team_id, name="acme.com", kind="domain", dkim_tokens=["a1", "b2", "c3"]
            )
        )
    with store.session() as session:
        identity = session.scalars(select(SenderIdentity)).one()
        assert identity.dkim_tokens == ["a1", "b2", "c3"]
        assert identity.verified_for_sending is False


def test_account_status_left_24h(store: Store) -> None:
    team_id = _team(store)
    with store.session() as session:
        session.add(AccountStatus(team_id=team_id, max_24h=200.0, sent_24h=3.0, max_rate=1.0))
    with store.session() as session:
        account = session.get_one(Team, team_id).account
        assert account is not None
        assert account.left_24h == 197.0
        assert account.production is False
        assert account.sending_enabled is True
        account.sent_24h = 250.0
        assert account.left_24h == 0.0
    with (
        pytest.raises(IntegrityError, match=r"account_status\.team_id"),
        store.session() as session,
    ):
        session.add(AccountStatus(team_id=team_id))


def test_status_events_cannot_be_changed_or_deleted(store: Store) -> None:
    team_id = _team(store)
    with store.session() as session:
        event = record_event(
            session, team_id, "mailer", "access", "ok", "lost", "Keys lost access."
        )
    assert event.id is not None
    with pytest.raises(IntegrityError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE status_event SET new_value = 'ok'"))
    with pytest.raises(IntegrityError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM status_event"))
    with pytest.raises(IntegrityError, match="append-only"), store.session() as session:
        session.get_one(StatusEvent, event.id).message = "rewritten"
    with pytest.raises(IntegrityError, match="append-only"), store.session() as session:
        session.delete(session.get_one(StatusEvent, event.id))
    with store.session() as session:
        kept = session.get_one(StatusEvent, event.id)
        assert (kept.old_value, kept.new_value, kept.message) == ("ok", "lost", "Keys lost access.")


def _fill_team(store: Store, name: str) -> int:
    team_id = _team(store, name)
    with store.session() as session:
        session.add(_mailer(team_id))
        session.add(SenderIdentity(team_id=team_id, name=f"{name}.com", kind="domain"))
        session.add(AccountStatus(team_id=team_id))
        for field in ("access", "status", "review_status"):
            record_event(session, team_id, "account", field, None, "x", f"{field} changed")
    return team_id


@pytest.mark.parametrize("how", ["raw sql", "orm"])
def test_deleting_a_team_removes_its_events_and_everything_else(store: Store, how: str) -> None:
    doomed = _fill_team(store, "doomed")
    kept = _fill_team(store, "kept")
    if how == "raw sql":
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM team WHERE id = :id"), {"id": doomed})
    else:
        with store.session() as session:
            team = session.get_one(Team, doomed)
            assert team.mailer is not None and team.identities  # loaded children too
            session.delete(team)
    with store.session() as session:
        for model in (Mailer, SenderIdentity, AccountStatus, StatusEvent):
            team_ids = set(session.scalars(select(model.team_id)))  # type: ignore[attr-defined]
            assert team_ids == {kept}, model.__name__
        assert len(session.scalars(select(StatusEvent)).all()) == 3


def test_session_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError, match="boom"), store.session() as session:
        session.add(Team(name="half-done"))
        session.flush()
        raise RuntimeError("boom")
    assert _count(store, Team) == 0
    # A session that succeeds commits, and its objects stay readable afterwards.
    with store.session() as session:
        team = Team(name="done")
        session.add(team)
    assert team.name == "done"
    assert _count(store, Team) == 1


def test_timestamps_round_trip_as_aware_utc(store: Store) -> None:
    team_id = _team(store)
    tokyo = timezone(timedelta(hours=9))
    observed = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=tokyo)
    with store.session() as session:
        record_event(
            session, team_id, "account", "production", "false", "true", "Granted.", at=observed
        )
    with store.session() as session:
        event = session.scalars(select(StatusEvent)).one()
        assert event.at == observed
        assert event.at.tzinfo is UTC
        assert event.at.hour == 0  # 09:30 in Tokyo is 00:30 UTC
        # Comparisons in queries convert too.
        later = observed + timedelta(seconds=1)
        assert session.scalars(select(StatusEvent).where(StatusEvent.at < later)).one() is event
        team = session.get_one(Team, team_id)
        assert team.created_at.tzinfo is UTC
        assert abs(utcnow() - team.created_at) < timedelta(minutes=1)


def test_naive_datetimes_are_refused(store: Store) -> None:
    team_id = _team(store)
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        record_event(session, team_id, "a", "b", None, None, "c", at=datetime(2026, 1, 1))
    assert utcnow().tzinfo is UTC


def test_reprs_carry_no_keyring_reference(store: Store) -> None:
    team_id = _team(store)
    mailer = _mailer(team_id, keyring_ref="f" * 32)
    with store.session() as session:
        session.add(mailer)
    assert "f" * 32 not in repr(mailer)
    assert "eu-west-1" in repr(mailer)
