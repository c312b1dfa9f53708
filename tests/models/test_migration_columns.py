"""`migrations/columns.py` is frozen: old revisions build their tables with it, so what each
function makes must never change. The DDL it gives is pinned here, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from sesdesk.models.migrations.columns import foreign_key, keys, primary_key, team_key

EXPECTED = [
    "CREATE TABLE thing (",
    "id {serial} NOT NULL,",
    "team_id INTEGER NOT NULL,",
    "list_id INTEGER NOT NULL,",
    "CONSTRAINT pk_thing PRIMARY KEY (id),",
    "CONSTRAINT fk_thing_team_id_team FOREIGN KEY(team_id) REFERENCES team (id) ON DELETE CASCADE,",
    "CONSTRAINT fk_thing_list_id_contact_list FOREIGN KEY(list_id) REFERENCES contact_list (id) "
    "ON DELETE SET NULL",
    ")",
]


def test_the_helpers_make_the_same_ddl_on_sqlite_and_postgresql() -> None:
    metadata = sa.MetaData()
    sa.Table("team", metadata, sa.Column("id", sa.Integer()))
    sa.Table("contact_list", metadata, sa.Column("id", sa.Integer()))
    table = sa.Table(
        "thing",
        metadata,
        *keys("id", "team_id", "list_id"),
        team_key("thing"),
        foreign_key("thing", "list_id", "contact_list", ondelete="SET NULL"),
        primary_key("thing"),
    )
    # An integer primary key: SQLite's rowid alias, PostgreSQL's SERIAL.
    for dialect, serial in ((sqlite.dialect(), "INTEGER"), (postgresql.dialect(), "SERIAL")):
        ddl = str(CreateTable(table).compile(dialect=dialect))
        expected = [line.format(serial=serial) for line in EXPECTED]
        assert [line.strip() for line in ddl.strip().splitlines()] == expected


def test_a_primary_key_on_another_column_is_still_named_for_the_table() -> None:
    made = primary_key("feedback_wiring", "team_id")
    assert made.name == "pk_feedback_wiring"
    assert list(made._pending_colargs) == ["team_id"]
    assert team_key("mailer").elements[0].ondelete == "CASCADE"
