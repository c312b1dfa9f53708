"""Sending: contact lists, contacts, broadcasts, recipients, suppression list, daily counter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sesdesk.models.migrations.columns import foreign_key, keys, primary_key, team_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the sending tables and their indexes."""
    op.create_table(
        "contact_list",
        *keys("id", "team_id"),
        sa.Column("name", sa.String(200, collation="NOCASE"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        team_key("contact_list"),
        primary_key("contact_list"),
        sa.UniqueConstraint("team_id", "name", name="uq_contact_list_team_id_name"),
    )
    op.create_table(
        "contact",
        *keys("id", "list_id"),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_lower", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('subscribed', 'unsubscribed')", name="ck_contact_status"),
        foreign_key("contact", "list_id", "contact_list"),
        primary_key("contact"),
        sa.UniqueConstraint("list_id", "email_lower", name="uq_contact_list_id_email_lower"),
    )
    op.create_table(
        "broadcast",
        *keys("id", "team_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("from_address", sa.String(400), nullable=False),
        sa.Column("reply_to", sa.String(400), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("unsubscribe_mailto", sa.String(800), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('test_email', 'test_campaign', 'broadcast')", name="ck_broadcast_kind"
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'sending', 'paused', 'waiting_quota', 'done', 'stopped')",
            name="ck_broadcast_state",
        ),
        team_key("broadcast"),
        foreign_key("broadcast", "list_id", "contact_list", ondelete="SET NULL"),
        primary_key("broadcast"),
    )
    op.create_index("ix_broadcast_team_id", "broadcast", ["team_id"])
    op.create_table(
        "recipient",
        *keys("id", "broadcast_id"),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'failed', 'suppressed', 'uncertain')",
            name="ck_recipient_state",
        ),
        foreign_key("recipient", "broadcast_id", "broadcast"),
        primary_key("recipient"),
    )
    op.create_index("ix_recipient_broadcast_id_state", "recipient", ["broadcast_id", "state"])
    op.create_table(
        "suppression",
        *keys("id", "team_id"),
        sa.Column("email_lower", sa.String(320), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('bounce', 'complaint', 'manual', 'unsubscribe')",
            name="ck_suppression_reason",
        ),
        team_key("suppression"),
        primary_key("suppression"),
        sa.UniqueConstraint("team_id", "email_lower", name="uq_suppression_team_id_email_lower"),
    )
    op.create_table(
        "send_day",
        *keys("id", "team_id"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        team_key("send_day"),
        primary_key("send_day"),
        sa.UniqueConstraint("team_id", "day", name="uq_send_day_team_id_day"),
    )


def downgrade() -> None:
    """Drop everything 0003 created."""
    op.drop_table("send_day")
    op.drop_table("suppression")
    op.drop_index("ix_recipient_broadcast_id_state", table_name="recipient")
    op.drop_table("recipient")
    op.drop_index("ix_broadcast_team_id", table_name="broadcast")
    op.drop_table("broadcast")
    op.drop_table("contact")
    op.drop_table("contact_list")
