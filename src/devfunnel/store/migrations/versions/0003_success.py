"""Success probability and technical fit reasons: model versions, predictions, and the
why and source of each technical validation.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # DuckDB adds columns only without constraints, so both are nullable.
    op.add_column("technical_validations", sa.Column("fit_reasons", JSON, nullable=True))
    op.add_column(
        "technical_validations",
        sa.Column("source", sa.String(length=16), server_default="derived", nullable=True),
    )
    op.create_table(
        "success_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("algorithm", sa.String(length=200), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("estimator", sa.LargeBinary(), nullable=False),
        sa.Column("trained_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_models")),
    )
    op.create_index(
        op.f("ix_success_models_trained_at"), "success_models", ["trained_at"], unique=False
    )
    op.create_table(
        "success_predictions",
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("why", JSON, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predicted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["success_models.id"],
            name=op.f("fk_success_predictions_model_id_success_models"),
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_success_predictions_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("opportunity_id", name=op.f("pk_success_predictions")),
    )
    op.create_index(
        op.f("ix_success_predictions_model_id"), "success_predictions", ["model_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_success_predictions_model_id"), table_name="success_predictions")
    op.drop_table("success_predictions")
    op.drop_index(op.f("ix_success_models_trained_at"), table_name="success_models")
    op.drop_table("success_models")
    op.drop_column("technical_validations", "source")
    op.drop_column("technical_validations", "fit_reasons")
