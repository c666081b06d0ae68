"""Subscriptions, invoices and MRR movements: the revenue NRR and attribution read."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Timestamp,
    created_at,
    currency,
    id_column,
    metadata,
    minor,
    one_of,
    ref,
    updated_at,
)
from devfunnel.vocabulary import SUBSCRIPTION_STATUSES

subscriptions = sa.Table(
    "subscriptions", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False),
    #: Billing system id (Stripe subscription id), unique within ``source``.
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("plan", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    minor("mrr", nullable=False),
    currency(),
    sa.Column("quantity", sa.Integer, nullable=False, server_default="1"),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("current_period_end", Timestamp),
    sa.Column("canceled_at", Timestamp),
    created_at(),
    updated_at(),
    sa.UniqueConstraint("source", "external_id"),
    one_of("status", SUBSCRIPTION_STATUSES),
)  # fmt: skip

invoices = sa.Table(
    "invoices", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False),
    ref("subscription_id", "subscriptions", index=False),
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    minor("amount_due", nullable=False),
    minor("amount_paid", nullable=False),
    currency(),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("period_start", Timestamp),
    sa.Column("period_end", Timestamp),
    sa.Column("paid_at", Timestamp),
    created_at(),
    sa.UniqueConstraint("source", "external_id"),
)  # fmt: skip

mrr_movements = sa.Table(
    "mrr_movements", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False),
    ref("subscription_id", "subscriptions", index=False),
    #: new, expansion, contraction, churn, reactivation
    sa.Column("kind", sa.String(16), nullable=False),
    minor("mrr_delta", nullable=False),
    currency(),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("source_event", sa.String(128)),
    created_at(),
    one_of("kind", ("new", "expansion", "contraction", "churn", "reactivation")),
)  # fmt: skip
