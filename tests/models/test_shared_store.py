"""Records on PostgreSQL: the URL setting, the append-only history, copy-to, the poller's
leader lease; each on a real server the tests start themselves (tests/postgres.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from sesdesk import config
from sesdesk.errors import BadInput
from sesdesk.models import StatusEvent, Store, Team, record_event
from sesdesk.models.server import DatabaseUnreachable, DatabaseUrlInvalid, redact_url
from sesdesk.services import leases
from sesdesk.services.db_copy import copy_to
from sesdesk.services.poller import CycleState, lead_cycle, poller_lease, release_lead
from sesdesk.services.teams import create_team


def _event(store: Store, team_id: int) -> int:
    with store.session() as session:
        return record_event(session, team_id, "mailer", "access", "ok", "lost", "Lost.").id


def test_history_is_append_only_on_postgresql(postgres_url: str) -> None:
    with Store.open_url(postgres_url) as store:
        doomed, kept = create_team(store, "doomed").id, create_team(store, "kept").id
        _event(store, doomed)
        _event(store, kept)
        with pytest.raises(IntegrityError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("UPDATE status_event SET new_value = 'ok'"))
        with pytest.raises(IntegrityError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("DELETE FROM status_event"))
        # Deleting the team takes its history with it (the cascade is allowed).
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM team WHERE id = :id"), {"id": doomed})
        with store.session() as session:
            assert set(session.scalars(select(StatusEvent.team_id))) == {kept}


def test_team_names_ignore_case_on_postgresql(postgres_url: str) -> None:
    with Store.open_url(postgres_url) as store:
        create_team(store, "Acme")
        with pytest.raises(BadInput, match="already exists"):
            create_team(store, "ACME")
        with store.session() as session:
            assert session.scalars(select(Team.id).where(Team.name == "acme")).one()


def test_opening_a_server_url_creates_no_sqlite_file(postgres_url, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SESDESK_DATABASE_URL", postgres_url)
    p = config.paths(home).ensure()
    with Store.open_configured(p.database, config.database_url(p)) as store:
        assert store.is_shared and store.schema_revision() is not None
    assert not p.database.exists()
    assert not list(home.glob("*.db*"))


@pytest.mark.parametrize(
    "url",
    ["nonsense", "mysql://u@h/db", "postgresql://u:pw@h", "sqlite://"],
)
def test_bad_urls_name_the_variable_and_never_the_password(url: str) -> None:
    with pytest.raises(DatabaseUrlInvalid) as caught:
        Store.open_url(url)
    assert caught.value.exit_code == 2
    assert "SESDESK_DATABASE_URL" in caught.value.message
    assert "pw" not in caught.value.message


def test_an_unreachable_server_is_exit_5_with_the_reason_and_no_password() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(DatabaseUnreachable) as caught:
        Store.open_url(f"postgresql+psycopg://bob:hunter2secret@127.0.0.1:{port}/shop")
    assert caught.value.exit_code == 5
    assert "hunter2secret" not in caught.value.message
    assert "refused" in caught.value.message.lower() and f":{port}/shop" in caught.value.message
    assert "hunter2" not in redact_url("postgresql://bob:hunter2@h/db")
    assert "hunter2" not in config.redact("connecting to postgresql://bob:hunter2@h/db")


def test_the_saved_url_keeps_its_password_in_the_keyring(tmp_path) -> None:
    p = config.paths(tmp_path / "home").ensure()
    config.save_database_url(p, "postgresql+psycopg://bob:s3cret-pw@db.example/shop")
    assert "s3cret-pw" not in p.settings.read_text()
    assert config.database_url(p) == "postgresql+psycopg://bob:s3cret-pw@db.example/shop"
    config.save_database_url(p, None)
    assert config.database_url(p) is None


def test_copy_to_moves_every_record_and_refuses_a_filled_database(tmp_path, postgres_server):
    target = postgres_server.url(postgres_server.create_database(template=None))
    with Store.open(tmp_path / "sesdesk.db") as source:
        team_ids = [create_team(source, name).id for name in ("one", "two", "three")]
        for team_id in team_ids:
            _event(source, team_id)
        result = copy_to(source, target)
        assert result.counts["team"] == 3 and result.counts["status_event"] == 3
        assert "password" not in result.target
        with pytest.raises(BadInput, match=r"not empty .*team \(3\)"):
            copy_to(source, target)
    with Store.open_url(target) as shared:
        # Sequences moved past the copied ids: a new row gets a fresh id.
        assert create_team(shared, "four").id == max(team_ids) + 1
        with shared.session() as session:
            assert session.scalar(select(func.count()).select_from(StatusEvent)) == 3


def test_one_poller_per_team_across_desktops(store: Store) -> None:
    team_id = create_team(store, "shop").id
    here, there = leases.new_owner(), "other-desktop.example:77:abc"
    state, *_ = lead_cycle(store, team_id, there)
    assert state is CycleState.NO_MAILER  # the first desktop leads (and finds no mailer)
    state, *_ = lead_cycle(store, team_id, here)
    assert state is CycleState.FOLLOWER  # the second only reads
    with store.session() as session:
        assert leases.live_holder(session, poller_lease(team_id)).owner == there
    release_lead(store, team_id, there)
    state, *_ = lead_cycle(store, team_id, here)
    assert state is CycleState.NO_MAILER  # the lease lapsed: this desktop leads now


def test_postgresql_schema_matches_the_models_and_downgrades_cleanly(postgres_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext

    from sesdesk.models import HEAD_REVISION, Base
    from sesdesk.models.store import MIGRATIONS_DIR

    with Store.open_url(postgres_url) as store:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert store.schema_revision() == HEAD_REVISION
