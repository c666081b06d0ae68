"""The evaluation splits the success model's gap to the ceiling into information the
features lack and the cost of learning from the deals there are."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from devfunnel.evaluate.auc import roc_auc
from devfunnel.evaluate.success import _intervals
from devfunnel.evaluate.success_bounds import HIDDEN, OBSERVED, TOLD, gap_sources, told_hidden
from devfunnel.scoring.success.features import OpportunityMoment
from devfunnel.scoring.success.training import TrainingSet

N = 800


def test_the_rank_auc_is_scikit_learns_ties_included() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.4).astype(int)
    scores = np.round(rng.random(300) + 0.3 * y, 1)  # few distinct values: many ties
    assert roc_auc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    with pytest.raises(ValueError, match="both outcomes"):
        roc_auc(np.ones(5, dtype=int), np.arange(5.0))
    with pytest.raises(ValueError, match="finite"):
        roc_auc(np.array([0, 1, 1]), np.array([0.1, np.nan, 0.3]))
    with pytest.raises(ValueError, match="0 and 1"):
        roc_auc(np.array([0, 2, 1]), np.array([0.1, 0.2, 0.3]))


def _world(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A win probability that is logistic in six hidden inputs and five observed ones."""
    hidden = rng.normal(size=(N, len(HIDDEN)))
    observed = np.column_stack(
        [rng.normal(size=N), *(rng.random((N, len(OBSERVED) - 1)) < 0.3).T.astype(float)]
    )
    log_odds = (
        0.3
        + hidden @ np.array([0.8, 1.2, 0.6, 0.9, 0.5, -0.7])
        + observed @ np.array([-0.4, 0.6, 1.0, 0.2, 0.3])
    )
    ceiling = 1 / (1 + np.exp(-log_odds))
    y = (rng.random(N) < ceiling).astype(int)
    return hidden, observed, ceiling, y


def _sources(
    x: np.ndarray,
    names: list[str],
    hidden: np.ndarray,
    ceiling: np.ndarray,
    y: np.ndarray,
    model_auc: float,
) -> dict[str, Any]:
    return gap_sources(
        y=y,
        ceiling=ceiling,
        hidden=hidden,
        told_hidden=ceiling,  # a model told everything ranks like the truth
        x=x,
        names=names,
        fold=np.arange(N) % 5,
        model_auc=model_auc,
        intervals=_intervals,
    )


def test_features_that_hold_the_truths_inputs_lack_no_information() -> None:
    rng = np.random.default_rng(7)
    hidden, observed, ceiling, y = _world(rng)
    names = [f"h{i}" for i in range(len(HIDDEN))] + list(OBSERVED)
    found = _sources(np.hstack([hidden, observed]), names, hidden, ceiling, y, 0.7)
    assert found["gap_parts"]["information"] == pytest.approx(0.0, abs=0.002)
    assert found["features_linear"]["expected_gap"] == pytest.approx(0.0, abs=0.002)
    # Learning eleven coefficients from 640 deals costs a little, never nothing.
    assert 0 < found["oracle"]["expected_gap"] < 0.02
    ceiling_auc = roc_auc(y, ceiling)
    assert found["told_hidden"]["gap"] == 0.0
    assert found["told_hidden"]["added"] == ["champion", "need"]
    assert found["gap_parts"]["information"] + found["gap_parts"]["learning"] == pytest.approx(
        ceiling_auc - 0.7, abs=1e-4
    )


def test_features_blind_to_the_hidden_inputs_lack_information() -> None:
    rng = np.random.default_rng(7)
    hidden, observed, ceiling, y = _world(rng)
    noise = rng.normal(size=hidden.shape)
    names = [f"n{i}" for i in range(len(HIDDEN))] + list(OBSERVED)
    found = _sources(np.hstack([noise, observed]), names, hidden, ceiling, y, 0.6)
    assert found["gap_parts"]["information"] > 0.1
    assert found["features_linear"]["expected_gap"] > 0.1
    low, high = found["features_linear"]["gap_interval"]
    assert 0.05 < low < high
    # The oracle sees the hidden inputs whatever the features are.
    assert found["oracle"]["expected_gap"] < 0.02


def test_the_model_is_told_the_champion_and_need_of_every_snapshot() -> None:
    rng = np.random.default_rng(3)
    moments = [OpportunityMoment(uuid.uuid4(), datetime(2026, 1, 1, tzinfo=UTC)) for _ in range(4)]
    x, hidden = rng.normal(size=(4, 2)), rng.random((4, len(HIDDEN)))
    data = TrainingSet(moments, x, np.array([1, 0, 1, 0]), np.array([True, False, True, True]))
    told, names = told_hidden(data, {"a": "A", "b": "B"}, hidden)
    assert list(names) == ["a", "b", "hidden_champion", "hidden_need"]
    assert names["hidden_need"] == TOLD["need"]
    np.testing.assert_array_equal(told.x[:, :2], x)
    np.testing.assert_array_equal(told.x[:, 2], hidden[:, HIDDEN.index("champion")])
    np.testing.assert_array_equal(told.x[:, 3], hidden[:, HIDDEN.index("need")])
    assert told.moments == moments
    assert (told.at_creation == data.at_creation).all()
