"""Foundation: teams, mailers, sender identities, account status and the status history.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sesdesk.models.migrations.columns import keys, primary_key, team_key

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: PostgreSQL has no NOCASE: an ICU collation that ignores case (not accents) stands in for
#: SQLite's, so unique names and `Team.name == "Acme"` ignore case on both.
_PG_NOCASE = (
    'CREATE COLLATION IF NOT EXISTS "NOCASE" '
    "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
)
# The same rule as SQLite's triggers: no UPDATE; a DELETE only while the team is being
# deleted (PostgreSQL runs ON DELETE CASCADE after the team row is gone).
_PG_APPEND_ONLY = """
CREATE FUNCTION status_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'status_event is append-only: rows cannot be changed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM team WHERE team.id = OLD.team_id) THEN
        RAISE EXCEPTION 'status_event is append-only: rows cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END
$$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    """Create the five tables, their constraints, indexes and the append-only triggers."""
    if _postgresql():
        op.execute(_PG_NOCASE)
    op.create_table(
        "team",
        *keys("id"),
        sa.Column("name", sa.String(200, collation="NOCASE"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        primary_key("team"),
        sa.UniqueConstraint("name", name="uq_team_name"),
    )
    op.create_table(
        "mailer",
        *keys("id", "team_id"),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("key_last4", sa.String(4), nullable=False),
        sa.Column("keyring_ref", sa.String(64), nullable=False),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("access_reason", sa.String(), nullable=True),
        sa.Column("access_changed_at", sa.DateTime(), nullable=True),
        sa.Column("last_checked", sa.DateTime(), nullable=True),
        sa.Column("offline_since", sa.DateTime(), nullable=True),
        sa.Column("arn", sa.String(), nullable=True),
        sa.Column("is_root", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("access IN ('ok', 'lost', 'unknown')", name="ck_mailer_access"),
        team_key("mailer"),
        primary_key("mailer"),
        # One mailer per team: the database says no to a second one.
        sa.UniqueConstraint("team_id", name="uq_mailer_team_id"),
        sa.UniqueConstraint("keyring_ref", name="uq_mailer_keyring_ref"),
    )
    op.create_table(
        "sender_identity",
        *keys("id", "team_id"),
        sa.Column("name", sa.String(320, collation="NOCASE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("verified_for_sending", sa.Boolean(), nullable=False),
        sa.Column("error_type", sa.String(), nullable=True),
        sa.Column("dkim_status", sa.String(), nullable=True),
        sa.Column("dkim_tokens", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_checked", sa.DateTime(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('email', 'domain')", name="ck_sender_identity_kind"),
        team_key("sender_identity"),
        primary_key("sender_identity"),
    )
    op.create_index("ix_sender_identity_team_id", "sender_identity", ["team_id"])
    op.create_index(
        "uq_sender_identity_active_name",
        "sender_identity",
        ["team_id", "name"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "account_status",
        *keys("id", "team_id"),
        sa.Column("production", sa.Boolean(), nullable=False),
        sa.Column("review_status", sa.String(16), nullable=True),
        sa.Column("review_case_id", sa.String(), nullable=True),
        sa.Column("sending_enabled", sa.Boolean(), nullable=False),
        sa.Column("enforcement_status", sa.String(16), nullable=True),
        sa.Column("max_24h", sa.Float(), nullable=False),
        sa.Column("sent_24h", sa.Float(), nullable=False),
        sa.Column("max_rate", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        team_key("account_status"),
        primary_key("account_status"),
        sa.UniqueConstraint("team_id", name="uq_account_status_team_id"),
    )
    op.create_table(
        "status_event",
        *keys("id", "team_id"),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        team_key("status_event"),
        primary_key("status_event"),
    )
    op.create_index("ix_status_event_team_id_at", "status_event", ["team_id", "at"])
    # History is append-only. SQLite runs ON DELETE CASCADE after the team row is gone, so
    # "the team still exists" tells a direct DELETE (refused) from the cascade (allowed).
    if _postgresql():
        op.execute(_PG_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER status_event_append_only BEFORE UPDATE OR DELETE ON status_event "
            "FOR EACH ROW EXECUTE FUNCTION status_event_append_only()"
        )
        return
    op.execute(
        "CREATE TRIGGER status_event_no_update BEFORE UPDATE ON status_event "
        "BEGIN SELECT RAISE(ABORT, 'status_event is append-only: rows cannot be changed'); END"
    )
    op.execute(
        "CREATE TRIGGER status_event_no_delete BEFORE DELETE ON status_event "
        "WHEN EXISTS (SELECT 1 FROM team WHERE team.id = OLD.team_id) "
        "BEGIN SELECT RAISE(ABORT, 'status_event is append-only: rows cannot be deleted'); END"
    )


def downgrade() -> None:
    """Drop everything 0001 created."""
    if _postgresql():
        op.execute("DROP TRIGGER IF EXISTS status_event_append_only ON status_event")
        op.execute("DROP FUNCTION IF EXISTS status_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS status_event_no_delete")
        op.execute("DROP TRIGGER IF EXISTS status_event_no_update")
    op.drop_table("status_event")
    op.drop_table("account_status")
    op.drop_table("sender_identity")
    op.drop_table("mailer")
    op.drop_table("team")
