"""SES feedback: wiring, events, per-recipient outcomes, guard state, settings; suppression
entries gain their source, detail and when they were written to SES.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sesdesk.models.migrations.columns import foreign_key, keys, primary_key, team_key

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the feedback tables and extend `suppression`."""
    op.create_table(
        "feedback_wiring",
        *keys("team_id"),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("configuration_set", sa.String(64), nullable=True),
        sa.Column("topic_arn", sa.String(300), nullable=True),
        sa.Column("queue_url", sa.String(500), nullable=True),
        sa.Column("queue_arn", sa.String(300), nullable=True),
        sa.Column("dlq_url", sa.String(500), nullable=True),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("waiting", sa.Integer(), nullable=True),
        sa.Column("set_up_at", sa.DateTime(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("last_drained", sa.DateTime(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("unrecognised", sa.Integer(), nullable=False),
        sa.Column("ses_bounce_rate", sa.Float(), nullable=True),
        sa.Column("ses_complaint_rate", sa.Float(), nullable=True),
        sa.Column("reputation_at", sa.DateTime(), nullable=True),
        team_key("feedback_wiring"),
        primary_key("feedback_wiring", "team_id"),
    )
    op.create_table(
        "feedback_settings",
        *keys("team_id"),
        sa.Column("pause_bounce_rate", sa.Float(), nullable=False),
        sa.Column("pause_complaint_rate", sa.Float(), nullable=False),
        sa.Column("pause_min_outcomes", sa.Integer(), nullable=False),
        sa.Column("transient_limit", sa.Integer(), nullable=False),
        sa.Column("transient_days", sa.Integer(), nullable=False),
        team_key("feedback_settings"),
        primary_key("feedback_settings", "team_id"),
    )
    op.create_table(
        "feedback_event",
        *keys("id", "team_id"),
        sa.Column("dedupe_key", sa.String(400), nullable=False),
        sa.Column("sns_message_id", sa.String(100), nullable=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("recognised", sa.Boolean(), nullable=False),
        sa.Column("email_lower", sa.String(320), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("ses_message_id", sa.String(200), nullable=True),
        sa.Column("bounce_type", sa.String(32), nullable=True),
        sa.Column("bounce_subtype", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=True),
        team_key("feedback_event"),
        foreign_key("feedback_event", "recipient_id", "recipient", ondelete="SET NULL"),
        foreign_key("feedback_event", "broadcast_id", "broadcast", ondelete="SET NULL"),
        primary_key("feedback_event"),
        sa.UniqueConstraint("dedupe_key", name="uq_feedback_event_dedupe_key"),
    )
    op.create_index(
        "ix_feedback_event_team_id_email_lower", "feedback_event", ["team_id", "email_lower"]
    )
    op.create_index("ix_feedback_event_recipient_id", "feedback_event", ["recipient_id"])
    op.create_table(
        "recipient_outcome",
        *keys("recipient_id", "broadcast_id"),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("hard_bounce", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("bounced_at", sa.DateTime(), nullable=True),
        sa.Column("complained_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        foreign_key("recipient_outcome", "recipient_id", "recipient"),
        foreign_key("recipient_outcome", "broadcast_id", "broadcast"),
        primary_key("recipient_outcome", "recipient_id"),
    )
    op.create_index("ix_recipient_outcome_broadcast_id", "recipient_outcome", ["broadcast_id"])
    op.create_table(
        "broadcast_guard",
        *keys("broadcast_id"),
        sa.Column("tripped", sa.Boolean(), nullable=False),
        sa.Column("base_outcomes", sa.Integer(), nullable=False),
        sa.Column("base_hard_bounces", sa.Integer(), nullable=False),
        sa.Column("base_complaints", sa.Integer(), nullable=False),
        foreign_key("broadcast_guard", "broadcast_id", "broadcast"),
        primary_key("broadcast_guard", "broadcast_id"),
    )
    # Plain ADD COLUMN: SQLite can add nullable or defaulted columns without copying the table.
    op.add_column(
        "suppression",
        sa.Column("source", sa.String(8), server_default="local", nullable=False),
    )
    op.add_column("suppression", sa.Column("detail", sa.Text(), nullable=True))
    op.add_column("suppression", sa.Column("synced_at", sa.DateTime(), nullable=True))
    _notify_on_changes()


#: PostgreSQL only: every table (but the lease renewals, which change nothing a person sees)
#: NOTIFYs this channel at commit, so windows on other desktops refresh (services/store_watch).
CHANGES_CHANNEL = "sesdesk_changes"
_QUIET_TABLES = {"alembic_version", "lease"}


def _notify_on_changes() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION sesdesk_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANGES_CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in sorted(set(sa.inspect(bind).get_table_names()) - _QUIET_TABLES):
        op.execute(
            f'CREATE TRIGGER "{table}_notify" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION sesdesk_notify_change()"
        )


def _drop_notify_triggers() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS sesdesk_notify_change() CASCADE")


def downgrade() -> None:
    """Drop everything 0005 created."""
    _drop_notify_triggers()
    with op.batch_alter_table("suppression") as batch:
        batch.drop_column("synced_at")
        batch.drop_column("detail")
        batch.drop_column("source")
    op.drop_table("broadcast_guard")
    op.drop_index("ix_recipient_outcome_broadcast_id", table_name="recipient_outcome")
    op.drop_table("recipient_outcome")
    op.drop_index("ix_feedback_event_recipient_id", table_name="feedback_event")
    op.drop_index("ix_feedback_event_team_id_email_lower", table_name="feedback_event")
    op.drop_table("feedback_event")
    op.drop_table("feedback_settings")
    op.drop_table("feedback_wiring")
