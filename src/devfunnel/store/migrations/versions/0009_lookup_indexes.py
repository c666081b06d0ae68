"""Indexes for two lookups that read whole tables: events by batch, audit entries by entity.

Resolution and the scoring watermark read the events of a few new batches, and the
success model reads each deal's qualification history from the audit log by the deal's
id; without an index both scan the table. The events index exists on PostgreSQL only, as
the table's others do (see ``store/schema/columns.py``).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_audit_log_entity_id"), "audit_log", ["entity_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(op.f("ix_events_batch_id"), "events", ["batch_id"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(op.f("ix_events_batch_id"), table_name="events")
    op.drop_index(op.f("ix_audit_log_entity_id"), table_name="audit_log")
