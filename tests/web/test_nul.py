"""The NUL character (``\\u0000``) is refused with a 422 naming where it was, by every
route, before anything is stored: PostgreSQL cannot store it, so on both backends a
request holding one must mean the same thing (nothing)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI, Form
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings, load_settings
from devfunnel.errors import ValidationError
from devfunnel.store import Store
from devfunnel.store.schema import metadata
from devfunnel.store.schema.admin import api_keys
from devfunnel.web import problems
from devfunnel.web.app import create_app
from devfunnel.web.nul import refuse_in, refuse_nul
from tests.pipeline.world import World, build
from tests.web.webhooks.conftest import GITHUB_SECRET
from tests.web.webhooks.test_github import SENDER, sign

NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


@dataclass
class Api:
    client: TestClient
    world: World
    write: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def api(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.chdir(tmp_path)
    settings: Settings = load_settings(
        None, environ={"DEVFUNNEL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET}
    )
    world = build(store, settings)
    write = create_key(store, "crm sync", "write", CLI).secret
    admin = create_key(store, "ops", "admin", CLI).secret
    with TestClient(create_app(settings, store, run_worker=False)) as client:
        yield Api(
            client,
            world,
            {"Authorization": f"Bearer {write}"},
            {"Authorization": f"Bearer {admin}"},
        )


def census(store: Store) -> dict[str, Any]:
    """Every row of every table (keys only counted: using one stamps it)."""
    seen: dict[str, Any] = {}
    with store.read() as conn:
        for table in metadata.sorted_tables:
            if table is api_keys:
                seen[table.name] = conn.execute(
                    sa.select(sa.func.count()).select_from(table)
                ).scalar_one()
            else:
                seen[table.name] = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)))
    return seen


def refused_at(response: httpx.Response, *places: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://devfunnel.dev/problems/validation-error"
    assert body["field"] == places[0]
    assert [e["field"] for e in body["errors"]] == list(places)
    assert {e["message"] for e in body["errors"]} == {NUL_MESSAGE}
    assert body["detail"] == f"{', '.join(places)}: {NUL_MESSAGE}"


def test_nul_anywhere_in_a_request_is_refused_and_nothing_is_stored(api: Api, store: Store) -> None:
    c, w = api.client, api.world
    opportunity = f"/api/v1/opportunities/{w.opportunity}"
    before = census(store)
    refused_at(
        c.post(
            "/api/v1/leads",
            json={"email": "zed@fresh-probe.io", "name": "Z\u0000ed", "route": False},
            headers=api.write,
        ),
        "body.name",
    )
    refused_at(
        c.post(f"/api/v1/accounts/{w.account}/notes", json={"body": "x\u0000"}, headers=api.admin),
        "body.body",
    )
    refused_at(
        c.patch(opportunity, json={"name": "Acme\u0000", "next_step": "\u0000"}, headers=api.write),
        "body.name",
        "body.next_step",
    )
    refused_at(
        c.put(
            f"{opportunity}/qualification/champion",
            json={"score": 2, "evidence": "Drives\u0000 the PoC"},
            headers=api.write,
        ),
        "body.evidence",
    )
    refused_at(
        c.post("/api/v1/keys", json={"name": "k\u0000", "scope": "read"}, headers=api.admin),
        "body.name",
    )
    refused_at(c.get("/api/v1/people/search?q=a%00b", headers=api.admin), "query.q")
    refused_at(c.get("/api/v1/accounts/a%00b.com", headers=api.admin), "path.id_or_domain")
    refused_at(
        c.get("/api/v1/accounts/acme.io/journey?x%00=1", headers=api.admin), "query.x\\u0000"
    )
    assert census(store) == before


def test_a_webhook_holding_nul_is_refused_after_its_signature_is_checked(
    api: Api, store: Store
) -> None:
    payload = {"action": "created", "starred_at": "2024-05-01T10:00:00Z", "sender": SENDER,
               "repository": {"full_name": "acme/sdk\u0000"}}  # fmt: skip
    raw = json.dumps(payload).encode()
    before = census(store)

    def deliver(signature: str) -> httpx.Response:
        headers = {
            "X-GitHub-Event": "star",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
            "Content-Type": "application/json",
        }
        return api.client.post("/webhooks/github", content=raw, headers=headers)

    assert deliver("sha256=" + "0" * 64).status_code == 401
    refused_at(deliver(sign(raw)), "body.repository.full_name")
    assert census(store) == before


def test_text_that_only_looks_like_the_escape_is_kept(api: Api) -> None:
    made = api.client.post(
        f"/api/v1/accounts/{api.world.account}/notes",
        json={"body": "grep for \\u0000 in the logs"},
        headers=api.admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["body"] == "grep for \\u0000 in the logs"


def test_places_are_named_by_their_path_in_the_body() -> None:
    with pytest.raises(ValidationError) as raised:
        refuse_in({"a": [{"b": "x"}, {"c\u0000": {"d": "\u0000"}}], "e": "\u0000"})
    assert [e["field"] for e in raised.value.errors] == [
        "body.a.1.c\\u0000",
        "body.a.1.c\\u0000.d",
        "body.e",
    ]
    refuse_in({"deep": [[[["fine"]]]] * 3, "n": 1, "none": None})


def test_a_form_body_is_checked_too() -> None:
    """Pages post forms; FastAPI has read and parsed the form before the check runs."""
    app = FastAPI(dependencies=[Depends(refuse_nul)])
    problems.install(app)

    @app.post("/form")
    def form(body: Annotated[str, Form()], tags: Annotated[list[str], Form()]) -> str:
        return body

    client = TestClient(app)
    sent = {"body": "a\u0000b", "tags": ["x", "y\u0000"]}
    refused_at(client.post("/form", data=sent), "body.body", "body.tags.1")
    assert client.post("/form", data={"body": "ab", "tags": ["x"]}).json() == "ab"
