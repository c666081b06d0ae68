"""``devfunnel evaluate`` measures the success model against the demo's true win
probabilities, the stage-only and the naive-Bayes baselines, in one run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from devfunnel.cli.main import run
from devfunnel.config import Settings
from devfunnel.demo.load import load_demo
from devfunnel.errors import NotFound
from devfunnel.evaluate.success import _expected_auc, _intervals, evaluate_success
from devfunnel.scoring.success import training
from devfunnel.store import Store

REFERENCES = {"model", "ceiling", "stage_only", "naive_bayes"}


@pytest.fixture
def small_demo(store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Store:
    """60 accounts close about 25 opportunities: enough to exercise, not to judge."""
    monkeypatch.setattr(training, "MIN_EACH_OUTCOME", 2)
    load_demo(store, settings, seed=9, accounts=60, as_of=date(2026, 11, 1))
    return store


def test_the_model_and_three_references_are_measured_together(
    small_demo: Store, settings: Settings
) -> None:
    quality = evaluate_success(small_demo, settings).as_dict()
    assert set(quality["auc"]) == REFERENCES
    assert all(0 <= v <= 1 for v in quality["auc"].values())
    assert 0 <= quality["brier"] <= 1
    assert set(quality["brier_references"]) == REFERENCES - {"model"}
    counts = quality["counts"]
    assert counts["opportunities"] == counts["won"] + counts["lost"] > 10
    assert counts["training_snapshots"] >= counts["opportunities"]
    assert sum(row["count"] for row in quality["calibration"]) == counts["opportunities"]
    assert set(quality["targets"]) == {"auc_within_gap_of_ceiling", "auc_above_stage_only",
                                       "auc_above_naive_bayes"}  # fmt: skip
    # The demo is not easier for the model than for the truth.
    assert quality["auc"]["ceiling"] > 0.5
    # Every AUC comes with a bootstrap interval around it, the gap too.
    intervals = quality["auc_interval"]
    assert set(intervals) == REFERENCES | {"gap"}
    for name in REFERENCES:
        low, high = intervals[name]
        assert low <= quality["auc"][name] <= high
    assert quality["gap"] == pytest.approx(quality["auc"]["ceiling"] - quality["auc"]["model"])
    assert intervals["gap"][0] <= quality["gap"] <= intervals["gap"][1]
    assert 0.5 < quality["ceiling_expected"] < 1
    # Where the gap comes from: both references measured on the same opportunities.
    bounds = quality["bounds"]
    for name in ("oracle", "features_linear"):
        low, high = bounds[name]["auc_interval"]
        assert low <= bounds[name]["auc"] <= high
        assert -1 < bounds[name]["expected_gap"] < 1
    told = bounds["told_hidden"]
    assert told["added"] == ["champion", "need"]
    assert told["auc_interval"][0] <= told["auc"] <= told["auc_interval"][1]
    assert told["gap"] == pytest.approx(quality["auc"]["ceiling"] - told["auc"], abs=1e-4)
    parts = bounds["gap_parts"]
    assert parts["information"] + parts["learning"] == pytest.approx(quality["gap"], abs=2e-4)


def test_the_gap_interval_is_paired_and_the_expected_ceiling_is_the_truths_own() -> None:
    rng = np.random.default_rng(3)
    truth = rng.uniform(0.05, 0.95, 400)
    y = (rng.random(400) < truth).astype(int)
    noisy = truth + rng.normal(0, 0.3, 400)
    same = _intervals(y, {"model": truth, "ceiling": truth})
    # A model that predicts the truth has no gap in any resample...
    assert same["gap"] == [0.0, 0.0]
    assert same["model"][0] < same["model"][1]
    # ...and a noisier one loses AUC in (nearly) every resample.
    worse = _intervals(y, {"model": noisy, "ceiling": truth})
    assert 0 < worse["gap"][0] < worse["gap"][1]
    # Uniform probabilities rank outcomes drawn from them with an AUC near 0.79.
    assert _expected_auc(truth) == pytest.approx(0.79, abs=0.03)


def test_the_json_report_carries_the_success_model_keys(
    small_demo: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as ended:
        run(["evaluate", "--json", "--db", small_demo.url])
    assert not ended.value.code
    document = json.loads(capsys.readouterr().out)
    success = document["success_model"]
    for name in REFERENCES:
        assert isinstance(success["auc"][name], float)
    assert isinstance(success["brier"], float)
    assert success["calibration"]
    assert success["counts"]["opportunities"] > 10
    assert "precision" in document["identity"]


def test_evaluation_needs_ground_truth(store: Store, settings: Settings) -> None:
    with pytest.raises(NotFound, match="ground truth"):
        evaluate_success(store, settings)
