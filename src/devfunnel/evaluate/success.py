"""Success-probability quality on the demo company's closed opportunities.

Every opportunity closed by the demo's ``as_of`` date is held out exactly once: the
opportunities are split into ``FOLDS`` folds by the CRC-32 of their external key (a split
that does not depend on the data), and each fold is predicted by a model trained, exactly as
``devfunnel model train`` trains, on the other folds only. Predictions are read as of each
opportunity's creation, the moment the demo's true win probability describes, and
compared in the same run with three references on the same opportunities:

- ``ceiling``: the true probability the demo drew the outcome from (``demo_truth``);
- ``stage_only``: the configured probability of the stage the opportunity was in at
  creation (what a CRM's stage-weighted pipeline assumes);
- ``naive_bayes``: a categorical naive-Bayes frequency model of the kind classic CRMs use,
  trained on the same training folds, over sales fields only: type, stage, segment,
  amount quartile, competitor named, economic buyer known.

The ceiling is the best AUC any model can expect; the target is an AUC within
``AUC_GAP`` of it and above both baselines.

A few hundred opportunities make every AUC uncertain by a couple of hundredths, so the
figures come with 95% intervals from a paired bootstrap (``INTERVAL_SAMPLES`` resamples of
the opportunities, the same resample for every reference, so the interval of the gap is the
gap's own, not two wide intervals subtracted). ``ceiling_expected`` is the ceiling's mean
AUC over outcomes drawn again from the true probabilities: how lucky this draw of outcomes
made the truth look (its own spread is about the bootstrap's).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.demo.truth import SCHEMA
from devfunnel.errors import Conflict, NotFound
from devfunnel.evaluate import success_bounds
from devfunnel.evaluate.auc import roc_auc
from devfunnel.scoring.success import training
from devfunnel.scoring.success.features import feature_names
from devfunnel.scoring.success.training import TrainingSet, fit_set, training_set
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunities

FOLDS = 5
AUC_GAP = 0.03
CALIBRATION_BINS = 10
#: Bootstrap resamples for the intervals, and outcome redraws for ``ceiling_expected``.
INTERVAL_SAMPLES = 1000
REDRAWS = 200
#: The sales fields the naive-Bayes baseline reads, as columns of the feature matrix.
NAIVE_BAYES_FIELDS = ("type_expansion", "type_renewal", "stage_probability",
                      "segment_mid_market", "segment_enterprise", "log_amount", "competitor",
                      "economic_buyer_known")  # fmt: skip


@dataclass
class SuccessQuality:
    auc: dict[str, float]
    brier: dict[str, float]
    calibration: list[dict[str, Any]]
    counts: dict[str, int]
    as_of: date
    targets: dict[str, bool] = field(default_factory=dict)
    #: 95% bootstrap intervals of each AUC and of the gap (ceiling minus model).
    intervals: dict[str, list[float]] = field(default_factory=dict)
    ceiling_expected: float | None = None
    #: Where the gap comes from (:mod:`devfunnel.evaluate.success_bounds`).
    bounds: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "auc": self.auc,
            "gap": round(self.auc["ceiling"] - self.auc["model"], 4),
            "auc_interval": self.intervals,
            "ceiling_expected": self.ceiling_expected,
            "bounds": self.bounds,
            "brier": self.brier["model"],
            "brier_references": {k: v for k, v in self.brier.items() if k != "model"},
            "calibration": self.calibration,
            "counts": self.counts,
            "as_of": self.as_of.isoformat(),
            "split": f"{FOLDS} folds by CRC-32 of the external key; features as of creation",
            "targets": self.targets,
        }


def evaluate_success(store: Store, settings: Settings) -> SuccessQuality:
    """Measure the model against the truth, the stage-only and the naive-Bayes baselines."""
    from sklearn.metrics import brier_score_loss

    as_of, truth = _truth(store)
    now = datetime.combine(as_of, time(), tzinfo=UTC)
    names = feature_names(settings)
    data = training_set(store, settings, now=now)
    closed = data.y[data.at_creation]
    won, lost = int(closed.sum()), int(len(closed) - closed.sum())
    least = training.MIN_EACH_OUTCOME
    if won < least or lost < least:
        raise Conflict(
            f"too few closed opportunities to evaluate the success model ({won} won, {lost} "
            f"lost; at least {least} of each): load a larger demo",
            won=won,
            lost=lost,
        )
    keys = _external_keys(store, sorted({m.opportunity_id for m in data.moments}))
    fold = np.asarray([zlib.crc32(keys[m.opportunity_id].encode()) % FOLDS for m in data.moments])
    first = data.at_creation
    model = _held_out(data, names, fold)
    bayes = np.full(len(data.y), np.nan)
    columns = [list(names).index(n) for n in NAIVE_BAYES_FIELDS]
    for k in range(FOLDS):
        train, test = fold != k, (fold == k) & first
        if test.any():
            bayes[test] = _naive_bayes(data.x[train & first][:, columns],
                                       data.y[train & first], data.x[test][:, columns])  # fmt: skip
    y = data.y[first]
    ceiling = np.asarray([truth[keys[m.opportunity_id]] for m in np.asarray(data.moments)[first]])
    predictions = {
        "model": model[first],
        "ceiling": ceiling,
        "stage_only": data.x[first][:, list(names).index("stage_probability")],
        "naive_bayes": bayes[first],
    }
    auc = {k: round(float(roc_auc(y, p)), 4) for k, p in predictions.items()}
    with store.read() as conn:
        hidden = success_bounds.hidden_inputs(conn, [keys[m.opportunity_id] for m in data.moments])
    told = success_bounds.told_hidden(data, names, hidden)
    told_hidden = _held_out(told[0], told[1], fold)[first]
    brier = {k: round(float(brier_score_loss(y, p)), 4) for k, p in predictions.items()}
    quality = SuccessQuality(
        auc=auc,
        brier=brier,
        calibration=_calibration(predictions["model"], ceiling, y),
        counts={
            "opportunities": int(first.sum()),
            "won": int(y.sum()),
            "lost": int(len(y) - y.sum()),
            "folds": FOLDS,
            "training_snapshots": len(data.moments),
        },
        as_of=as_of,
        intervals=_intervals(y, predictions),
        ceiling_expected=_expected_auc(ceiling),
        bounds=success_bounds.gap_sources(
            y=y,
            ceiling=ceiling,
            hidden=hidden[first],
            told_hidden=told_hidden,
            x=data.x[first],
            names=list(names),
            fold=fold[first],
            model_auc=auc["model"],
            intervals=_intervals,
        ),
    )
    quality.targets = {
        "auc_within_gap_of_ceiling": auc["ceiling"] - auc["model"] <= AUC_GAP,
        "auc_above_stage_only": auc["model"] > auc["stage_only"],
        "auc_above_naive_bayes": auc["model"] > auc["naive_bayes"],
    }
    return quality


def _held_out(data: TrainingSet, names: dict[str, str], fold: np.ndarray) -> np.ndarray:
    """Each opportunity's prediction at creation from a model trained, as ``devfunnel
    model train`` trains, on the other folds (NaN for every other snapshot)."""
    predicted = np.full(len(data.y), np.nan)
    for k in range(FOLDS):
        train, test = fold != k, (fold == k) & data.at_creation
        if test.any():
            predicted[test] = fit_set(data.subset(train), names).predict(data.x[test])
    return predicted


def _naive_bayes(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Categorical naive Bayes with Laplace smoothing over the sales fields; the amount
    (a log) is cut at the training quartiles, every other field is a category already."""
    from sklearn.naive_bayes import CategoricalNB

    amount = list(NAIVE_BAYES_FIELDS).index("log_amount")
    cuts = np.quantile(train[:, amount], [0.25, 0.5, 0.75])

    def encode(rows: np.ndarray) -> np.ndarray:
        out = np.zeros(rows.shape, dtype=int)
        for j in range(rows.shape[1]):
            if j == amount:
                out[:, j] = np.searchsorted(cuts, rows[:, j], side="right")
            else:
                values = sorted(set(train[:, j].tolist()))
                out[:, j] = [values.index(v) if v in values else len(values) for v in rows[:, j]]
        return out

    encoded = encode(train)
    sizes = [max(int(encoded[:, j].max()) + 2, 2) for j in range(encoded.shape[1])]
    sizes[amount] = 4
    bayes = CategoricalNB(alpha=1.0, min_categories=sizes)
    bayes.fit(encoded, y)
    return np.asarray(bayes.predict_proba(encode(test))[:, 1], dtype=float)


