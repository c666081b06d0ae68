"""The estimator on a synthetic set whose signal is known: it ranks, it is calibrated, it
explains itself, it is deterministic and it survives storage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from devfunnel.scoring.success import model

NAMES = ["strong", "against", "weak", "noise"]
LABELS = ["strong signal", "signal against", "weak signal", "noise"]


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows whose true log-odds are 1.6*strong - 1.0*against + 0.4*weak (noise unused)."""
    g = np.random.default_rng(seed)
    x = g.normal(size=(n, 4)) * [1.0, 2.0, 1.0, 3.0] + [0, 5, 0, 10]
    logit = 1.6 * x[:, 0] - 1.0 * (x[:, 1] - 5) / 2 + 0.4 * x[:, 2]
    p = 1 / (1 + np.exp(-logit))
    return x, (g.random(n) < p).astype(int), p


@pytest.fixture(scope="module")
def fitted() -> model.SuccessModel:
    x, y, _ = synthetic(1200, seed=1)
    return model.fit(x, y, features=NAMES, labels=LABELS, groups=list(range(len(y))))


def test_it_ranks_new_rows_close_to_the_truth(fitted: model.SuccessModel) -> None:
    x, y, p = synthetic(2000, seed=2)
    predicted = fitted.predict(x)
    assert roc_auc_score(y, predicted) > 0.8
    assert roc_auc_score(y, predicted) > roc_auc_score(y, p) - 0.02
    assert np.corrcoef(predicted, p)[0, 1] > 0.95


def test_probabilities_are_calibrated_and_bounded(fitted: model.SuccessModel) -> None:
    x, y, _ = synthetic(4000, seed=3)
    predicted = fitted.predict(x)
    assert ((predicted > 0) & (predicted < 1)).all()
    for low in (0.1, 0.3, 0.5, 0.7):
        band = (predicted >= low) & (predicted < low + 0.2)
        assert abs(predicted[band].mean() - y[band].mean()) < 0.06


def test_explanations_are_signed_ordered_and_add_up(fitted: model.SuccessModel) -> None:
    x = np.asarray([[2.5, 5.0, 0.0, 10.0], [0.0, 11.0, 0.1, 10.0]])
    first, second = fitted.explain(x, top=3)
    assert (first[0].feature, first[0].label) == ("strong", "strong signal")
    assert first[0].contribution > 0
    assert second[0].feature == "against"
    assert second[0].contribution < 0
    for why in (first, second):
        sizes = [abs(c.contribution) for c in why]
        assert sizes == sorted(sizes, reverse=True)
    everything = fitted.explain(x, top=len(NAMES))
    for row, why, p in zip(x, everything, fitted.predict(x), strict=True):
        assert why[0].value == pytest.approx(row[NAMES.index(why[0].feature)], abs=1e-3)
        total = fitted.baseline() + sum(c.contribution for c in why)
        assert total == pytest.approx(math.log(p / (1 - p)), abs=1e-3)
        assert model.FLOOR < p < 1 - model.FLOOR


def test_the_noise_feature_matters_least(fitted: model.SuccessModel) -> None:
    weights = fitted.coefficients()
    assert abs(weights["noise"]) < min(abs(weights[n]) for n in ("strong", "against", "weak"))
    assert weights["strong"] > 0 > weights["against"]


def test_training_is_deterministic_and_storage_round_trips(fitted: model.SuccessModel) -> None:
    x, y, _ = synthetic(1200, seed=1)
    again = model.fit(x, y, features=NAMES, labels=LABELS, groups=list(range(len(y))))
    probe, _, _ = synthetic(50, seed=4)
    assert np.array_equal(again.predict(probe), fitted.predict(probe))
    loaded = model.SuccessModel.loads(fitted.dumps())
    assert np.array_equal(loaded.predict(probe), fitted.predict(probe))
    assert loaded.explain(probe[:1]) == fitted.explain(probe[:1])


def test_folds_keep_each_group_together() -> None:
    groups = [g for g in "abcdefghij" for _ in range(3)]
    outcomes = [i % 2 for i, g in enumerate("abcdefghij") for _ in range(3)]
    folds = model.group_folds(groups, outcomes)
    assert len(folds) == model.FOLDS
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert {outcomes[i] for i in test} == {0, 1}
    assert sorted(i for _, test in folds for i in test) == list(range(len(groups)))


def test_explanations_show_counts_not_their_logarithms() -> None:
    assert model._shown("log_amount", math.log1p(40_000)) == pytest.approx(40_000)
    assert model._shown("stage_probability", 0.25) == 0.25
