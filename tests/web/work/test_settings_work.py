"""Settings · Alert destinations and CRM connections: admins list, add, test and remove
destinations and see and drive CRM write-back; nobody else may, through the pages or the
API; secrets are never shown back."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from devfunnel.alerts import signing
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.vocabulary import ROLES
from devfunnel.web.app import create_app
from tests.helpers.local_http import Reply, serving
from tests.helpers.web import sign_in
from tests.helpers.work import WorkWorld

SECRET = "a-long-random-secret-1234"


def test_admins_add_test_and_remove_a_destination(client: TestClient, world: WorkWorld) -> None:
    csrf = sign_in(client, "admin@acme.dev")
    page = client.get("/settings/alerts")
    assert page.status_code == 200
    assert "No destinations yet" in page.text
    refused = client.post(
        "/settings/alerts",
        data={"csrf_token": csrf, "name": "hook", "kind": "webhook", "url": "https://x.dev/h"},
    )
    assert "secret is required for webhook destinations" in refused.text

    with serving(lambda _: Reply(204)) as receiver:
        url = f"{receiver.url}/hook?token=private"
        added = client.post(
            "/settings/alerts",
            data={
                "csrf_token": csrf,
                "name": "ops-hook",
                "kind": "webhook",
                "url": url,
                "secret": SECRET,
                "alert_kinds": ["became_pqa", "handoff_waiting"],
            },
        )
        assert "Added webhook destination ops-hook." in added.text
        assert SECRET not in added.text
        assert "token=private" not in added.text  # the URL is masked
        assert "/hook?…" in added.text
        tested = client.post("/settings/alerts/ops-hook/test", data={"csrf_token": csrf})
        assert "ops-hook took the test alert (204)." in tested.text
        (got,) = receiver.received("/hook")
        body = got.json()
        assert body["alert"]["title"] == "devfunnel test alert"
        assert signing.verify(
            SECRET,
            got.body,
            got.headers.get(signing.TIMESTAMP_HEADER.lower()),
            got.headers.get(signing.SIGNATURE_HEADER.lower()),
        )

    with serving(lambda _: Reply(403, "nope")) as refusing:
        client.post(
            "/settings/alerts",
            data={
                "csrf_token": csrf,
                "name": "slack",
                "kind": "slack",
                "url": refusing.url + "/T/B/x",
            },
        )
        failed = client.post("/settings/alerts/slack/test", data={"csrf_token": csrf})
        assert "slack did not take the test" in failed.text
        assert "403" in failed.text

    removed = client.post("/settings/alerts/ops-hook/remove", data={"csrf_token": csrf})
    assert "Removed ops-hook" in removed.text
    assert 'data-destination="ops-hook"' not in removed.text
    audit = client.get("/api/v1/audit", params={"entity": "alert_destination"}).json()
    assert {"alert_destination.create", "alert_destination.test", "alert_destination.remove"} <= {
        e["action"] for e in audit["entries"]
    }


def test_the_crm_page_shows_connections_without_tokens(
    page_store: Store, settings: Settings, world: WorkWorld, tmp_path: Path
) -> None:
    token = "pat-na1-very-secret-token"
    configured = settings.model_copy(deep=True)
    configured.crm.hubspot.token = SecretStr(token)
    configured.crm.hubspot.base_url = "http://127.0.0.1:9"  # nothing listens: pushes fail
    with TestClient(create_app(configured, page_store, run_worker=False)) as client:
        csrf = sign_in(client, "admin@acme.dev")
        page = client.get("/settings/crm").text
        assert token not in page
        hubspot = page.split('data-system="hubspot"')[1].split("</tr>")[0]
        assert "on" in hubspot
        salesforce = page.split('data-system="salesforce"')[1].split("</tr>")[0]
        assert "crm.salesforce.token" in salesforce
        synced = client.post("/settings/crm/sync", data={"csrf_token": csrf})
        assert "hubspot:" in synced.text
        assert "changes queued" in synced.text
        audit = client.get("/api/v1/audit", params={"action": "crm.sync"}).json()["entries"]
        assert audit
        assert audit[0]["actor_label"] == "admin@acme.dev"


def test_without_a_connection_sync_says_so(client: TestClient, world: WorkWorld) -> None:
    csrf = sign_in(client, "admin@acme.dev")
    page = client.get("/settings/crm").text
    assert "set crm.hubspot.token (DEVFUNNEL_CRM_HUBSPOT_TOKEN)" in page
    assert (
        "No CRM connection is on"
        in client.post("/settings/crm/sync", data={"csrf_token": csrf}).text
    )
    assert (
        "No CRM connection is on"
        in client.post("/settings/crm/push", data={"csrf_token": csrf}).text
    )


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"admin"}))
def test_only_admins_manage_destinations_and_crm(
    client: TestClient, world: WorkWorld, role: str
) -> None:
    csrf = sign_in(client, f"{role}@acme.dev")
    for path in ("/settings/alerts", "/settings/crm"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "only admins manage" in page.text.lower()
    for path in (
        "/settings/alerts",
        "/settings/crm/sync",
        "/settings/crm/push",
        "/settings/alerts/x/test",
        "/settings/alerts/x/remove",
    ):
        posted = client.post(
            path,
            data={
                "csrf_token": csrf,
                "name": "x",
                "kind": "slack",
                "url": "https://hooks.slack.com/x",
            },
        )
        assert posted.status_code == 403, path
    api = client.post(
        "/api/v1/alerts/destinations",
        headers={"X-CSRF-Token": csrf},
        json={"name": "x", "kind": "slack", "url": "https://hooks.slack.com/x"},
    )
    assert api.status_code == 403
    assert client.get("/api/v1/alerts/destinations").status_code == 403
    assert 'href="/settings/alerts"' not in client.get("/").text
