"""Alembic environment: runs on the connection sesdesk's Store hands over.

At run time `Store` passes its connection in ``config.attributes["connection"]`` inside an
open transaction, so a migration either applies whole or not at all. For a developer writing
the next revision by hand, ``alembic -x url=sqlite:///path.db ...`` works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

import sesdesk.models  # noqa: F401  (registers every table on Base.metadata)
from sesdesk.models.base import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that for later revisions.
        render_as_batch=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///path/to/sesdesk.db ...")
    engine = create_engine(url)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("sesdesk migrations run online only (SQLite, on the real file)")
_run_online()
