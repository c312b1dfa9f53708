"""Production-access requests: what was submitted (or prepared for the console), and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sesdesk.models.migrations.columns import keys, primary_key, team_key

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the access_request table and its team index."""
    op.create_table(
        "access_request",
        *keys("id", "team_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("mail_type", sa.String(16), nullable=False),
        sa.Column("website_url", sa.String(1000), nullable=False),
        sa.Column("contact_language", sa.String(2), nullable=False),
        sa.Column("use_case_description", sa.Text(), nullable=False),
        sa.Column("additional_contacts", sa.JSON(), nullable=True),
        sa.Column("composer_answers", sa.JSON(), nullable=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("via IN ('api', 'console')", name="ck_access_request_via"),
        team_key("access_request"),
        primary_key("access_request"),
    )
    op.create_index("ix_access_request_team_id", "access_request", ["team_id"])


def downgrade() -> None:
    """Drop what 0002 created."""
    op.drop_index("ix_access_request_team_id", table_name="access_request")
    op.drop_table("access_request")
