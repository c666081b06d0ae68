"""Scores: the account a person was scored under, and the percentile behind a grade.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("person_scores", sa.Column("account_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_person_scores_account_id"), "person_scores", ["account_id"])
    op.add_column("account_scores", sa.Column("percentile", sa.Double(), nullable=True))


def downgrade() -> None:
    op.drop_column("account_scores", "percentile")
    op.drop_index(op.f("ix_person_scores_account_id"), table_name="person_scores")
    op.drop_column("person_scores", "account_id")
