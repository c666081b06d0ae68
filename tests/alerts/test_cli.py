"""``devfunnel alerts`` end to end, against a real local receiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from devfunnel.alerts.history import list_alerts
from devfunnel.cli.output import console
from devfunnel.config import Settings
from devfunnel.store import Store
from tests.cli.test_commands import invoke
from tests.helpers.local_http import LocalServer, Reply
from tests.helpers.records import Seed


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as a wide terminal shows them, so cells are not cut."""
    monkeypatch.setattr(console, "_width", 240)


@pytest.fixture
def db(store_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with one account that became PQA an hour ago (real time: the CLI
    detects at the current time)."""
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEVFUNNEL_ALERTS_RETRY_SECONDS", "[0.001]")
    with Store(store_url) as store:
        seed = Seed(store)
        acme = seed.account("Acme Inc", "acme.io")
        seed.scores(acme, pqa_since=datetime.now(UTC) - timedelta(hours=1))
    return store_url


@pytest.fixture
def down() -> Iterator[LocalServer]:
    """A receiver that answers 503 until ``handler`` is replaced."""
    server = LocalServer(lambda request: Reply(503)).start()
    yield server
    server.stop()


def test_the_alert_commands(capsys: pytest.CaptureFixture[str], db: str, down: LocalServer) -> None:
    code, out, err = invoke(capsys, "alerts", "destinations", "add", "hook", "--kind", "webhook",
                            "--url", f"{down.url}/in", "--db", db)  # fmt: skip
    assert code == 65
    assert "error: secret is required for webhook destinations" in err
    code, out, err = invoke(capsys, "alerts", "destinations", "add", "hook", "--kind", "pager",
                            "--url", f"{down.url}/in", "--db", db)  # fmt: skip
    assert code == 65
    assert "unknown destination kind 'pager'" in err
    code, out, err = invoke(capsys, "alerts", "destinations", "add", "hook", "--kind", "webhook",
                            "--url", f"{down.url}/in", "--generate-secret", "--only",
                            "became_pqa", "--db", db)  # fmt: skip
    assert code == 0, err
    secret = out.strip().splitlines()[-1]
    assert len(secret) >= 32
    assert "Added webhook destination 'hook'" in out
    code, out, _ = invoke(capsys, "alerts", "destinations", "list", "--db", db)
    assert "hook" in out
    assert secret not in out

    code, out, err = invoke(capsys, "alerts", "detect", "--db", db)
    assert code == 0, err
    assert "Raised 1 alert (became_pqa 1); 1 deliveries queued." in out
    code, out, _ = invoke(capsys, "alerts", "deliver", "--db", db)
    assert "Delivered 0, 1 to retry, 0 dead" in out
    code, out, _ = invoke(capsys, "alerts", "deliver", "--db", db)
    assert "Delivered 0, 0 to retry, 1 dead" in out
    code, out, _ = invoke(capsys, "alerts", "dead", "--db", db)
    assert "HTTP 503 from" in out
    assert "devfunnel alerts retry DELIVERY" in out

    with Store(db) as store:
        ((delivery,),) = [a.deliveries for a in list_alerts(store)]
    down.handler = lambda request: Reply(200)
    code, out, err = invoke(capsys, "alerts", "retry", str(delivery.id), "--db", db)
    assert code == 0, err
    assert f"Queued delivery {delivery.id}" in out
    code, out, _ = invoke(capsys, "alerts", "deliver", "--db", db)
    assert "Delivered 1, 0 to retry, 0 dead" in out
    code, out, _ = invoke(capsys, "alerts", "list", "--db", db)
    assert "became_pqa" in out
    assert "delivered" in out

    code, out, err = invoke(capsys, "alerts", "retry", str(delivery.id), "--db", db)
    assert code == 75
    assert "has no dead delivery (status: delivered)" in err
    code, out, err = invoke(capsys, "alerts", "retry", "0196a3b4-0000-7000-8000-000000000000",
                            "--db", db)  # fmt: skip
    assert code == 66
    assert "no alert or alert delivery" in err
    code, out, err = invoke(capsys, "alerts", "destinations", "remove", "hook", "--db", db)
    assert code == 0, err
    assert "Removed destination 'hook'" in out
