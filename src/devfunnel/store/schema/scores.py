"""Derived scores and journey positions; recomputed from events, never edited by hand.

``person_scores``, ``journey_transitions`` and ``account_score_history`` are replaced in
bulk on every recompute, so like ``events`` they keep their keys and indexes on
PostgreSQL only: on DuckDB each ART index made deleting the previous rows take seconds
per table. The recompute keeps them unique itself (it deletes its scope before writing).
"""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    Timestamp,
    keys_and_indexes_on_postgresql_only,
    metadata,
)

person_scores = sa.Table(
    "person_scores", metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    #: The person's account when scored, so a move to another account rescores both.
    sa.Column("account_id", sa.Uuid, index=True),
    sa.Column("engagement", sa.Double, nullable=False),
    sa.Column("journey_stage", sa.String(64)),
    sa.Column("pql", sa.Boolean, nullable=False),
    #: Top contributing signals with their share of the score.
    sa.Column("why", Json, nullable=False),
    sa.Column("computed_at", Timestamp, nullable=False),
)  # fmt: skip

account_scores = sa.Table(
    "account_scores", metadata,
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("momentum", sa.Double, nullable=False),
    sa.Column("fit", sa.Double, nullable=False),
    sa.Column("grade", sa.String(1), nullable=False),
    #: Share of the peer group with momentum at or below this account's (the grade's basis).
    sa.Column("percentile", sa.Double),
    sa.Column("journey_stage", sa.String(64)),
    sa.Column("active_developers", sa.Integer, nullable=False),
    sa.Column("pqa", sa.Boolean, nullable=False),
    sa.Column("pqa_since", Timestamp),
    sa.Column("why", Json, nullable=False),
    sa.Column("computed_at", Timestamp, nullable=False),
)  # fmt: skip

account_score_history = sa.Table(
    "account_score_history", metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("momentum", sa.Double, nullable=False),
    sa.Column("fit", sa.Double, nullable=False),
    sa.Column("active_developers", sa.Integer, nullable=False),
)  # fmt: skip

journey_transitions = sa.Table(
    "journey_transitions", metadata,
    #: person or account
    sa.Column("subject_kind", sa.String(8), primary_key=True),
    sa.Column("subject_id", sa.Uuid, primary_key=True),
    sa.Column("stage", sa.String(64), primary_key=True),
    sa.Column("reached_at", Timestamp, nullable=False),
    #: The milestone that was met first.
    sa.Column("milestone", sa.String(64)),
)  # fmt: skip

for _derived in (person_scores, journey_transitions, account_score_history):
    keys_and_indexes_on_postgresql_only(_derived)
