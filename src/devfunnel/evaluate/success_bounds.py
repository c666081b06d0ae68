"""Where the success model's distance to the ceiling comes from, measured in the same run.

The gap between the model and the true probabilities has two sources, and they call for
different work: information the product's features do not carry (no amount of data closes
it) and the cost of learning from a few hundred closed deals (more deals close it). Two
references on the same held-out opportunities and folds estimate them:

- ``features_linear``: the true log-odds fitted by ridge regression on the product's own
  features at creation, cross-fitted over the same folds. It needs no outcomes, so it
  estimates what a linear model of these features reaches with unlimited deals; what it
  loses to the ceiling estimates the information they lack (``gap_parts.information``,
  and the model's remaining distance to it is ``gap_parts.learning``).
- ``oracle``: a logistic regression trained on the same training folds, at creation, on
  the very inputs the demo's win probability is a function of (builders, the champion's
  strength, an economic buyer, the account's hidden need and fit, the amount, a competitor,
  type and segment). It sees what decided each outcome, so what it loses is what learning
  from this many deals costs even with the true inputs: a lower bound on the model's own
  cost of learning, which has noisier inputs and more of them to weigh.

A third reference asks what is left once the information is there:

- ``told_hidden``: the model itself, trained exactly as evaluated (every snapshot, the
  same folds and shrinkage), with the two hidden inputs the features carry least of
  (:data:`TOLD`: the champion's strength and the account's need) added as two more
  features. Its gap is what learning costs at this number of deals and features once
  the two biggest holes in the information are filled; no product could close it by
  measuring better, only by having more deals to learn from.

Each realised AUC carries the luck of one draw of outcomes, so each reference also states
its expected gap to the ceiling over ``REDRAWS`` outcome draws from the true probabilities
(``expected_gap``; the oracle is retrained on every draw). With 50 draws it is good to
about 0.002. The two gaps do not strictly add up, so they bound what is left of a target
rather than split it exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import sqlalchemy as sa

from devfunnel.demo.truth import SCHEMA
from devfunnel.errors import NotFound
from devfunnel.evaluate.auc import roc_auc
from devfunnel.scoring.success.model import standardisation
from devfunnel.scoring.success.training import TrainingSet

#: Outcome redraws for the expected gaps (the oracle is refitted on each).
REDRAWS = 50
#: Hidden inputs of the demo's win probability (``demo.sales.win_probability``), as read
#: from the truth; the amount, type and segment come from the features, which hold them
#: exactly.
HIDDEN = ("builders", "champion", "economic_buyer", "need", "fit", "competitor")
OBSERVED = ("log_amount", "type_expansion", "type_renewal", "segment_mid_market",
            "segment_enterprise")  # fmt: skip
#: The hidden inputs ``told_hidden`` adds to the model's features, with their labels:
#: the two the product's features explain least of (their fit from the features leaves
#: the most of the true log-odds unexplained).
TOLD = {"champion": "the demo's hidden champion strength", "need": "the demo's hidden need"}
#: Builders count in the win probability up to this many.
MOST_BUILDERS = 6
#: The evaluation's paired bootstrap: outcomes and named predictions to 95% intervals.
Intervals = Callable[[np.ndarray, dict[str, np.ndarray]], dict[str, list[float]]]
#: Ridge penalties to choose from for the features' fit of the true log-odds.
ALPHAS = tuple(float(a) for a in np.logspace(-2, 3, 16))


def hidden_inputs(conn: sa.Connection, keys: list[str]) -> np.ndarray:
    """The demo's hidden inputs (:data:`HIDDEN`) of each opportunity, by external key."""
    rows = conn.execute(
        sa.text(
            f"SELECT o.external_key, o.latent, a.need, a.fit FROM {SCHEMA}.opportunities o "
            f"JOIN {SCHEMA}.accounts a ON a.ref = o.account_ref"
        )
    )
    found: dict[str, list[float]] = {}
    for key, latent, need, fit in rows:
        values = json.loads(latent) if isinstance(latent, str) else latent
        found[str(key)] = [
            min(float(values["builders"]), MOST_BUILDERS),
            float(values["champion"]),
            float(values["economic_buyer"]),
            float(need),
            float(fit),
            float(values["competitor"]),
        ]
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound(f"opportunity {missing[0]} has no hidden inputs in the demo's truth")
    return np.asarray([found[k] for k in keys], dtype=float).reshape(len(keys), len(HIDDEN))


