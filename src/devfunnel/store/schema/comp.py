"""Quotas, versioned commission plans, who is on which plan, and the commission ledger."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    Timestamp,
    created_at,
    currency,
    id_column,
    metadata,
    minor,
    one_of,
    ref,
)

quotas = sa.Table(
    "quotas", metadata,
    id_column(),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    minor("amount", nullable=False),
    currency(),
    #: bookings (new + expansion), renewals, or total.
    sa.Column("measure", sa.String(16), nullable=False, server_default="bookings"),
    created_at(),
    sa.UniqueConstraint("user_id", "period_start", "measure"),
)  # fmt: skip

commission_plans = sa.Table(
    "commission_plans", metadata,
    id_column(),
    #: Plan id from configuration; each change of its definition is a new version, so
    #: commissions are always computed with the plan that was in force.
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", Json, nullable=False),
    sa.Column("effective_from", Timestamp, nullable=False),
    created_at(),
    sa.UniqueConstraint("key", "version"),
)  # fmt: skip

commission_assignments = sa.Table(
    "commission_assignments", metadata,
    id_column(),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("plan_key", sa.String(64), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date),
    created_at(),
)  # fmt: skip

commission_ledger = sa.Table(
    "commission_ledger", metadata,
    id_column(),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    ref("opportunity_id", "opportunities"),
    ref("plan_id", "commission_plans", index=False),
    sa.Column("period", sa.String(8), nullable=False),
    minor("credit", nullable=False),
    minor("commission", nullable=False),
    currency(),
    sa.Column("rate", sa.Double, nullable=False),
    #: earned, clawback, adjustment
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("explanation", Json),
    created_at(),
    one_of("kind", ("earned", "clawback", "adjustment")),
)  # fmt: skip