def _intervals(y: np.ndarray, predictions: dict[str, np.ndarray]) -> dict[str, list[float]]:
    """2.5th and 97.5th percentiles of each AUC and of the gap over paired resamples of
    the opportunities (seeded, so the same data gives the same intervals)."""
    rng = np.random.default_rng(0)
    samples: dict[str, list[float]] = {name: [] for name in [*predictions, "gap"]}
    for _ in range(INTERVAL_SAMPLES):
        pick = rng.integers(0, len(y), len(y))
        if y[pick].min() == y[pick].max():
            continue
        aucs = {k: float(roc_auc(y[pick], p[pick])) for k, p in predictions.items()}
        for name, value in aucs.items():
            samples[name].append(value)
        samples["gap"].append(aucs["ceiling"] - aucs["model"])
    return {
        name: [round(float(v), 4) for v in np.percentile(values, [2.5, 97.5])]
        for name, values in samples.items()
        if values
    }


def _expected_auc(true: np.ndarray) -> float:
    """Mean AUC of the true probabilities over outcomes drawn again from them (seeded)."""
    rng = np.random.default_rng(0)
    aucs = [
        float(roc_auc(drawn, true))
        for drawn in (rng.random((REDRAWS, len(true))) < true).astype(int)
        if 0 < drawn.sum() < len(drawn)
    ]
    return round(float(np.mean(aucs)), 4)


