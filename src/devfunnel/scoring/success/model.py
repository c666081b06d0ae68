"""The estimator: a calibrated logistic regression whose predictions explain themselves.

Features are standardised, then a logistic regression is fitted inside scikit-learn's
``CalibratedClassifierCV`` (sigmoid calibration on out-of-fold predictions, folds by
opportunity so no deal's snapshots are on both sides, then one regression on all rows).
A linear model makes every prediction an exact sum: the calibrated log-odds of winning is
a baseline (the average opportunity) plus one signed contribution per feature, so "why"
is the features with the largest contributions, not an approximation. Everything is
deterministic: the same rows give the same model.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

#: Folds for calibration and for the cross-validated metrics.
FOLDS = 5
#: Inverse regularisation strengths of the logistic regression (on standardised features)
#: to choose from: the one whose out-of-fold predictions have the least log loss (folds by
#: opportunity). A few hundred closed deals over fifty-odd correlated features need firm
#: shrinkage, but how firm depends on how many deals there are and how much they say.
CS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
#: Contributions listed per prediction.
TOP = 5
#: The least (and 1 - the most) probability a prediction states.
FLOOR = 0.001


@dataclass(frozen=True)
class Contribution:
    """One feature's share of a prediction, in calibrated log-odds (positive: raises the
    chance of winning), and the feature's value (a count or amount, not its logarithm)."""

    feature: str
    label: str
    value: float
    contribution: float


@dataclass
class SuccessModel:
    """A fitted, calibrated model over named features."""

    features: list[str]
    labels: list[str]
    mean: np.ndarray
    scale: np.ndarray
    calibrated: Any

    @property
    def _regression(self) -> Any:
        return self.calibrated.calibrated_classifiers_[0].estimator

    @property
    def _slope(self) -> tuple[float, float]:
        """Platt scaling as calibrated log-odds = ``a * decision + b``."""
        sigmoid = self.calibrated.calibrated_classifiers_[0].calibrators[0]
        return -float(sigmoid.a_), -float(sigmoid.b_)

    def _standard(self, x: np.ndarray) -> np.ndarray:
        standard: np.ndarray = (np.asarray(x, dtype=float) - self.mean) / self.scale
        return standard

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of winning, one per row, kept within
        [``FLOOR``, 1 - ``FLOOR``]: no open deal is certain."""
        if len(x) == 0:
            return np.empty(0)
        with threadpool_limits(limits=1, user_api="blas"):
            p = np.asarray(self.calibrated.predict_proba(self._standard(x))[:, 1], dtype=float)
        bounded: np.ndarray = np.clip(p, FLOOR, 1 - FLOOR)
        return bounded

    def explain(self, x: np.ndarray, top: int = TOP) -> list[list[Contribution]]:
        """Per row, the ``top`` features by the size of their contribution, largest first.

        The contributions and the baseline (:meth:`baseline`) add up to the row's
        calibrated log-odds.
        """
        z = self._standard(x)
        a, _ = self._slope
        parts = a * z * self._regression.coef_[0]
        out = []
        for row, contributions in zip(np.asarray(x, dtype=float), parts, strict=True):
            order = sorted(range(len(self.features)), key=lambda j: (-abs(contributions[j]), j))
            out.append(
                [
                    Contribution(
                        self.features[j],
                        self.labels[j],
                        _shown(self.features[j], float(row[j])),
                        round(float(contributions[j]), 4),
                    )
                    for j in order[:top]
                    if contributions[j] != 0
                ]
            )
        return out

    def baseline(self) -> float:
        """Calibrated log-odds of an opportunity with every feature at its average."""
        a, b = self._slope
        return float(a * self._regression.intercept_[0] + b)

    def coefficients(self) -> dict[str, float]:
        """Per feature, calibrated log-odds per standard deviation."""
        a, _ = self._slope
        return {
            name: round(float(a * c), 4)
            for name, c in zip(self.features, self._regression.coef_[0], strict=True)
        }

    def dumps(self) -> bytes:
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        return buffer.getvalue()

    @staticmethod
    def loads(data: bytes) -> SuccessModel:
        import joblib

        model = joblib.load(io.BytesIO(data))
        if not isinstance(model, SuccessModel):
            raise TypeError("stored estimator is not a SuccessModel")
        return model


def _shown(feature: str, value: float) -> float:
    """The value as people count it: ``log_*`` features are ``log1p`` of a count or amount."""
    return round(float(np.expm1(value)) if feature.startswith("log_") else value, 4)


def standardisation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and standard deviation; a constant column keeps scale 1, so it
    standardises to zeros instead of dividing by zero."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def group_folds(
    groups: Sequence[Any], y: Sequence[int] | np.ndarray, folds: int = FOLDS
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Deterministic folds that keep each group (an opportunity's snapshots) together and
    hold about the same share of wins (fewer folds when one outcome is rare)."""
    from sklearn.model_selection import StratifiedGroupKFold

    order = np.arange(len(groups))
    codes = {g: i for i, g in enumerate(sorted({str(g) for g in groups}))}
    labels = np.asarray([codes[str(g)] for g in groups])
    outcome = np.asarray(y, dtype=int)
    rarest = min(len({labels[i] for i in order if outcome[i] == value}) for value in (0, 1))
    splitter = StratifiedGroupKFold(n_splits=max(2, min(folds, rarest, len(codes))))
    return [(order[tr], order[te]) for tr, te in splitter.split(order, outcome, groups=labels)]


def choose_c(x: np.ndarray, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The strength of :data:`CS` whose out-of-fold predictions have the least log loss
    (the first, the firmest, among equals)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    losses = []
    for c in CS:
        predicted = np.zeros(len(y))
        for train, test in folds:
            regression = LogisticRegression(C=c, max_iter=2000).fit(x[train], y[train])
            predicted[test] = regression.predict_proba(x[test])[:, 1]
        losses.append(log_loss(y, predicted, labels=[0, 1]))
    return CS[int(np.argmin(losses))]


def fit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    features: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[Any],
) -> SuccessModel:
    """Fit and calibrate on rows ``x`` (features in order) with outcomes ``y`` (1 won);
    ``groups`` names each row's opportunity, so folds keep an opportunity's rows together."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, dtype=float)
    mean, scale = standardisation(x)
    folds = group_folds(groups, y)
    standard, outcome = (x - mean) / scale, np.asarray(y, dtype=int)
    # A few thousand rows of a few dozen features: BLAS threads only wait on each other
    # (twenty times slower on two busy cores than one thread), and results are the same.
    with threadpool_limits(limits=1, user_api="blas"):
        calibrated = CalibratedClassifierCV(
            LogisticRegression(C=choose_c(standard, outcome, folds), max_iter=2000),
            method="sigmoid",
            cv=folds,
            ensemble=False,
        )
        calibrated.fit(standard, outcome)
    return SuccessModel(list(features), list(labels), mean, scale, calibrated)
