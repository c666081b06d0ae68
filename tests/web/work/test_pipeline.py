"""The Pipeline page: the board by stage with each card's gate, gated moves through the
page and the API (the same service), and who may move what."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import opportunities, stage_history
from tests.helpers.web import sign_in
from tests.helpers.work import WorkWorld


def stage_of(store: Store, opportunity_id: object) -> str:
    with store.read() as conn:
        found: str = conn.execute(
            sa.select(opportunities.c.stage).where(opportunities.c.id == opportunity_id)
        ).scalar_one()
    return found


def moves_audited(store: Store, opportunity_id: object) -> list[tuple[str, str | None]]:
    a = audit_log.c
    with store.read() as conn:
        return [
            (r.action, r.actor_label)
            for r in conn.execute(
                sa.select(a.action, a.actor_label).where(
                    a.entity_id == opportunity_id, a.action == "opportunity.move"
                )
            )
        ]


def card(html: str, name: str) -> str:
    found = re.search(
        rf'<article class="deal[^"]*"[^>]*data-name="{name}".*?</article>', html, re.S
    )
    assert found, f"no card {name}"
    return found.group(0)


def test_the_board_shows_every_stage_and_each_cards_gate(
    client: TestClient, world: WorkWorld
) -> None:
    sign_in(client, "viewer@acme.dev")
    page = client.get("/pipeline")
    assert page.status_code == 200
    html = page.text
    for label in ("Discovery", "Technical evaluation", "Business case", "Negotiation"):
        assert f'data-label="{label}"' in html
    acme = card(html, "Acme platform")
    assert "$48,000.00" in acme or "48,000" in acme
    assert "seller@acme.dev" in acme
    assert "exit criteria missing" in acme
    assert "set primary_contact" in acme  # what is missing, said as what to do
    assert "ready for Technical evaluation" in card(html, "Globex API")
    # A viewer sees the board and no way to move anything.
    assert 'draggable="true"' not in html
    assert "move-form" not in html


def test_a_refused_move_says_what_is_missing_and_leaves_the_card(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "seller@acme.dev")
    response = client.post(
        f"/pipeline/{world.acme_platform}/move",
        data={"stage": "technical_evaluation", "csrf_token": csrf, "next": "/pipeline"},
    )
    assert response.status_code == 200  # followed back to the board
    assert "Not moved to Technical evaluation" in response.text
    assert "set primary_contact (required to leave discovery)" in response.text
    assert "qualify identify_pain to at least 1" in response.text
    assert stage_of(page_store, world.acme_platform) == "discovery"
    assert moves_audited(page_store, world.acme_platform) == []
    # The API, the same move, refuses the same way with the list as data.
    api = client.post(
        f"/api/v1/opportunities/{world.acme_platform}/move",
        json={"stage": "technical_evaluation"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 409
    names = {m["name"] for m in api.json()["missing"]}
    assert {"primary_contact", "identify_pain", "metrics"} <= names


def test_an_allowed_move_lands_in_history_and_the_audit_log(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "seller@acme.dev")
    response = client.post(
        f"/pipeline/{world.globex_api}/move",
        data={"stage": "technical_evaluation", "csrf_token": csrf},
    )
    assert response.status_code == 200
    assert "Moved Globex API from Discovery to Technical evaluation." in response.text
    assert stage_of(page_store, world.globex_api) == "technical_evaluation"
    assert moves_audited(page_store, world.globex_api) == [("opportunity.move", "seller@acme.dev")]
    with page_store.read() as conn:
        history = (
            conn.execute(
                sa.select(stage_history.c.to_stage).where(
                    stage_history.c.opportunity_id == world.globex_api
                )
            )
            .scalars()
            .all()
        )
    assert "technical_evaluation" in history
    # Losing needs a reason, through the page as through the API.
    refused = client.post(
        f"/pipeline/{world.globex_api}/move", data={"stage": "closed_lost", "csrf_token": csrf}
    )
    assert "lost_reason is required" in refused.text
    lost = client.post(
        f"/pipeline/{world.globex_api}/move",
        data={"stage": "closed_lost", "lost_reason": "Built in-house", "csrf_token": csrf},
    )
    assert "to Closed lost" in lost.text or stage_of(page_store, world.globex_api) == "closed_lost"
    assert stage_of(page_store, world.globex_api) == "closed_lost"


def test_sellers_move_only_their_own_and_viewers_nothing(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "seller@acme.dev")
    html = client.get("/pipeline").text
    assert 'draggable="true"' in card(html, "Acme platform")
    assert 'draggable="true"' not in card(html, "Initech renewal")
    page = client.post(
        f"/pipeline/{world.initech}/move", data={"stage": "closed_lost", "lost_reason": "x",
                                                  "csrf_token": csrf},
    )  # fmt: skip
    assert "may change only their own records" in page.text
    api = client.post(f"/api/v1/opportunities/{world.initech}/move",
                      json={"stage": "closed_lost", "lost_reason": "x"},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 403
    assert stage_of(page_store, world.initech) == "discovery"

    client.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(client, "viewer@acme.dev")
    page = client.post(f"/pipeline/{world.globex_api}/move",
                       data={"stage": "technical_evaluation", "csrf_token": csrf})  # fmt: skip
    assert "may not change" in page.text
    api = client.post(f"/api/v1/opportunities/{world.globex_api}/move",
                      json={"stage": "technical_evaluation"},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 403
    assert stage_of(page_store, world.globex_api) == "discovery"


def test_a_sales_manager_moves_anyones_and_a_move_needs_the_csrf_token(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "sales_manager@acme.dev")
    forged = client.post(f"/pipeline/{world.initech}/move",
                         data={"stage": "closed_lost", "lost_reason": "x"})  # fmt: skip
    assert forged.status_code == 403
    assert stage_of(page_store, world.initech) == "discovery"
    client.post(
        f"/pipeline/{world.initech}/move",
        data={"stage": "closed_lost", "lost_reason": "Budget cut", "csrf_token": csrf},
    )
    assert stage_of(page_store, world.initech) == "closed_lost"


def test_filters_show_mine_or_one_owners(client: TestClient, world: WorkWorld) -> None:
    sign_in(client, "seller@acme.dev")
    mine = client.get("/pipeline?mine=true").text
    assert 'data-name="Acme platform"' in mine
    assert 'data-name="Initech renewal"' not in mine
    sams = client.get("/pipeline?owner=sam.seller@acme.dev").text
    assert 'data-name="Initech renewal"' in sams
    assert 'data-name="Acme platform"' not in sams
    unknown = client.get("/pipeline?owner=nobody@acme.dev")
    assert unknown.status_code == 422
    assert "no devfunnel user" in unknown.text
