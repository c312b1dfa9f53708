"""Start-up on a PostgreSQL store stays quick: nothing needless is imported, and a database
filled by `db copy-to` has planner statistics at once (no wait for autovacuum)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from sesdesk.models import Store
from sesdesk.services.db_copy import copy_to
from sesdesk.services.teams import create_team

pytestmark = pytest.mark.postgresql

OPEN_AND_LIST = """
import sys
from sesdesk.models import Store
from sesdesk.services.teams import list_teams
with Store.open_url(sys.argv[1]) as store:
    list_teams(store)
print(",".join(name for name in ("alembic", "mako") if name in sys.modules))
"""


def test_opening_a_migrated_server_store_does_not_import_alembic(postgres_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", OPEN_AND_LIST, postgres_url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == ""


def test_copy_to_leaves_the_target_analyzed(tmp_path, postgres_server) -> None:
    target = postgres_server.url(postgres_server.create_database(template=None))
    with Store.open(tmp_path / "sesdesk.db") as source:
        for name in ("one", "two", "three"):
            create_team(source, name)
        copy_to(source, target)
    with Store.open_url(target) as shared, shared.engine.connect() as conn:
        # ANALYZE writes the row estimate the planner uses; never analyzed it stays -1 or 0.
        estimated = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = 'team'::regclass")
        ).scalar_one()
        vacuumed = conn.execute(
            text("SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = 'team'")
        ).one()
    assert estimated == 3
    assert None not in vacuumed  # VACUUM too: the visibility map serves index-only counts
