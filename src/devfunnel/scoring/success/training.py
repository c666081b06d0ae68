"""Training the success-probability model on closed opportunities, and its versions.

Each closed opportunity (won or lost by ``now``) gives snapshots: at its creation, then
every ``SNAPSHOT_DAYS`` while it was still open (at most ``MAX_SNAPSHOTS``). Each snapshot's
features are read as of its own time and labelled with the final outcome, so the model
learns what an opportunity's chance looked like at any age from what was known at that
age, and can score open opportunities of any age. Every snapshot counts once: weighting
them by opportunity would tie the weights to the outcome (won deals stay open longer and
so have more snapshots) and bias the probabilities. A trained model is stored as a new row
of ``success_models``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict
from devfunnel.ids import new_id
from devfunnel.scoring.success import model as estimator
from devfunnel.scoring.success.features import (
    OpportunityMoment,
    feature_matrix,
    feature_names,
)
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunities
from devfunnel.store.schema.predictions import success_models

log = logging.getLogger(__name__)

SNAPSHOT_DAYS = 30
MAX_SNAPSHOTS = 6
#: Fewest won and fewest lost opportunities a model is trained on.
MIN_EACH_OUTCOME = 10
ALGORITHM = "logistic regression on standardised features, sigmoid-calibrated (scikit-learn)"


@dataclass
class TrainingSet:
    """Snapshots of closed opportunities: features and outcome (1 won)."""

    moments: list[OpportunityMoment]
    x: np.ndarray
    y: np.ndarray
    #: True for each opportunity's snapshot at creation.
    at_creation: np.ndarray

    @property
    def groups(self) -> list[uuid.UUID]:
        return [m.opportunity_id for m in self.moments]

    def subset(self, keep: np.ndarray) -> TrainingSet:
        return TrainingSet(
            [m for m, k in zip(self.moments, keep, strict=True) if k],
            self.x[keep],
            self.y[keep],
            self.at_creation[keep],
        )

    def counts(self) -> dict[str, int]:
        first = self.at_creation
        return {
            "opportunities": int(first.sum()),
            "won": int(self.y[first].sum()),
            "lost": int((1 - self.y[first]).sum()),
            "snapshots": len(self.moments),
        }


@dataclass
class ModelVersion:
    """A stored model: when and as of when it was trained, how good it is, and the model."""

    id: uuid.UUID
    trained_at: datetime
    as_of: datetime
    algorithm: str
    features: list[str]
    metrics: dict[str, Any]
    trained_by: str | None
    model: estimator.SuccessModel | None = field(default=None, repr=False)

    def over_features(self, settings: Settings) -> bool:
        """Whether it was trained on the features devfunnel builds today under these
        settings (an upgrade, or a change of ICP rules or frameworks, changes them): only
        then can it score anything."""
        return self.features == list(feature_names(settings))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "trained_at": self.trained_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "algorithm": self.algorithm,
            "features": self.features,
            "metrics": self.metrics,
            "trained_by": self.trained_by,
        }


def closed_outcomes(
    store: Store, now: datetime, *, only: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, tuple[datetime, datetime, bool]]:
    """Opportunities closed by ``now``: (created_at, closed_at, won)."""
    o = opportunities.c
    query = sa.select(o.id, o.created_at, o.closed_at, o.status).where(
        o.status.in_(["won", "lost"]), o.closed_at <= now, o.created_at < now
    )
    with store.read() as conn:
        rows = conn.execute(query.order_by(o.id)).all()
    return {
        r.id: (r.created_at, r.closed_at, r.status == "won")
        for r in rows
        if only is None or r.id in only
    }


def snapshots(created: datetime, closed: datetime, now: datetime) -> list[datetime]:
    """Creation, then every SNAPSHOT_DAYS while the opportunity was open (and by now)."""
    times = []
    for k in range(MAX_SNAPSHOTS):
        at = created + timedelta(days=SNAPSHOT_DAYS * k)
        if k and (at >= closed or at > now):
            break
        times.append(at)
    return times


def training_set(
    store: Store,
    settings: Settings,
    *,
    now: datetime,
    only: Collection[uuid.UUID] | None = None,
) -> TrainingSet:
    """Snapshots and features of every opportunity closed by ``now`` (or of ``only``)."""
    moments, y, first = _snapshot_rows(store, now, only)
    return TrainingSet(
        moments,
        feature_matrix(store, settings, moments),
        np.asarray(y, dtype=int),
        np.asarray(first, dtype=bool),
    )


def training_moments(store: Store, now: datetime) -> list[OpportunityMoment]:
    """The snapshots :func:`train` will read features at (to read signals ahead)."""
    return _snapshot_rows(store, now, None)[0]


def _snapshot_rows(
    store: Store, now: datetime, only: Collection[uuid.UUID] | None
) -> tuple[list[OpportunityMoment], list[int], list[bool]]:
    """Every snapshot, its outcome (1 won), and whether it is the one at creation."""
    moments, y, first = [], [], []
    for opp_id, (created, closed, won) in closed_outcomes(store, now, only=only).items():
        for k, at in enumerate(snapshots(created, closed, now)):
            moments.append(OpportunityMoment(opp_id, at))
            y.append(int(won))
            first.append(k == 0)
    return moments, y, first


def fit_set(data: TrainingSet, names: dict[str, str]) -> estimator.SuccessModel:
    """Fit the model on a training set; refuses one with too few of either outcome."""
    counts = data.counts()
    if counts["won"] < MIN_EACH_OUTCOME or counts["lost"] < MIN_EACH_OUTCOME:
        raise Conflict(
            f"not enough closed opportunities to train on: {counts['won']} won and "
            f"{counts['lost']} lost; at least {MIN_EACH_OUTCOME} of each are needed",
            **counts,
        )
    return _fit(data, names)


def _fit(data: TrainingSet, names: dict[str, str]) -> estimator.SuccessModel:
    return estimator.fit(
        data.x,
        data.y,
        features=list(names),
        labels=list(names.values()),
        groups=data.groups,
    )


def cross_validated(data: TrainingSet, names: dict[str, str]) -> dict[str, Any]:
    """AUC and Brier score of out-of-fold predictions (folds by opportunity), over every
    snapshot and over the snapshots at creation."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    predicted = np.zeros(len(data.y))
    for train, test in estimator.group_folds(data.groups, data.y):
        keep = np.zeros(len(data.y), dtype=bool)
        keep[train] = True
        predicted[test] = _fit(data.subset(keep), names).predict(data.x[test])
    first = data.at_creation
    return {
        "auc": round(float(roc_auc_score(data.y, predicted)), 4),
        "brier": round(float(brier_score_loss(data.y, predicted)), 4),
        "auc_at_creation": round(float(roc_auc_score(data.y[first], predicted[first])), 4),
        "brier_at_creation": round(float(brier_score_loss(data.y[first], predicted[first])), 4),
    }


