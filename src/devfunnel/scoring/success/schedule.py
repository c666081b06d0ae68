"""Keeping the success model fresh: retrain when it is old, then refresh what depends on it.

The worker calls :func:`retrain_if_due` on every pass; it acts at most once per
``scoring.success_model_retrain_hours`` (remembered in ``app_state``, so a failed or
skipped attempt also waits), refreshing technical validations, retraining on every
opportunity closed so far, and re-scoring open opportunities; a model trained on other
features than today's (after an upgrade, or a change of ICP rules or qualification
frameworks) is retrained on the next pass whatever its age. :func:`refresh_all` does the
same now, for ``devfunnel model train`` and the demo.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict
from devfunnel.pipeline import technical_validation
from devfunnel.scoring.success.features import feature_names, signal_moments
from devfunnel.scoring.success.predictions import open_moments, refresh_predictions
from devfunnel.scoring.success.signals import prefetched
from devfunnel.scoring.success.training import (
    ModelVersion,
    latest_version,
    train,
    training_moments,
)
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state

log = logging.getLogger(__name__)
STATE_KEY = "success.model"


def refresh_all(
    store: Store, settings: Settings, *, now: datetime | None = None, trained_by: str | None = None
) -> ModelVersion:
    """Refresh technical validations of open opportunities, train a model as of ``now``,
    and predict every open opportunity with it. Raises Conflict when there are too few
    closed opportunities to train on (the technical validations are refreshed anyway)."""
    now = now or datetime.now(UTC)
    # The three steps read developer signals for mostly the same moments (technical
    # validations and predictions both as of now): read them all in one query.
    moments = training_moments(store, now) + open_moments(store, now)
    with prefetched(store, settings, signal_moments(store, moments)):
        technical_validation.refresh(store, settings, now=now)
        try:
            version = train(store, settings, now=now, trained_by=trained_by)
        except Conflict as exc:
            _remember(store, settings, now, exc.detail)
            raise
        refresh_predictions(store, settings, version=version, now=now)
    _remember(store, settings, now, "trained")
    return version


def retrain_if_due(store: Store, settings: Settings, *, now: datetime | None = None) -> bool:
    """Run :func:`refresh_all` if the last attempt is older than the retrain interval, or
    the newest model was trained on other features; return whether a model was trained."""
    now = now or datetime.now(UTC)
    with store.read() as conn:
        state = conn.execute(
            sa.select(app_state.c.value).where(app_state.c.key == STATE_KEY)
        ).scalar()
        newest = latest_version(conn)
    last: dict[str, Any] = state if isinstance(state, dict) else {}
    every = timedelta(hours=settings.scoring.success_model_retrain_hours)
    # A model over other features (devfunnel upgraded, ICP rules or qualification
    # frameworks changed) cannot score anything: it is due at once, not at its interval,
    # unless an attempt over today's features was made already (and refused: then it waits
    # like any other, rather than retry on every pass).
    stale = (
        newest is not None
        and not newest.over_features(settings)
        and last.get("features") != list(feature_names(settings))
    )
    if not stale and "at" in last and now - datetime.fromisoformat(last["at"]) < every:
        return False
    try:
        refresh_all(store, settings, now=now, trained_by="worker")
    except Conflict as exc:
        log.info("success model not retrained: %s", exc.detail)
        return False
    return True


def _remember(store: Store, settings: Settings, now: datetime, outcome: str) -> None:
    """Note when the model was last (re)trained or tried, and over which features, so
    the worker waits."""
    value = {"at": now.isoformat(), "outcome": outcome, "features": list(feature_names(settings))}
    with store.transaction() as conn:
        conn.execute(app_state.delete().where(app_state.c.key == STATE_KEY))
        conn.execute(app_state.insert().values(key=STATE_KEY, value=value, updated_at=now))
