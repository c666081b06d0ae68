"""``devfunnel evaluate`` measures identity quality against the demo's truth."""

from __future__ import annotations

from datetime import date

import pytest

from devfunnel.config import Settings
from devfunnel.demo.load import load_demo
from devfunnel.errors import NotFound
from devfunnel.evaluate.identity import evaluate_identity
from devfunnel.store import Store


def test_evaluation_reports_bounded_figures_on_a_demo(store: Store, settings: Settings) -> None:
    load_demo(store, settings, seed=9, accounts=25, as_of=date(2026, 11, 1))
    quality = evaluate_identity(store)
    assert 0.9 <= quality.precision <= 1.0
    assert 0.0 < quality.recall <= 1.0
    assert 0.0 < quality.account_accuracy <= 1.0
    assert quality.pairs["correct"] <= min(quality.pairs["predicted"], quality.pairs["true"])
    assert quality.people_evaluated > 100


def test_evaluation_needs_ground_truth(store: Store) -> None:
    with pytest.raises(NotFound, match="ground truth"):
        evaluate_identity(store)
