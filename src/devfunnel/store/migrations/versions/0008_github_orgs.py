"""GitHub organisations, for reading the ``@org`` people name as their employer.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "github_orgs",
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("github_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("profile_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_github_orgs")),
    )
    op.create_index(op.f("ix_github_orgs_domain"), "github_orgs", ["domain"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_github_orgs_domain"), table_name="github_orgs")
    op.drop_table("github_orgs")
