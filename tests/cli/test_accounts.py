"""``devfunnel accounts top`` end to end, on both backends."""

from __future__ import annotations

import json

import pytest

from devfunnel.config import Settings
from devfunnel.store import Store
from tests.cli.test_commands import invoke
from tests.web.test_journey_api import seed


@pytest.fixture
def db(store_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with Store(store_url) as store:
        seed(store, settings)
    return store_url


def test_top_accounts_table_and_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "accounts", "top", "--db", db)
    assert code == 0
    assert "busy.io" in out
    assert "Top 3 of 3 accounts by momentum" in out
    code, out, _ = invoke(capsys, "accounts", "top", "--grade", "a", "--json", "--db", db)
    body = json.loads(out)
    assert code == 0
    assert body["total"] == 1
    assert body["items"][0]["domain"] == "busy.io"
    code, out, _ = invoke(capsys, "accounts", "top", "--stage", "build", "--json", "--db", db)
    assert json.loads(out)["total"] == 0


@pytest.mark.parametrize(("flag", "value"), [("--grade", "Q"), ("--stage", "orbit")])
def test_unknown_grade_or_stage_is_a_clear_error(
    db: str, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    code, out, err = invoke(capsys, "accounts", "top", flag, value, "--db", db)
    assert code == 65
    assert f"'{value}'" in err + out
    assert "Traceback" not in err
