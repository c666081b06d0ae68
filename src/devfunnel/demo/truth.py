"""The demo's ground truth, kept apart from the product's tables.

It lives in its own schema (``demo_truth``), is written only by the demo generator and is
read only by evaluation code (``devfunnel evaluate``): which identities are one person,
each person's true account, true win probabilities, true program effects, true churn
hazards. The product's services never import this module.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from devfunnel.store import Store

SCHEMA = "demo_truth"
truth_metadata = sa.MetaData(schema=SCHEMA)
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Ts = sa.DateTime(timezone=True)

accounts = sa.Table(
    "accounts", truth_metadata,
    sa.Column("ref", sa.String(16), primary_key=True),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("need", sa.Double, nullable=False),
    sa.Column("fit", sa.Double, nullable=False),
    sa.Column("in_crm", sa.Boolean, nullable=False),
    sa.Column("crm_key", sa.String(64)),
    sa.Column("churn_hazard", sa.Double, nullable=False),
    sa.Column("churned_at", Ts),
    sa.Column("subscribed", sa.Boolean, nullable=False),
)  # fmt: skip

people = sa.Table(
    "people", truth_metadata,
    sa.Column("ref", sa.String(16), primary_key=True),
    sa.Column("account_ref", sa.String(16)),
    sa.Column("persona", sa.String(16), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("engagement", sa.Double, nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("stage_dates", Json, nullable=False),
    sa.Column("quit_at", Ts),
    #: Kinds of signal handed to the product that name the person's account ("email",
    #: "group", "crm", "form", "github_profile"); empty when no data could tell it.
    sa.Column("account_evidence", Json),
)  # fmt: skip

identities = sa.Table(
    "identities", truth_metadata,
    #: Normalised "kind:value", exactly as the product keys identities.
    sa.Column("key", sa.String(560), primary_key=True),
    sa.Column("person_ref", sa.String(16), nullable=False),
)  # fmt: skip

opportunities = sa.Table(
    "opportunities", truth_metadata,
    sa.Column("external_key", sa.String(160), primary_key=True),
    sa.Column("account_ref", sa.String(16), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("p_win", sa.Double, nullable=False),
    sa.Column("won", sa.Boolean, nullable=False),
    sa.Column("closed_by_as_of", sa.Boolean, nullable=False),
    sa.Column("created_at", Ts, nullable=False),
    sa.Column("closes_at", Ts, nullable=False),
    sa.Column("latent", Json, nullable=False),
)  # fmt: skip

programs = sa.Table(
    "programs", truth_metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("team", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    #: How much a touch multiplies the hazard of the next journey stage for 45 days.
    sa.Column("effect", sa.Double, nullable=False),
    sa.Column("monthly_cost", sa.Integer, nullable=False),
)  # fmt: skip

meta = sa.Table(
    "meta", truth_metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", Json, nullable=False),
)  # fmt: skip

UNIQUE = {
    "accounts": ("ref",),
    "people": ("ref",),
    "identities": ("key",),
    "opportunities": ("external_key",),
    "programs": ("key",),
    "meta": ("key",),
}


def create(store: Store) -> None:
    """Create the truth schema (replacing any earlier truth)."""
    with store.transaction() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        truth_metadata.drop_all(conn)
        truth_metadata.create_all(conn)


def write(store: Store, conn: sa.Connection, name: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    from devfunnel.ingest.records.base import to_arrow

    table = truth_metadata.tables[f"{SCHEMA}.{name}"]
    store.append(conn, table, to_arrow(rows), unique_on=UNIQUE[name])


def exists(store: Store) -> bool:
    with store.read() as conn:
        return sa.inspect(conn).has_table("meta", schema=SCHEMA)
