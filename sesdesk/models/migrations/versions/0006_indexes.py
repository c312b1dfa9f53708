"""Indexes for big stores: contact counts and pages per list, history newest first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the indexes the list pages, list counts and the history query walk."""
    # Counting a list's contacts per status reads this index alone (no table rows).
    op.create_index("ix_contact_list_id_status", "contact", ["list_id", "status"])
    # A page of a list in the order it was added: a range of this index, never a sort.
    op.create_index("ix_contact_list_id_id", "contact", ["list_id", "id"])
    # Newest first with the id as tie-breaker, as the history card orders it.
    op.drop_index("ix_status_event_team_id_at", table_name="status_event")
    op.create_index("ix_status_event_team_id_at_id", "status_event", ["team_id", "at", "id"])


def downgrade() -> None:
    """Back to the 0005 indexes."""
    op.drop_index("ix_status_event_team_id_at_id", table_name="status_event")
    op.create_index("ix_status_event_team_id_at", "status_event", ["team_id", "at"])
    op.drop_index("ix_contact_list_id_id", table_name="contact")
    op.drop_index("ix_contact_list_id_status", table_name="contact")