def train(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    trained_by: str | None = None,
) -> ModelVersion:
    """Train on every opportunity closed by ``now``, store the new version, return it.

    Raises Conflict when there are too few won or lost opportunities to learn from.
    """
    now = now or datetime.now(UTC)
    data = training_set(store, settings, now=now)
    names = feature_names(settings)
    fitted = fit_set(data, names)
    quality = cross_validated(data, names)
    metrics: dict[str, Any] = {
        **data.counts(),
        "cross_validated": quality,
        "coefficients": fitted.coefficients(),
        "baseline_log_odds": round(fitted.baseline(), 4),
        "snapshot_days": SNAPSHOT_DAYS,
    }
    version = ModelVersion(
        id=new_id(),
        trained_at=datetime.now(UTC),
        as_of=now,
        algorithm=ALGORITHM,
        features=list(names),
        metrics=metrics,
        trained_by=trained_by,
        model=fitted,
    )
    with store.transaction() as conn:
        conn.execute(
            success_models.insert().values(
                id=version.id,
                trained_at=version.trained_at,
                as_of=version.as_of,
                algorithm=version.algorithm,
                features=version.features,
                metrics=version.metrics,
                estimator=fitted.dumps(),
                trained_by=trained_by,
            )
        )
    log.info(
        "trained success model %s on %d opportunities (cross-validated AUC at creation %.3f)",
        version.id,
        metrics["opportunities"],
        quality["auc_at_creation"],
    )
    return version


def latest_version(conn: sa.Connection, *, with_model: bool = False) -> ModelVersion | None:
    """The newest stored model version (with its estimator when asked)."""
    m = success_models.c
    columns = [m.id, m.trained_at, m.as_of, m.algorithm, m.features, m.metrics, m.trained_by]
    if with_model:
        columns.append(m.estimator)
    row = conn.execute(
        sa.select(*columns).order_by(m.trained_at.desc(), m.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return ModelVersion(
        id=row.id,
        trained_at=row.trained_at,
        as_of=row.as_of,
        algorithm=row.algorithm,
        features=list(row.features),
        metrics=dict(row.metrics),
        trained_by=row.trained_by,
        model=estimator.SuccessModel.loads(row.estimator) if with_model else None,
    )
