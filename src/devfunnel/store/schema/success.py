"""After the sale: health snapshots with their why, and customer feedback."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    Timestamp,
    created_at,
    id_column,
    metadata,
    one_of,
    ref,
    soft_ref,
    updated_at,
)

health_snapshots = sa.Table(
    "health_snapshots", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False, index=False),
    sa.Column("taken_on", sa.Date, nullable=False),
    #: 0-100 and its band (healthy, watch, at_risk).
    sa.Column("health", sa.Double, nullable=False),
    sa.Column("band", sa.String(16), nullable=False),
    #: Modelled probability of churn within 90 days.
    sa.Column("churn_risk", sa.Double),
    #: Each weighted component with its value and share: the why of the number.
    sa.Column("components", Json, nullable=False),
    sa.Column("expansion_signals", Json),
    created_at(),
    sa.UniqueConstraint("account_id", "taken_on"),
)  # fmt: skip

feedback_items = sa.Table(
    "feedback_items", metadata,
    id_column(),
    ref("account_id", "accounts"),
    soft_ref("person_id"),
    ref("feature_id", "features"),
    #: feature_request, bug, praise, complaint, question
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text),
    #: support, survey, call, community, github, sales
    sa.Column("source", sa.String(32), nullable=False),
    #: -1 (negative) to 1 (positive).
    sa.Column("sentiment", sa.Double),
    sa.Column("status", sa.String(16), nullable=False),
    #: When the outcome was told back to the account (the closed loop).
    sa.Column("closed_loop_at", Timestamp),
    sa.Column("reported_by", sa.Uuid),
    sa.Column("external_key", sa.String(160), unique=True),
    created_at(),
    updated_at(),
    one_of("kind", ("feature_request", "bug", "praise", "complaint", "question")),
    one_of("status", ("open", "planned", "in_progress", "shipped", "declined")),
)  # fmt: skip
