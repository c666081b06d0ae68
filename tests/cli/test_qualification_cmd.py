"""``devfunnel qualification`` and ``devfunnel model`` in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devfunnel.config import Settings
from devfunnel.store import Store
from tests.cli.test_commands import invoke
from tests.pipeline.world import OPPORTUNITY, World, build


@pytest.fixture
def world(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.chdir(tmp_path)
    return build(store, settings)


def test_set_then_show(store: Store, world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "qualification", "set", OPPORTUNITY, "identify_pain", "2",
                            "--evidence", "Integration backlog", "--db", store.url)  # fmt: skip
    assert code == 0, err
    assert "Identify pain: 2 (validated)" in out
    code, out, err = invoke(capsys, "qualification", "show", OPPORTUNITY, "--json",
                            "--db", store.url)  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    pain = next(e for e in shown["meddpicc"] if e["element"] == "identify_pain")
    assert (pain["score"], pain["evidence"]) == (2, "Integration backlog")
    assert shown["gate"]["stage"] == "technical_evaluation"
    code, out, _ = invoke(capsys, "qualification", "show", OPPORTUNITY, "--db", store.url)
    assert code == 0
    assert "Gate to business_case" in out
    assert "MEDDPICC" in out


def test_bad_input_exits_with_a_data_error(
    store: Store, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = invoke(capsys, "qualification", "set", OPPORTUNITY, "champion", "5",
                          "--db", store.url)  # fmt: skip
    assert code == 65
    assert "score must be 0" in err
    code, _, err = invoke(capsys, "qualification", "show", "salesforce:NOPE", "--db", store.url)
    assert code == 66
    assert "no opportunity" in err


def test_technical_refresh_and_confirm(
    store: Store, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = invoke(capsys, "qualification", "technical", OPPORTUNITY, "--db", store.url)
    assert "No technical validation yet" in out
    code, out, err = invoke(capsys, "qualification", "technical", OPPORTUNITY, "--refresh",
                            "--db", store.url)  # fmt: skip
    assert code == 0, err
    assert "Technical fit" in out
    code, out, err = invoke(capsys, "qualification", "confirm", OPPORTUNITY,
                            "--notes", "PoC signed off", "--db", store.url)  # fmt: skip
    assert code == 0, err
    assert "Confirmed technical fit" in out


def test_model_show_before_any_training(
    store: Store, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = invoke(capsys, "model", "show", "--db", store.url)
    assert code == 66
    assert "no success model" in err
    code, _, err = invoke(capsys, "model", "train", "--db", store.url)
    assert code == 75  # Conflict: one opportunity is not enough to learn from
    assert "not enough closed opportunities" in err


def test_model_train_and_show(
    store: Store, settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from tests.scoring.success.test_training import company

    monkeypatch.chdir(tmp_path)
    company(store, settings)
    code, out, err = invoke(capsys, "model", "train", "--as-of", "2026-09-01", "--db", store.url)
    assert code == 0, err
    assert "28 closed opportunities (14 won, 14 lost" in out
    code, out, err = invoke(capsys, "model", "show", "--json", "--db", store.url)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["trained_by"] == "command line"
    assert shown["as_of"].startswith("2026-09-01")
    assert shown["metrics"]["cross_validated"]["auc_at_creation"] > 0.9
