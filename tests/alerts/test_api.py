"""The alerts API: admins manage destinations, readers see alerts and their deliveries,
bad input is a problem naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.alerts import deliver
from devfunnel.alerts.detect import detect_alerts
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.web.app import create_app
from tests.helpers.local_http import Reply, serving
from tests.helpers.records import NOW, Seed

SECRET = "0123456789abcdef-secret"


@dataclass
class Api:
    client: TestClient
    admin: dict[str, str]
    read: dict[str, str]


@pytest.fixture
def api(store: Store, alert_settings: Settings) -> Iterator[Api]:
    admin = create_key(store, "ops", "admin", CLI).secret
    read = create_key(store, "dashboard", "read", CLI).secret
    with TestClient(create_app(alert_settings, store, run_worker=False)) as client:
        yield Api(client, {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {read}"})


def test_admins_add_list_and_remove_destinations(api: Api) -> None:
    body = {"name": "crm-sync", "kind": "webhook", "url": "https://hooks.acme.dev/in",
            "secret": SECRET, "alert_kinds": ["became_pqa"]}  # fmt: skip
    created = api.client.post("/api/v1/alerts/destinations", json=body, headers=api.admin)
    assert created.status_code == 201, created.text
    shown = created.json()
    assert shown["url"] == "https://hooks.acme.dev/in"
    assert shown["has_secret"] is True
    assert "secret" not in shown
    listed = api.client.get("/api/v1/alerts/destinations", headers=api.admin).json()
    assert [d["name"] for d in listed["destinations"]] == ["crm-sync"]
    removed = api.client.delete(f"/api/v1/alerts/destinations/{shown['id']}", headers=api.admin)
    assert removed.status_code == 200
    assert removed.json()["active"] is False
    assert api.client.get("/api/v1/alerts/destinations", headers=api.admin).json() == {
        "destinations": []
    }


def test_readers_may_not_manage_destinations(api: Api) -> None:
    response = api.client.get("/api/v1/alerts/destinations", headers=api.read)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "a read key may not admin; create a key with the admin scope"
    )
    assert api.client.get("/api/v1/alerts/destinations").status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"kind": "webhook", "url": "https://x.dev"}, "secret",
         "secret is required for webhook destinations: it signs every delivery"),
        ({"kind": "pager", "url": "https://x.dev"}, "kind",
         "unknown destination kind 'pager'; use one of: slack, webhook"),
        ({"kind": "slack", "url": "javascript:alert(1)"}, "url",
         "url must be an http or https URL with a host, not 'javascript:alert(1)'"),
    ],
)  # fmt: skip
def test_bad_destinations_are_problems_naming_the_field(
    api: Api, body: dict[str, str], field: str, detail: str
) -> None:
    response = api.client.post(
        "/api/v1/alerts/destinations", json={"name": "x", **body}, headers=api.admin
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field
    assert problem["detail"] == detail


def test_recent_alerts_with_their_delivery_status_and_a_retry(
    api: Api, store: Store, alert_settings: Settings
) -> None:
    with serving(lambda request: Reply(500, {"error": "boom"})) as receiver:
        api.client.post(
            "/api/v1/alerts/destinations",
            json={
                "name": "hook",
                "kind": "webhook",
                "url": f"{receiver.url}/in",
                "secret": SECRET,
            },
            headers=api.admin,
        )
        seed = Seed(store)
        seed.scores(seed.account("Acme Inc", "acme.io"))
        detect_alerts(store, alert_settings, now=NOW)
        at = NOW
        for delay in [*alert_settings.alerts.retry_seconds, 0.0]:
            deliver.deliver_due(store, alert_settings, now=at)
            at += timedelta(seconds=delay)
    body = api.client.get("/api/v1/alerts", params={"status": "dead"}, headers=api.read).json()
    (alert,) = body["alerts"]
    assert alert["kind"] == "became_pqa"
    assert alert["title"] == "Acme Inc became a product-qualified account"
    assert alert["payload"]["account"]["domain"] == "acme.io"
    (delivery,) = alert["deliveries"]
    assert delivery["status"] == "dead"
    assert delivery["attempts"] == 4
    assert delivery["last_error"].startswith("HTTP 500 from 127.0.0.1")
    assert api.client.get("/api/v1/alerts", params={"status": "lost"},
                          headers=api.read).status_code == 422  # fmt: skip
    retried = api.client.post(
        f"/api/v1/alerts/deliveries/{delivery['id']}/retry", headers=api.admin
    )
    assert retried.status_code == 200
    assert [d["status"] for d in retried.json()["requeued"]] == ["pending"]
    unknown = api.client.post(
        "/api/v1/alerts/deliveries/0196a3b4-0000-7000-8000-000000000000/retry", headers=api.admin
    )
    assert unknown.status_code == 404
    assert api.client.post(f"/api/v1/alerts/deliveries/{delivery['id']}/retry",
                           headers=api.read).status_code == 403  # fmt: skip
