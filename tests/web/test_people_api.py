"""``GET /api/v1/people`` over people resolved from real intake, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.identity import people
from devfunnel.web.app import create_app
from tests.identity.test_privacy import JANE_KEYS, person_of, seed_people


@dataclass
class Api:
    client: TestClient
    read: dict[str, str]
    ingest: dict[str, str]


@contextmanager
def serving(store: Store, settings: Settings) -> Iterator[Api]:
    """Jane and Bob at Acme (``seed_people``), a read key and an ingest key, and the app."""
    seed_people(store, settings, records=False)
    read = create_key(store, "reader", "read", CLI).secret
    ingest = create_key(store, "sdk", "ingest", CLI).secret
    with TestClient(create_app(settings, store, run_worker=False)) as client:
        yield Api(
            client, {"Authorization": f"Bearer {read}"}, {"Authorization": f"Bearer {ingest}"}
        )


@pytest.fixture
def api(store: Store, settings: Settings) -> Iterator[Api]:
    with serving(store, settings) as served:
        yield served


def test_people_by_email_in_any_case(api: Api, store: Store) -> None:
    response = api.client.get("/api/v1/people", params={"email": " Jane.DOE@Acme.io "},
                              headers=api.read)  # fmt: skip
    assert response.status_code == 200, response.text
    (person,) = response.json()["people"]
    jane = person_of(store, "email:jane.doe@acme.io")
    with store.read() as conn:
        row = conn.execute(sa.select(people).where(people.c.id == jane)).one()
    assert person["id"] == str(jane)
    assert {f"{i['kind']}:{i['value']}" for i in person["identities"]} == JANE_KEYS
    assert all(i["first_seen"] and i["last_seen"] for i in person["identities"])
    assert person["account"] == {"id": str(row.account_id), "domain": "acme.io",
                                 "name": "Acme Inc"}  # fmt: skip
    assert (person["name"], person["email"], person["title"]) == (
        "Jane Doe", "jane.doe@acme.io", "Staff Engineer")  # fmt: skip
    assert (person["persona"], person["is_bot"], person["is_internal"]) == (
        "developer", False, False)  # fmt: skip
    assert person["event_count"] == row.event_count == 7
    assert datetime.fromisoformat(person["first_seen"]) == row.first_seen
    assert datetime.fromisoformat(person["last_seen"]) == row.last_seen


def test_github_login_and_user_id_find_the_same_person(api: Api, store: Store) -> None:
    jane = str(person_of(store, "email:jane.doe@acme.io"))
    for params in ({"github": "@JaneDoeGH"}, {"github": "janedoegh"}, {"user_id": "u1"},
                   {"user_id": " u1 "}):  # fmt: skip
        body = api.client.get("/api/v1/people", params=params, headers=api.read).json()
        assert [p["id"] for p in body["people"]] == [jane], params
    # User ids are opaque: another case is another user.
    body = api.client.get("/api/v1/people", params={"user_id": "U1"}, headers=api.read).json()
    assert body == {"people": []}


def test_an_identity_nobody_holds_gives_an_empty_list(api: Api) -> None:
    for params in ({"email": "nobody@acme.io"}, {"github": "nobody"}, {"user_id": "u404"}):
        response = api.client.get("/api/v1/people", params=params, headers=api.read)
        assert response.status_code == 200
        assert response.json() == {"people": []}


def test_exactly_one_valid_filter_is_required(api: Api) -> None:
    for params, named in (
        ({}, ["email", "github", "user_id"]),
        ({"email": "jane.doe@acme.io", "user_id": "u1"}, ["email", "user_id"]),
        ({"email": "jane at acme"}, ["email"]),
        ({"github": " "}, ["github"]),
    ):
        response = api.client.get("/api/v1/people", params=params, headers=api.read)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 422
        assert [e["field"] for e in body["errors"]] == [f"query.{n}" for n in named]
        assert all(name in body["detail"] for name in named), body["detail"]


def test_a_read_key_is_required(api: Api) -> None:
    params = {"email": "jane.doe@acme.io"}
    anonymous = api.client.get("/api/v1/people", params=params)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    wrong = api.client.get("/api/v1/people", params=params, headers=api.ingest)
    assert wrong.status_code == 403
    assert "read" in wrong.json()["detail"]
    assert "people" not in wrong.json()


def test_the_openapi_describes_the_response_with_an_example(api: Api) -> None:
    spec = api.client.app.openapi()  # type: ignore[attr-defined]
    operation = spec["paths"]["/api/v1/people"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/People"}
    assert {"401", "403", "422"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {"email", "github", "user_id"}
    schemas = spec["components"]["schemas"]
    (example,) = schemas["People"]["examples"]
    fields = set(schemas["Person"]["properties"])
    assert set(example["people"][0]) == fields
    assert {"id", "identities", "account", "event_count", "first_seen", "last_seen"} <= fields


def test_search_reads_percent_and_underscore_as_themselves(api: Api) -> None:
    def found(q: str) -> list[str]:
        response = api.client.get("/api/v1/people/search", params={"q": q}, headers=api.read)
        assert response.status_code == 200, response.text
        return [p["email"] for p in response.json()["people"]]

    assert "jane.doe@acme.io" in found("jane")
    assert "jane.doe@acme.io" in found("JANE.D")
    # As wildcards they would match everyone; nobody's name, email or login holds them.
    assert found("%") == []
    assert found("_") == []
    assert found("j%e") == []
