"""The People page and the identity API: search, a person with their merge history,
merge suggestions with evidence, deciding them and unmerging, and who may."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.identity import merge_suggestions, people
from devfunnel.vocabulary import ROLES
from tests.helpers.web import sign_in
from tests.helpers.work import WorkWorld

MERGERS = {"admin", "sales_manager", "devrel"}


def status_of(store: Store, suggestion: uuid.UUID) -> str:
    with store.read() as conn:
        found: str = conn.execute(
            sa.select(merge_suggestions.c.status).where(merge_suggestions.c.id == suggestion)
        ).scalar_one()
    return found


def merged_into(store: Store, person: uuid.UUID) -> uuid.UUID | None:
    with store.read() as conn:
        found: uuid.UUID | None = conn.execute(
            sa.select(people.c.merged_into).where(people.c.id == person)
        ).scalar_one()
    return found


def actions(store: Store) -> list[tuple[str, str | None]]:
    a = audit_log.c
    with store.read() as conn:
        rows = conn.execute(sa.select(a.action, a.actor_label).order_by(a.occurred_at, a.id))
        return [
            (r.action, r.actor_label) for r in rows if r.action.startswith(("person.", "merge_"))
        ]


def test_search_and_a_person_with_identities_and_account(
    client: TestClient, world: WorkWorld
) -> None:
    sign_in(client, "viewer@acme.dev")
    page = client.get("/people?q=JANE")
    assert page.status_code == 200
    results = re.search(r'<ul class="people-list".*?</ul>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert "jane@acme.io" in results
    assert "jane.doe@gmail.com" in results
    assert "bob@globex.com" not in results
    one = client.get(f"/people?person={world.people['jane']}").text
    assert "email:jane@acme.io" not in one  # identities shown as kind and value
    assert re.search(r"<td>email</td><td class=\"mono\">jane@acme.io</td>", one)
    assert ">Acme</a>" in one
    assert "Never merged." in one
    # The API says the same.
    found = client.get("/api/v1/people/search", params={"q": "globex"}).json()["people"]
    assert {p["email"] for p in found} == {"bob@globex.com", "robert.smith@globex.com"}
    detail = client.get(f"/api/v1/people/{world.people['jane']}").json()
    assert detail["person"]["account"]["domain"] == "acme.io"
    assert [s["id"] for s in detail["suggestions"]] == [str(world.suggestions["jane"])]
    assert client.get(f"/api/v1/people/{uuid.uuid4()}").status_code == 404


def test_suggestions_show_probability_and_evidence(client: TestClient, world: WorkWorld) -> None:
    sign_in(client, "viewer@acme.dev")
    page = client.get("/people").text
    pattern = rf'id="suggestion-{world.suggestions["jane"]}".*?</article>'
    found = re.search(pattern, page, re.S)
    assert found
    box = found.group(0)
    assert "91.0%" in box
    assert "gmail.com" in box
    assert 'class="for"' in box
    assert 'class="against"' in box  # the company comparison counted against
    assert "Merge</button>" not in page  # a viewer cannot decide
    api = client.get("/api/v1/identity/suggestions").json()
    assert api["total"] == 2
    assert [s["probability"] for s in api["suggestions"]] == [0.91, 0.64]
    first = api["suggestions"][0]
    assert {e["comparison"] for e in first["evidence"]} == {"name", "email", "company"}
    assert {first["person_a"]["email"], first["person_b"]["email"]} == {
        "jane@acme.io",
        "jane.doe@gmail.com",
    }
    bad = client.get("/api/v1/identity/suggestions?status=open")
    assert bad.status_code == 422


def test_approve_then_unmerge_through_the_page(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "devrel@acme.dev")
    page = client.post(
        f"/people/suggestions/{world.suggestions['jane']}/accept", data={"csrf_token": csrf}
    )
    assert page.status_code == 200
    assert "Merged: the two are one person now" in page.text
    assert status_of(page_store, world.suggestions["jane"]) == "accepted"
    a, b = world.people["jane"], world.people["jane.doe"]
    loser = max(a, b)
    assert merged_into(page_store, loser) == min(a, b)
    merge_id = re.search(r'data-merge="([0-9a-f-]{36})"', page.text).group(1)  # type: ignore[union-attr]
    assert "Unmerge</button>" in page.text
    page = client.post(f"/people/merges/{merge_id}/unmerge",
                       data={"csrf_token": csrf, "reason": "Two Janes"})  # fmt: skip
    assert "Unmerged" in page.text
    assert merged_into(page_store, loser) is None
    assert actions(page_store) == [
        ("person.merge", "devrel@acme.dev"),
        ("merge_suggestion.accept", "devrel@acme.dev"),
        ("person.block", "devrel@acme.dev"),
        ("person.unmerge", "devrel@acme.dev"),
    ]
    again = client.post(f"/people/merges/{merge_id}/unmerge", data={"csrf_token": csrf})
    assert "already undone" in again.text


def test_reject_through_the_api_keeps_them_apart(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "sales_manager@acme.dev")
    headers = {"X-CSRF-Token": csrf}
    done = client.post(f"/api/v1/identity/suggestions/{world.suggestions['bob']}/reject",
                       json={"reason": "Father and son"}, headers=headers)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "rejected"
    assert status_of(page_store, world.suggestions["bob"]) == "rejected"
    twice = client.post(f"/api/v1/identity/suggestions/{world.suggestions['bob']}/reject",
                        json={}, headers=headers)  # fmt: skip
    assert twice.status_code == 409
    accepted = client.post(f"/api/v1/identity/suggestions/{world.suggestions['jane']}/accept",
                           json={}, headers=headers).json()  # fmt: skip
    merge = accepted["merge"]
    undone = client.post(f"/api/v1/identity/merges/{merge}/unmerge", json={"block": True},
                         headers=headers)  # fmt: skip
    assert undone.status_code == 200
    assert undone.json()["restored"] == str(max(world.people["jane"], world.people["jane.doe"]))


@pytest.mark.parametrize("role", sorted(set(ROLES) - MERGERS))
def test_other_roles_cannot_merge_or_unmerge(
    client: TestClient, world: WorkWorld, page_store: Store, role: str
) -> None:
    csrf = sign_in(client, f"{role}@acme.dev")
    page = client.post(
        f"/people/suggestions/{world.suggestions['jane']}/accept", data={"csrf_token": csrf}
    )
    assert "may not" in page.text
    api = client.post(f"/api/v1/identity/suggestions/{world.suggestions['jane']}/accept",
                      json={}, headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 403
    api = client.post(f"/api/v1/identity/merges/{uuid.uuid4()}/unmerge", json={},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 403
    assert status_of(page_store, world.suggestions["jane"]) == "pending"
    assert "Merge</button>" not in client.get("/people").text