def told_hidden(
    data: TrainingSet, names: dict[str, str], hidden: np.ndarray
) -> tuple[TrainingSet, dict[str, str]]:
    """The training set with :data:`TOLD` added to every snapshot's features (``hidden``:
    one row of :data:`HIDDEN` per snapshot), and the feature names to train it with."""
    told = hidden[:, [HIDDEN.index(n) for n in TOLD]]
    extended = TrainingSet(data.moments, np.hstack([data.x, told]), data.y, data.at_creation)
    return extended, {**names, **{f"hidden_{n}": label for n, label in TOLD.items()}}


def gap_sources(
    *,
    y: np.ndarray,
    ceiling: np.ndarray,
    hidden: np.ndarray,
    told_hidden: np.ndarray,
    x: np.ndarray,
    names: list[str],
    fold: np.ndarray,
    model_auc: float,
    intervals: Intervals,
) -> dict[str, Any]:
    """The references, their AUCs with paired intervals (``intervals``, the evaluation's
    own bootstrap), the expected gaps of the first two, and the model's realised gap split
    into missing information and learning. ``told_hidden`` holds the held-out predictions
    of the model trained with :data:`TOLD` (:func:`told_hidden`)."""
    observed = x[:, [names.index(n) for n in OBSERVED]]
    oracle_inputs = np.hstack([hidden, observed])
    oracle = _cross_fitted(oracle_inputs, y, fold, _logistic)
    bounded = np.clip(ceiling, 1e-9, 1 - 1e-9)
    log_odds = np.log(bounded / (1 - bounded))
    linear = _cross_fitted(x, log_odds, fold, _ridge)
    auc_ceiling = float(roc_auc(y, ceiling))
    out: dict[str, Any] = {}
    references = {"oracle": oracle, "features_linear": linear, "told_hidden": told_hidden}
    for name, predicted in references.items():
        spread = intervals(y, {"model": predicted, "ceiling": ceiling})
        out[name] = {
            "auc": round(float(roc_auc(y, predicted)), 4),
            "auc_interval": spread["model"],
            "gap_interval": spread["gap"],
        }
    rng = np.random.default_rng(0)
    oracle_gaps, linear_gaps = [], []
    for _ in range(REDRAWS):
        drawn = (rng.random(len(ceiling)) < ceiling).astype(int)
        if drawn.min() == drawn.max():
            continue
        truth = float(roc_auc(drawn, ceiling))
        refit = _cross_fitted(oracle_inputs, drawn, fold, _logistic)
        oracle_gaps.append(truth - float(roc_auc(drawn, refit)))
        linear_gaps.append(truth - float(roc_auc(drawn, linear)))
    out["oracle"]["expected_gap"] = _mean(oracle_gaps)
    out["features_linear"]["expected_gap"] = _mean(linear_gaps)
    out["oracle"]["inputs"] = [*HIDDEN, *OBSERVED]
    out["told_hidden"]["gap"] = round(auc_ceiling - out["told_hidden"]["auc"], 4)
    out["told_hidden"]["added"] = list(TOLD)
    out["gap_parts"] = {
        "information": round(auc_ceiling - out["features_linear"]["auc"], 4),
        "learning": round(out["features_linear"]["auc"] - model_auc, 4),
    }
    return out


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def _cross_fitted(x: np.ndarray, target: np.ndarray, fold: np.ndarray, fit: Any) -> np.ndarray:
    """Each fold's predictions from a fit on the other folds."""
    predicted = np.zeros(len(target))
    for k in np.unique(fold):
        train, test = fold != k, fold == k
        predicted[test] = fit(x[train], target[train], x[test])
    return predicted


def _standardised(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = standardisation(train)
    return (train - mean) / scale, (test - mean) / scale


def _logistic(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Barely penalised: with a dozen inputs that are the true function's own, shrinkage
    has nothing to protect against."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:  # a tiny demo's fold may hold one outcome only
        return np.full(len(test), float(np.mean(y)))
    a, b = _standardised(train, test)
    fitted = LogisticRegression(C=1.0, max_iter=2000).fit(a, y)
    return np.asarray(fitted.predict_proba(b)[:, 1], dtype=float)


def _ridge(train: np.ndarray, target: np.ndarray, test: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import RidgeCV

    a, b = _standardised(train, test)
    return np.asarray(RidgeCV(alphas=ALPHAS).fit(a, target).predict(b), dtype=float)
