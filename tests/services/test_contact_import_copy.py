"""CSV import on PostgreSQL goes through COPY into a temporary table and one INSERT … SELECT
per batch: the counts it reports, which row of a duplicated address wins, odd characters,
and all-or-nothing when the server goes away mid-import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event

from sesdesk.models import Store, utcnow
from sesdesk.models.server import DatabaseUnreachable
from sesdesk.services import contact_writer, contacts
from sesdesk.services.teams import create_team

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    with Store.open_url(postgres_url) as store:
        yield store


@pytest.fixture
def team_id(pg_store: Store) -> int:
    return create_team(pg_store, "acme").id


def write(tmp_path: Path, text: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _executed(store: Store) -> list[tuple[str, bool]]:
    """(statement, executemany) of every statement SQLAlchemy sends from now on."""
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement, executemany))

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


def test_postgresql_gets_the_copy_writer(pg_store, team_id):
    info = contacts.create_list(pg_store, team_id, "l")
    with pg_store.session() as session:
        writer = contact_writer.contact_writer(session, info.id, utcnow())
        assert isinstance(writer, contact_writer.CopyContactWriter)


def test_counts_for_duplicates_in_the_file_in_the_list_and_a_second_import(
    pg_store, team_id, tmp_path, monkeypatch
):
    # Batches of 4: duplicates fall within one batch and across batches.
    monkeypatch.setattr(contacts, "_INSERT_CHUNK", 4)
    contacts.create_list(pg_store, team_id, "l")
    contacts.add_contact(pg_store, team_id, "l", "Old@Example.com", "Old")
    path = write(
        tmp_path,
        "email,name\n"
        "a@example.com,First A\n"
        "A@EXAMPLE.COM,Second A\n"  # same batch as its first
        "old@example.COM,Again\n"  # already in the list
        "b@example.com,B\n"
        "c@example.com,C\n"
        "B@Example.com,Second B\n"  # the next batch
        "not-an-address,X\n"
        "d@example.com,D\n"
        "a@example.com,Third A\n",
    )
    seen = _executed(pg_store)
    result = contacts.import_csv(pg_store, team_id, "l", path)
    assert (result.imported, result.duplicates, len(result.rejected)) == (4, 4, 1)
    assert [(r.row, r.value) for r in result.rejected] == [(8, "not-an-address")]
    rows = contacts.list_contacts(pg_store, team_id, "l")
    # The first row of an address wins, as written; file order is kept.
    assert [(c.email, c.name, c.status) for c in rows] == [
        ("Old@Example.com", "Old", "subscribed"),
        ("a@example.com", "First A", "subscribed"),
        ("b@example.com", "B", "subscribed"),
        ("c@example.com", "C", "subscribed"),
        ("d@example.com", "D", "subscribed"),
    ]
    assert all(c.created_at.tzinfo is not None for c in rows)
    # The rows went by COPY: no INSERT into contact passed through executemany.
    assert not [s for s, many in seen if many and "contact" in s.lower()]

    again = contacts.import_csv(pg_store, team_id, "l", path)
    assert (again.imported, again.duplicates, len(again.rejected)) == (0, 8, 1)
    info = contacts.get_list(pg_store, team_id, "l")
    assert (info.subscribed, info.unsubscribed) == (5, 0)


def test_odd_characters_survive_copy(pg_store, team_id, tmp_path):
    names = ["Back\\slash \\N", 'Tab "quoted"', "Zoë Ünal", "\\.", "semi;colon, comma"]
    lines = "".join(
        f'p{i}@example.com,"{name.replace(chr(34), chr(34) * 2)}"\n' for i, name in enumerate(names)
    )
    path = write(tmp_path, "email,name\n" + lines + "empty@example.com,\n")
    result = contacts.import_csv(pg_store, team_id, "l", path)
    assert (result.imported, result.duplicates, result.rejected) == (6, 0, [])
    rows = contacts.list_contacts(pg_store, team_id, "l")
    assert [c.name for c in rows] == [*names, None]


def test_an_import_cut_off_by_the_server_stores_nothing(
    pg_store, team_id, tmp_path, monkeypatch, postgres_url
):
    monkeypatch.setattr(contacts, "_INSERT_CHUNK", 5)
    contacts.create_list(pg_store, team_id, "l")
    written = contact_writer.CopyContactWriter.write
    calls = []

    def write_then_lose_the_server(self, batch):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(calls) == 3:
            pid = self.raw.info.backend_pid
            with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        written(self, batch)

    monkeypatch.setattr(contact_writer.CopyContactWriter, "write", write_then_lose_the_server)
    path = write(tmp_path, "email\n" + "".join(f"g{i}@example.com\n" for i in range(20)))
    with pytest.raises(DatabaseUnreachable):
        contacts.import_csv(pg_store, team_id, "l", path)
    assert calls == [5, 5, 5]
    # The two batches written before are gone with the transaction.
    assert contacts.get_list(pg_store, team_id, "l").total == 0
