"""What people keep in the dashboard itself: saved views of lists, and notes on accounts."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    created_at,
    id_column,
    metadata,
    ref,
    updated_at,
)

saved_views = sa.Table(
    "saved_views", metadata,
    id_column(),
    #: The user who saved it; only they change or delete it.
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    #: Which list it filters (``accounts`` today).
    sa.Column("page", sa.String(32), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    #: The list's filters as its query parameters: {"grade": "A", "stage": "build"}.
    sa.Column("filters", Json, nullable=False),
    sa.Column("sort", sa.String(32), nullable=False),
    #: Shown to the whole team too (read-only for everyone but its owner).
    sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()),
    created_at(),
    updated_at(),
    sa.UniqueConstraint("user_id", "page", "name"),
)  # fmt: skip

account_notes = sa.Table(
    "account_notes", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False),
    sa.Column("author_id", sa.Uuid, sa.ForeignKey("users.id")),
    #: Who wrote it, as the audit log names them (kept if the user is deactivated).
    sa.Column("author_label", sa.String(320)),
    sa.Column("body", sa.Text, nullable=False),
    created_at(),
    updated_at(),
)  # fmt: skip
