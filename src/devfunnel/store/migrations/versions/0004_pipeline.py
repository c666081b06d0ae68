"""Pipeline: routing facts on leads, commitments on opportunities, send facts on handoffs.

- ``leads.routed_team``, ``leads.routing_reason``: which team a lead was routed to and why,
  beside ``routed_by`` (the rule that fired); ``leads.escalated_to``: the manager an SLA
  breach was escalated to.
- ``opportunities.commitments``: what was promised to the customer while selling, carried
  into onboarding and success handoff packets.
- ``handoffs.sent_at`` (when the receiver's clock started: creation, or the last re-send
  after a return), ``handoffs.trigger`` (manual, pqa, won) and ``handoffs.created_by``.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("leads", sa.Column("routed_team", sa.String(length=64), nullable=True))
    op.add_column("leads", sa.Column("routing_reason", sa.Text(), nullable=True))
    op.add_column("leads", sa.Column("escalated_to", sa.Uuid(), nullable=True))
    op.add_column("opportunities", sa.Column("commitments", JSON, nullable=True))
    op.add_column("handoffs", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("handoffs", sa.Column("trigger", sa.String(length=32), nullable=True))
    op.add_column("handoffs", sa.Column("created_by", sa.Uuid(), nullable=True))


def downgrade() -> None:
    for table, column in (
        ("handoffs", "created_by"), ("handoffs", "trigger"), ("handoffs", "sent_at"),
        ("opportunities", "commitments"), ("leads", "escalated_to"),
        ("leads", "routing_reason"), ("leads", "routed_team"),
    ):  # fmt: skip
        op.drop_column(table, column)
