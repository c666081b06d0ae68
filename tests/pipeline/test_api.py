"""The pipeline's JSON API end to end: leads, routing, opportunities, stage moves,
handoffs and quality, with keys of each scope, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.web.app import create_app
from tests.pipeline.seed import add_account, add_people, qualify


@dataclass
class Api:
    client: TestClient
    read: dict[str, str]
    write: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def api(team_store: Store, settings: Settings) -> Iterator[Api]:
    add_account(
        team_store,
        settings,
        "Acme",
        "acme.io",
        owner="erin.ae@acme.dev",
        employees=900,
        region="NA",
    )
    add_people(team_store, settings, {"email": "jane@acme.io", "account_domain": "acme.io"})
    keys = {
        scope: create_key(team_store, scope, scope, CLI).secret
        for scope in ("read", "write", "admin")
    }
    with TestClient(create_app(settings, team_store, run_worker=False)) as client:
        yield Api(
            client, *({"Authorization": f"Bearer {keys[s]}"} for s in ("read", "write", "admin"))
        )


def test_leads_create_list_route_and_touch(api: Api) -> None:
    c = api.client
    made = c.post(
        "/api/v1/leads",
        json={"email": "dev@gmail.com", "source": "form", "route": False},
        headers=api.write,
    )
    assert made.status_code == 201, made.text
    lead = made.json()["lead"]
    assert (lead["source"], lead["owner_email"]) == ("form", None)
    again = c.post("/api/v1/leads", json={"email": "dev@gmail.com"}, headers=api.write)
    assert again.status_code == 200
    assert again.json()["duplicate_of"] == {"kind": "lead", "id": lead["id"], "on": "person"}
    assert again.json()["created"] is False
    assert again.json()["lead"]["id"] == lead["id"]

    dry = c.post(f"/api/v1/leads/{lead['id']}/route", json={"dry_run": True}, headers=api.write)
    assert dry.status_code == 200, dry.text
    assert dry.json()["routed_by"] == "round_robin:sdr"
    assert [s["rule"] for s in dry.json()["steps"]] == [
        "account_owner",
        "enterprise",
        "emea",
        "round_robin:sdr",
    ]
    assert c.get(f"/api/v1/leads/{lead['id']}", headers=api.read).json()["owner_email"] is None
    routed = c.post(f"/api/v1/leads/{lead['id']}/route", headers=api.write).json()
    assert routed["owner_email"] == dry.json()["owner_email"]
    again_route = c.post(f"/api/v1/leads/{lead['id']}/route", headers=api.write)
    assert again_route.status_code == 409
    assert "force=true" in again_route.json()["detail"]
    touched = c.post(f"/api/v1/leads/{lead['id']}/touch", headers=api.write).json()
    assert touched["first_touch_at"] is not None
    assert touched["status"] == "working"

    page = c.get("/api/v1/leads", params={"source": "form", "limit": 1}, headers=api.read).json()
    assert (page["total"], page["next_offset"], len(page["leads"])) == (1, None, 1)
    sla = c.get("/api/v1/leads/sla", params={"by": "person"}, headers=api.read).json()
    assert sla["target"] == 0.9
    assert sla["overall"]["met"] == 1


def test_lead_errors_are_problems(api: Api) -> None:
    c = api.client
    assert c.post("/api/v1/leads", json={"email": "a@b.io"}, headers=api.read).status_code == 403
    bad = c.post("/api/v1/leads", json={"email": "nope"}, headers=api.write)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "email: 'nope' is not an email address"
    source = c.post("/api/v1/leads", json={"email": "a@b.io", "source": "pql"}, headers=api.write)
    assert source.status_code == 422
    assert source.json()["errors"][0]["field"] == "body.source"
    missing = c.get("/api/v1/leads/01963a4e-7c10-7000-8000-0000000000a1", headers=api.read)
    assert (missing.status_code, missing.json()["type"]) == (
        404,
        "https://devfunnel.dev/problems/not-found",
    )
    malformed = c.get("/api/v1/leads/x", headers=api.read)
    assert malformed.status_code == 422
    assert "'x' is not a valid id" in malformed.json()["detail"]
    assert c.get("/api/v1/leads", params={"status": "hot"}, headers=api.read).status_code == 422


def test_opportunities_and_gated_moves(api: Api, team_store: Store) -> None:
    c = api.client
    made = c.post(
        "/api/v1/opportunities",
        json={
            "account": "acme.io",
            "name": "Acme platform",
            "amount": 24000,
            "owner": "erin.ae@acme.dev",
        },
        headers=api.write,
    )
    assert made.status_code == 201, made.text
    opp = made.json()
    assert (opp["stage"], opp["amount"], opp["owner_email"]) == (
        "discovery",
        "24000.00",
        "erin.ae@acme.dev",
    )
    unknown_owner = c.post(
        "/api/v1/opportunities",
        json={"account": "acme.io", "name": "X", "owner": "ghost@acme.dev"},
        headers=api.write,
    )
    assert unknown_owner.status_code == 422
    assert unknown_owner.json()["field"] == "owner"
    assert "ghost@acme.dev" in unknown_owner.json()["detail"]

    refused = c.post(
        f"/api/v1/opportunities/{opp['id']}/move",
        json={"stage": "technical_evaluation"},
        headers=api.write,
    )
    assert refused.status_code == 409
    body = refused.json()
    assert [m["name"] for m in body["missing"]] == ["primary_contact", "identify_pain", "metrics"]
    assert body["missing"][1] == {
        "stage": "discovery",
        "criterion": "min_qualification",
        "name": "identify_pain",
        "required": 1,
        "actual": 0,
        "message": "qualify identify_pain to at least 1 (partial); it is 0 (unknown)",
    }
    write_override = c.post(
        f"/api/v1/opportunities/{opp['id']}/move",
        json={"stage": "technical_evaluation", "override_reason": "why not"},
        headers=api.write,
    )
    assert write_override.status_code == 403
    unknown = c.post(
        f"/api/v1/opportunities/{opp['id']}/move", json={"stage": "won"}, headers=api.write
    )
    assert unknown.status_code == 422
    assert unknown.json()["valid"][-2:] == ["closed_won", "closed_lost"]

    patched = c.patch(
        f"/api/v1/opportunities/{opp['id']}",
        json={"primary_contact": "jane@acme.io", "close_date": "2026-09-30"},
        headers=api.write,
    )
    assert patched.status_code == 200, patched.text
    qualify(team_store, opp["id"], identify_pain=1, metrics=1)
    moved = c.post(
        f"/api/v1/opportunities/{opp['id']}/move",
        json={"stage": "technical_evaluation"},
        headers=api.write,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["overridden"] is False
    overridden = c.post(
        f"/api/v1/opportunities/{opp['id']}/move",
        json={"stage": "negotiation", "override_reason": "board approved"},
        headers=api.admin,
    )
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["overridden"] is True

    detail = c.get(f"/api/v1/opportunities/{opp['id']}", headers=api.read).json()
    assert [h["to_stage"] for h in detail["stage_history"]] == [
        "discovery",
        "technical_evaluation",
        "negotiation",
    ]
    assert detail["stage_history"][-1]["override_reason"] == "board approved"
    assert [ch["field"] for ch in detail["changes"]] == ["close_date"]
    assert detail["gate"]["next_stage"] == "closed_won"
    listed = c.get(
        "/api/v1/opportunities",
        params={"status": "open", "stage": "negotiation", "owner": "erin.ae@acme.dev"},
        headers=api.read,
    ).json()
    assert [o["id"] for o in listed["opportunities"]] == [opp["id"]]
    assert (
        c.patch(
            f"/api/v1/opportunities/{opp['id']}", json={"stage": "closed_won"}, headers=api.write
        ).status_code
        == 422
    )


def test_handoffs_and_quality(api: Api) -> None:
    c = api.client
    made = c.post(
        "/api/v1/handoffs",
        json={"kind": "devrel_to_sales", "account": "acme.io"},
        headers=api.write,
    )
    assert made.status_code == 201, made.text
    handoff = made.json()
    assert (handoff["state"], handoff["to_email"]) == ("pending", "erin.ae@acme.dev")
    assert handoff["missing"] == ["developers", "journey", "momentum"]
    assert handoff["packet"]["sections"]["developers"] == []
    queue = c.get("/api/v1/handoffs", params={"state": "pending"}, headers=api.read).json()
    assert [h["id"] for h in queue["handoffs"]] == [handoff["id"]]
    assert queue["handoffs"][0]["packet"] is None
    no_reason = c.post(f"/api/v1/handoffs/{handoff['id']}/reject", json={}, headers=api.write)
    assert no_reason.status_code == 422
    blank = c.post(
        f"/api/v1/handoffs/{handoff['id']}/reject", json={"reason": " "}, headers=api.write
    )
    assert blank.status_code == 422
    assert "a reason is required to reject" in blank.json()["detail"]
    returned = c.post(
        f"/api/v1/handoffs/{handoff['id']}/return",
        json={"reason": "No developers active"},
        headers=api.write,
    ).json()
    assert returned["state"] == "returned"
    assert c.post(f"/api/v1/handoffs/{handoff['id']}/accept", headers=api.write).status_code == 409
    resent = c.post(f"/api/v1/handoffs/{handoff['id']}/resend", headers=api.write).json()
    assert resent["state"] == "pending"
    accepted = c.post(f"/api/v1/handoffs/{handoff['id']}/accept", headers=api.write).json()
    assert accepted["state"] == "accepted"
    report = c.get("/api/v1/handoffs/quality", headers=api.read).json()
    assert report["overall"]["handoffs"] == 1
    assert report["overall"]["acceptance"] == 1.0
    assert report["target"] == 0.9
    assert (
        c.get("/api/v1/handoffs/quality", params={"side": "x"}, headers=api.read).status_code == 422
    )
    bad_kind = c.post(
        "/api/v1/handoffs", json={"kind": "nope", "account": "acme.io"}, headers=api.write
    )
    assert bad_kind.status_code == 422
    assert "valid kinds: devrel_to_sales" in bad_kind.json()["detail"]


def test_routing_rules_and_the_openapi_description(api: Api) -> None:
    rules = api.client.get("/api/v1/routing/rules", headers=api.read).json()
    assert [r["id"] for r in rules["rules"]] == ["enterprise", "emea"]
    assert rules["rules"][0]["conditions"] == ["employees gte 2000", "region eq NA"]
    sdr = next(t for t in rules["teams"] if t["id"] == "sdr")
    assert {m["availability"] for m in sdr["members"]} == {"available"}
    spec = api.client.get("/openapi.json").json()
    move = spec["paths"]["/api/v1/opportunities/{opportunity_id}/move"]["post"]
    assert {"403", "404", "409", "422"} <= set(move["responses"])
    for path in ("/api/v1/leads", "/api/v1/opportunities", "/api/v1/handoffs"):
        schema_ref = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        name = schema_ref.rsplit("/", 1)[1]
        assert spec["components"]["schemas"][name]["examples"], path


def test_opportunity_fields_refuse_what_no_column_or_page_should_hold(api: Api) -> None:
    c = api.client
    made = c.post(
        "/api/v1/opportunities",
        json={"account": "acme.io", "name": "Acme big", "amount": "1000"},
        headers=api.write,
    )
    assert made.status_code == 201, made.text
    url = f"/api/v1/opportunities/{made.json()['id']}"
    for amount in ("1e30", "1e400", "99999999999999999999"):
        refused = c.patch(url, json={"amount": amount}, headers=api.write)
        assert refused.status_code == 422, (amount, refused.text)
        assert refused.json()["field"] == "amount"
        assert "too large" in refused.json()["detail"]
    created = c.post(
        "/api/v1/opportunities",
        json={"account": "acme.io", "name": "Huge", "amount": "1e30"},
        headers=api.write,
    )
    assert created.status_code == 422
    many = c.patch(url, json={"commitments": ["x"] * 51}, headers=api.write)
    assert many.status_code == 422
    assert "body.commitments" in many.json()["detail"]
    long_reason = c.post(
        f"{url}/move",
        json={"stage": "technical_evaluation", "override_reason": "R" * 2001},
        headers=api.admin,
    )
    assert long_reason.status_code == 422
    assert "body.override_reason" in long_reason.json()["detail"]
    after = c.get(url, headers=api.read).json()
    assert after["opportunity"]["amount"] == "1000.00"
    assert after["opportunity"]["stage"] == "discovery"
    assert after["opportunity"]["commitments"] in (None, [])
    names = [
        o["name"] for o in c.get("/api/v1/opportunities", headers=api.read).json()["opportunities"]
    ]
    assert "Huge" not in names
