"""SES list management: the team's SES contact list, a topic per contact list, each contact's
unsubscribe time and source and what SES was last told; the account's mail type; why a
broadcast went without one-click unsubscribe.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sesdesk.models.migrations.columns import keys, primary_key, team_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `ses_contact_list` and the new columns."""
    op.create_table(
        "ses_contact_list",
        *keys("team_id"),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("topics", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("pulled_at", sa.DateTime(), nullable=True),
        team_key("ses_contact_list"),
        primary_key("ses_contact_list", "team_id"),
    )
    # Plain ADD COLUMN (nullable): SQLite adds them without copying the table, which matters
    # for a contact table of a million rows.
    op.add_column("contact_list", sa.Column("ses_topic", sa.String(64), nullable=True))
    op.add_column("contact", sa.Column("unsubscribed_at", sa.DateTime(), nullable=True))
    op.add_column("contact", sa.Column("unsubscribe_source", sa.String(8), nullable=True))
    op.add_column("contact", sa.Column("ses_state", sa.String(3), nullable=True))
    op.add_column("account_status", sa.Column("mail_type", sa.String(16), nullable=True))
    op.add_column("broadcast", sa.Column("list_management_note", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Every table but the leases tells other desktops of its changes (see 0005).
        op.execute(
            'CREATE TRIGGER "ses_contact_list_notify" AFTER INSERT OR UPDATE OR DELETE ON '
            '"ses_contact_list" FOR EACH STATEMENT EXECUTE FUNCTION sesdesk_notify_change()'
        )


def downgrade() -> None:
    """Drop everything 0007 added."""
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_column("list_management_note")
    with op.batch_alter_table("account_status") as batch:
        batch.drop_column("mail_type")
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("ses_state")
        batch.drop_column("unsubscribe_source")
        batch.drop_column("unsubscribed_at")
    with op.batch_alter_table("contact_list") as batch:
        batch.drop_column("ses_topic")
    op.drop_table("ses_contact_list")
