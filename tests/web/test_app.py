"""The app in process: health, summary, the home page, and problem responses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from devfunnel.config import Settings
from devfunnel.demo.load import load_demo
from devfunnel.store import Store, migrate
from devfunnel.web.app import create_app
from tests.helpers.web import make_user, sign_in


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings, seed=3, accounts=6, as_of=date(2026, 11, 1))
    make_user(store, "viewer", "viewer.test@acme.dev")
    with TestClient(create_app(settings, store, run_worker=False)) as test_client:
        sign_in(test_client, "viewer.test@acme.dev")
        yield test_client


def test_health_names_the_backend_and_schema(client: TestClient, store: Store) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["backend"] == store.kind
    assert body["schema_revision"] == migrate.head_revision()


def test_summary_counts_what_is_stored(client: TestClient, store: Store) -> None:
    body = client.get("/api/v1/summary").json()
    with store.read() as conn:
        import sqlalchemy as sa

        events = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        opps = conn.execute(sa.text("SELECT count(*) FROM opportunities")).scalar_one()
    assert body["counts"]["events"] == events > 0
    assert sum(row["events"] for row in body["events_by_source"]) == events
    assert sum(row["opportunities"] for row in body["opportunities_by_stage"]) == opps
    assert body["first_event"] < body["last_event"]


def test_home_page_shows_the_scorecard(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    for kpi in ("handoff_quality", "stage_gate_compliance", "forecast_accuracy"):
        assert f'data-kpi="{kpi}"' in response.text
    assert 'data-queue="handoffs_waiting"' in response.text
    assert client.get("/static/app.css").status_code == 200


def test_unknown_routes_are_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_no_page_pulls_assets_from_elsewhere(client: TestClient) -> None:
    """Assets ship in the package: every src and href is a path on this server."""
    import re

    html = client.get("/").text
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links
    assert all(link.startswith("/") for link in links), links


def test_protocol_answers_carry_their_headers(client: TestClient) -> None:
    wrong_method = client.put("/api/v1/summary")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET"
    client.cookies.clear()
    unsigned = client.get("/api/v1/summary")
    assert unsigned.status_code == 401
    assert unsigned.headers["www-authenticate"] == "Bearer"


def test_offsets_past_any_list_are_input_errors(client: TestClient) -> None:
    for path in ("/api/v1/leads", "/api/v1/opportunities", "/api/v1/handoffs", "/api/v1/accounts"):
        huge = client.get(path, params={"offset": 9223372036854775808})
        assert huge.status_code == 422, (path, huge.text)
        assert "offset" in huge.text


def test_malformed_json_is_located_in_the_body(client: TestClient, store: Store) -> None:
    from devfunnel.admin.api_keys import create_key
    from devfunnel.admin.audit import CLI

    key = create_key(store, "w", "write", CLI).secret
    response = client.post("/api/v1/leads", content=b'{"email": "a@b.io",,}',
                           headers={"Authorization": f"Bearer {key}",
                                    "Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "body"
    assert error["message"].startswith("malformed JSON at character 19")