def _calibration(predicted: np.ndarray, true: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Per tenth of the predicted probability: how many, the mean prediction, the share
    actually won and the mean true probability."""
    bins = np.minimum((predicted * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    table = []
    for b in range(CALIBRATION_BINS):
        mask = bins == b
        if not mask.any():
            continue
        table.append(
            {
                "bin": f"{b / CALIBRATION_BINS:.1f}-{(b + 1) / CALIBRATION_BINS:.1f}",
                "count": int(mask.sum()),
                "predicted": round(float(predicted[mask].mean()), 4),
                "won": round(float(y[mask].mean()), 4),
                "true_probability": round(float(true[mask].mean()), 4),
            }
        )
    return table


def _truth(store: Store) -> tuple[date, dict[str, float]]:
    with store.read() as conn:
        if not sa.inspect(conn).has_table("opportunities", schema=SCHEMA):
            raise NotFound(
                f"{store.describe()} holds no demo ground truth; evaluate runs on "
                "a database loaded with `devfunnel demo`"
            )
        raw = conn.execute(sa.text(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'as_of'")).scalar()
        p_win = {
            str(key): float(value)
            for key, value in conn.execute(
                sa.text(f"SELECT external_key, p_win FROM {SCHEMA}.opportunities")
            )
        }
    return date.fromisoformat(str(raw).strip('"')), p_win


def _external_keys(store: Store, ids: list[Any]) -> dict[Any, str]:
    o = opportunities.c
    with store.read() as conn:
        rows = conn.execute(sa.select(o.id, o.external_key).where(o.external_key.isnot(None)))
        keys = {r.id: r.external_key for r in rows}
    missing = [i for i in ids if i not in keys]
    if missing:
        raise NotFound(f"opportunity {missing[0]} has no external key to match the truth by")
    return keys
