"""The column and constraint shapes the migrations repeat: integer keys, foreign keys and
primary keys named by the project's convention (`fk_<table>_<column>_<parent>`, `pk_<table>`).

FROZEN: every revision in versions/ builds its tables with these, and a revision must create
the same schema forever. Never change what a function here makes (names, types, nullability,
ON DELETE); a revision that needs something else gets a new function or writes it out.
"""

from __future__ import annotations

import sqlalchemy as sa


def keys(*names: str) -> list[sa.Column[int]]:
    """Integer NOT NULL columns, e.g. ``*keys("id", "team_id")`` (a row id and its owner)."""
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def foreign_key(
    table: str, column: str, parent: str, *, ondelete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    """`table.column` references `parent.id`; deleting the parent row deletes (or, with
    ``ondelete="SET NULL"``, clears) it."""
    return sa.ForeignKeyConstraint(
        [column], [f"{parent}.id"], name=f"fk_{table}_{column}_{parent}", ondelete=ondelete
    )


def team_key(table: str) -> sa.ForeignKeyConstraint:
    """`table.team_id` references `team.id`: the row goes when its team does."""
    return foreign_key(table, "team_id", "team")


def primary_key(table: str, column: str = "id") -> sa.PrimaryKeyConstraint:
    """`table`'s primary key, named `pk_<table>`."""
    return sa.PrimaryKeyConstraint(column, name=f"pk_{table}")
