"""The qualification API: read the joint picture, set elements, refresh and confirm the
technical validation, read the success model; with keys of the right scope only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.web.app import create_app
from tests.pipeline.world import OPPORTUNITY, World, build


@dataclass
class Api:
    client: TestClient
    world: World
    read: dict[str, str]
    write: dict[str, str]


@pytest.fixture
def api(store: Store, settings: Settings) -> Iterator[Api]:
    world = build(store, settings)
    read = create_key(store, "reader", "read", CLI).secret
    write = create_key(store, "crm sync", "write", CLI).secret
    with TestClient(create_app(settings, store, run_worker=False)) as client:
        yield Api(client, world, {"Authorization": f"Bearer {read}"},
                  {"Authorization": f"Bearer {write}"})  # fmt: skip


def test_the_joint_picture_of_an_opportunity(api: Api) -> None:
    for ref in (str(api.world.opportunity), OPPORTUNITY):
        response = api.client.get(f"/api/v1/opportunities/{ref}/qualification", headers=api.read)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["opportunity"]["id"] == str(api.world.opportunity)
        assert [e["element"] for e in body["meddpicc"]][:2] == ["metrics", "economic_buyer"]
        assert len(body["bant"]) == 4
        assert body["technical_validation"] is None
        assert body["gate"]["stage"] == "technical_evaluation"
        assert body["gate"]["next_stage"] == "business_case"
        assert body["gate"]["passed"] is False
        assert body["gate"]["unmet"][-1]["kind"] == "min_technical_fit"
        assert body["success"] is None
        assert body["stage_probability"] == 0.25


def test_setting_an_element_is_validated_and_audited(api: Api) -> None:
    url = f"/api/v1/opportunities/{api.world.opportunity}/qualification"
    response = api.client.put(f"{url}/champion", headers=api.write,
                              json={"score": 2, "evidence": "Drives the PoC",
                                    "contact": "jane@acme.io"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["score_word"] == "validated"
    assert response.json()["contact_id"] == str(api.world.jane)
    body = api.client.get(url, headers=api.read).json()
    champion = next(e for e in body["meddpicc"] if e["element"] == "champion")
    assert (champion["score"], champion["evidence"]) == (2, "Drives the PoC")
    assert "champion" not in [u["name"] for u in body["gate"]["unmet"]]
    with api.client.app.state.store.read() as conn:  # type: ignore[attr-defined]
        entry = conn.execute(sa.select(audit_log).where(
            audit_log.c.action == "qualification.update")).one()  # fmt: skip
    assert entry.actor_kind == "api_key"
    assert entry.after["score"] == 2


@pytest.mark.parametrize(
    ("element", "body", "status", "needle"),
    [
        ("champion", {"score": 3}, 422, "score must be 0"),
        ("champion", {"score": "2"}, 422, "score"),
        ("chemistry", {"score": 1}, 422, "unknown qualification element"),
        ("champion", {"score": 1, "contact": "nobody@acme.io"}, 422, "unknown contact"),
        ("champion", {"score": 1, "extra": True}, 422, "extra"),
    ],
)
def test_bad_updates_are_problems(
    api: Api, element: str, body: dict[str, object], status: int, needle: str
) -> None:
    response = api.client.put(
        f"/api/v1/opportunities/{api.world.opportunity}/qualification/{element}",
        headers=api.write,
        json=body,
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert needle in response.text


def test_reads_and_writes_need_the_right_keys(api: Api) -> None:
    url = f"/api/v1/opportunities/{api.world.opportunity}/qualification"
    assert api.client.get(url).status_code == 401
    assert api.client.put(f"{url}/champion", headers=api.read, json={"score": 1}).status_code == 403
    missing = api.client.get("/api/v1/opportunities/salesforce:NOPE/qualification",
                             headers=api.read)  # fmt: skip
    assert missing.status_code == 404


def test_technical_validation_refresh_confirm_and_history(api: Api) -> None:
    base = f"/api/v1/opportunities/{api.world.opportunity}/technical-validation"
    empty = api.client.get(base, headers=api.read).json()
    assert empty == {"current": None, "history": []}
    assert api.client.post(f"{base}/refresh", headers=api.read).status_code == 403
    refreshed = api.client.post(f"{base}/refresh", headers=api.write)
    assert refreshed.status_code == 200, refreshed.text
    # Derived as of the real now: the world's developers went quiet months before.
    assert refreshed.json()["account_id"] == str(api.world.account)
    assert refreshed.json()["source"] == "derived"
    assert refreshed.json()["fit_reasons"][0]["component"] == "breadth"
    confirmed = api.client.post(f"{base}/confirm", headers=api.write,
                                json={"notes": "Saw the integration running"})  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["source"] == "person"
    history = api.client.get(base, headers=api.read).json()
    assert history["current"]["notes"] == "Saw the integration running"
    assert [v["source"] for v in history["history"]] == ["person", "derived"]
    blank = api.client.post(f"{base}/confirm", headers=api.write, json={"notes": " "})
    assert blank.status_code == 422


def test_the_success_model_route_says_when_none_exists(api: Api) -> None:
    response = api.client.get("/api/v1/models/success", headers=api.read)
    assert response.status_code == 404
    assert "no success model" in response.json()["detail"]
