"""Scores: the account a person was scored under, the percentile behind a grade, and
keys of the bulk-replaced score tables on PostgreSQL only.

Revision ID: 0002
Revises: 0001

On DuckDB the three derived tables are recreated without primary keys (see
``store/schema/scores.py``); nothing wrote them before this revision, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON()


def _on_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _derived_tables(with_keys: bool, account_column: bool) -> None:
    """Create the three derived tables, with primary keys or without."""

    def key(*columns: str, name: str) -> list[sa.PrimaryKeyConstraint]:
        return [sa.PrimaryKeyConstraint(*columns, name=op.f(name))] if with_keys else []

    extra = [sa.Column("account_id", sa.Uuid(), nullable=True)] if account_column else []
    op.create_table(
        "person_scores",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        *extra,
        sa.Column("engagement", sa.Double(), nullable=False),
        sa.Column("journey_stage", sa.String(length=64), nullable=True),
        sa.Column("pql", sa.Boolean(), nullable=False),
        sa.Column("why", _JSON, nullable=False),
        sa.Column("computed_at", _TS, nullable=False),
        *key("person_id", name="pk_person_scores"),
    )
    op.create_table(
        "journey_transitions",
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("reached_at", _TS, nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=True),
        *key("subject_kind", "subject_id", "stage", name="pk_journey_transitions"),
    )
    op.create_table(
        "account_score_history",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("momentum", sa.Double(), nullable=False),
        sa.Column("fit", sa.Double(), nullable=False),
        sa.Column("active_developers", sa.Integer(), nullable=False),
        *key("account_id", "day", name="pk_account_score_history"),
    )


def _drop_derived() -> None:
    for table in ("person_scores", "journey_transitions", "account_score_history"):
        op.drop_table(table)


def upgrade() -> None:
    op.add_column("account_scores", sa.Column("percentile", sa.Double(), nullable=True))
    if _on_postgres():
        op.add_column("person_scores", sa.Column("account_id", sa.Uuid(), nullable=True))
        op.create_index(op.f("ix_person_scores_account_id"), "person_scores", ["account_id"])
    else:
        _drop_derived()
        _derived_tables(with_keys=False, account_column=True)


def downgrade() -> None:
    op.drop_column("account_scores", "percentile")
    if _on_postgres():
        op.drop_index(op.f("ix_person_scores_account_id"), table_name="person_scores")
        op.drop_column("person_scores", "account_id")
    else:
        _drop_derived()
        _derived_tables(with_keys=True, account_column=False)
