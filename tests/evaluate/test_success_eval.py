"""``devfunnel evaluate`` measures the success model against the demo's true win
probabilities, the stage-only and the naive-Bayes baselines, in one run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from devfunnel.cli.main import run
from devfunnel.config import Settings
from devfunnel.demo.load import load_demo
from devfunnel.errors import NotFound
from devfunnel.evaluate.success import evaluate_success
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
