"""Scoring open opportunities with the newest model, and reading a prediction back.

Each open opportunity gets one row in ``success_predictions``: its probability of being won,
read from its features as of ``now``, and why (the features that contributed most, with
signed contributions in log-odds). Refreshing replaces every row: opportunities that
closed since lose theirs.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound
from devfunnel.scoring.success.features import OpportunityMoment, feature_matrix
from devfunnel.scoring.success.training import ModelVersion, latest_version
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunities
from devfunnel.store.schema.predictions import success_predictions


@dataclass(frozen=True)
class Prediction:
    """An opportunity's chance of being won, and why."""

    opportunity_id: uuid.UUID
    probability: float
    why: list[dict[str, Any]]
    model_id: uuid.UUID
    as_of: datetime
    predicted_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def refresh_predictions(
    store: Store,
    settings: Settings,
    *,
    version: ModelVersion | None = None,
    now: datetime | None = None,
) -> int:
    """Predict every open opportunity with ``version`` (default: the newest stored model);
    return how many were predicted. Raises NotFound when no model was ever trained."""
    now = now or datetime.now(UTC)
    if version is None or version.model is None:
        with store.read() as conn:
            version = latest_version(conn, with_model=True)
    if version is None or version.model is None:
        raise NotFound("no success model has been trained yet; run `devfunnel model train`")
    if not version.over_features(settings):
        raise Conflict(
            "the newest success model was trained on other features (the ICP rules or "
            "devfunnel's features changed); "
            "run `devfunnel model train`"
        )
    moments = open_moments(store, now)
    open_ids = [m.opportunity_id for m in moments]
    x = feature_matrix(store, settings, moments)
    probabilities = version.model.predict(x)
    reasons = version.model.explain(x)
    predicted_at = datetime.now(UTC)
    rows = [
        {
            "opportunity_id": opp_id,
            "model_id": version.id,
            "probability": round(float(p), 4),
            "why": [asdict(c) for c in why],
            "as_of": now,
            "predicted_at": predicted_at,
        }
        for opp_id, p, why in zip(open_ids, probabilities, reasons, strict=True)
    ]
    with store.transaction() as conn:
        conn.execute(success_predictions.delete())
        if rows:
            conn.execute(success_predictions.insert(), rows)
    return len(rows)


def open_moments(store: Store, now: datetime) -> list[OpportunityMoment]:
    """Every opportunity open and created by ``now``, as of ``now``: what a refresh
    predicts."""
    o = opportunities.c
    with store.read() as conn:
        open_ids = list(
            conn.execute(
                sa.select(o.id).where(o.status == "open", o.created_at <= now).order_by(o.id)
            ).scalars()
        )
    return [OpportunityMoment(i, now) for i in open_ids]


def prediction_for(conn: sa.Connection, opportunity_id: uuid.UUID) -> Prediction | None:
    """The stored prediction of an opportunity, if it has one."""
    p = success_predictions.c
    row = conn.execute(
        sa.select(success_predictions).where(p.opportunity_id == opportunity_id)
    ).first()
    if row is None:
        return None
    return Prediction(
        opportunity_id=row.opportunity_id,
        probability=float(row.probability),
        why=list(row.why),
        model_id=row.model_id,
        as_of=row.as_of,
        predicted_at=row.predicted_at,
    )
