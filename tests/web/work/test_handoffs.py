"""The Handoffs page: queues (mine, my team, all) with packets and SLA clocks, accept and
reject through the same service as the API, who may act, and the quality figures."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.pipeline import handoff_queue
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import handoffs
from tests.helpers.web import sign_in
from tests.helpers.work import WorkWorld


def state_of(store: Store, handoff_id: uuid.UUID) -> tuple[str, str | None]:
    with store.read() as conn:
        row = conn.execute(
            sa.select(handoffs.c.state, handoffs.c.reason).where(handoffs.c.id == handoff_id)
        ).one()
    return row.state, row.reason


def shown(html: str) -> set[str]:
    return set(re.findall(r'id="handoff-([0-9a-f-]{36})"', html))


def test_queues_are_mine_my_teams_and_everyones(client: TestClient, world: WorkWorld) -> None:
    sign_in(client, "seller@acme.dev")
    mine = client.get("/handoffs").text  # mine, pending, by default
    assert shown(mine) == {str(world.handoffs["to_seller"])}
    team = client.get("/handoffs?scope=team").text  # sellers: the seller's and Sam's
    assert shown(team) == {str(world.handoffs["to_seller"]), str(world.handoffs["to_other"])}
    everyone = client.get("/handoffs?scope=all").text
    assert shown(everyone) == {str(h) for h in world.handoffs.values()}
    assert "My team (seller)" in mine
    # Each with its packet and its SLA clock, breached ones marked.
    assert "Packet (" in mine
    assert "Meddpicc" in mine
    breached = re.search(
        rf'id="handoff-{world.handoffs["breached"]}".*?</article>', everyone, re.S
    ).group(0)  # type: ignore[union-attr]
    assert "overdue" in everyone
    assert "SLA breached" in breached
    assert 'data-due="' in mine
    bad = client.get("/handoffs?scope=nobody")
    assert bad.status_code == 422, bad.text
    assert "unknown scope" in bad.text.lower()


def test_the_queue_pages_on_with_its_filters_kept(
    client: TestClient, world: WorkWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handoff_queue, "QUEUE_LIMIT", 2)
    sign_in(client, "admin@acme.dev")
    seen: list[str] = []
    link: str | None = "/handoffs?scope=all&state="
    while link is not None:
        html = client.get(link).text
        page = sorted(shown(html), key=html.index)
        assert 1 <= len(page) <= 2
        seen += page
        found = re.search(r'href="([^"]*)" rel="next"', html)
        link = found.group(1).replace("&amp;", "&") if found else None
        if link is not None:
            assert "scope=all" in link
            assert "offset=" in link
    # Every handoff once, across the pages, the earliest due first.
    assert sorted(seen) == sorted(str(h) for h in world.handoffs.values())
    assert len(seen) == len(set(seen)) > 2
    last = client.get("/handoffs?scope=all&state=&offset=2").text
    assert 'rel="prev"' in last
    assert client.get("/handoffs?offset=-1").status_code == 422


def test_the_receiver_accepts_and_the_audit_log_says_who(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "seller@acme.dev")
    handoff = world.handoffs["to_seller"]
    page = client.post(f"/handoffs/{handoff}/accept", data={"csrf_token": csrf})
    assert page.status_code == 200
    assert "Accepted the handoff of Acme." in page.text
    assert state_of(page_store, handoff) == ("accepted", None)
    a = audit_log.c
    with page_store.read() as conn:
        entry = conn.execute(
            sa.select(a.action, a.actor_label).where(
                a.entity_id == handoff, a.action == "handoff.accept"
            )
        ).one()
    assert entry.actor_label == "seller@acme.dev"
    again = client.post(f"/handoffs/{handoff}/accept", data={"csrf_token": csrf})
    assert "only pending handoffs can be accepted" in again.text


def test_rejecting_needs_a_reason(client: TestClient, world: WorkWorld, page_store: Store) -> None:
    csrf = sign_in(client, "customer_success@acme.dev")
    handoff = world.handoffs["breached"]
    page = client.post(f"/handoffs/{handoff}/reject", data={"csrf_token": csrf, "reason": " "})
    assert "a reason is required to reject a handoff" in page.text
    assert state_of(page_store, handoff) == ("pending", None)
    client.post(f"/handoffs/{handoff}/reject",
                data={"csrf_token": csrf, "reason": "No commitments recorded"})  # fmt: skip
    assert state_of(page_store, handoff) == ("rejected", "No commitments recorded")


def test_only_the_receiver_or_a_manager_acts_and_viewers_never(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "seller@acme.dev")
    other = world.handoffs["to_other"]
    everyone = client.get("/handoffs?scope=all").text
    theirs = re.search(rf'id="handoff-{other}".*?</article>', everyone, re.S).group(0)  # type: ignore[union-attr]
    assert "Accept</button>" not in theirs
    page = client.post(f"/handoffs/{other}/accept", data={"csrf_token": csrf})
    assert "may change only their own records" in page.text
    api = client.post(f"/api/v1/handoffs/{other}/accept", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 403
    client.post("/logout", data={"csrf_token": csrf})

    csrf = sign_in(client, "viewer@acme.dev")
    assert "Accept</button>" not in client.get("/handoffs?scope=all").text
    page = client.post(f"/handoffs/{other}/reject", data={"csrf_token": csrf, "reason": "x"})
    assert "may not change" in page.text
    api = client.post(f"/api/v1/handoffs/{other}/reject", json={"reason": "x"},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 403
    assert state_of(page_store, other) == ("pending", None)
    client.post("/logout", data={"csrf_token": csrf})

    csrf = sign_in(client, "sales_manager@acme.dev")
    client.post(f"/handoffs/{other}/accept", data={"csrf_token": csrf})
    assert state_of(page_store, other) == ("accepted", None)


def test_quality_figures_follow_the_decisions(
    client: TestClient, world: WorkWorld, page_store: Store
) -> None:
    csrf = sign_in(client, "admin@acme.dev")
    before = client.get("/handoffs?scope=all").text
    assert "Handoff quality" in before
    assert 'id="handoff-trend"' in before
    assert 'id="handoff-kinds"' in before
    client.post(f"/handoffs/{world.handoffs['to_seller']}/accept", data={"csrf_token": csrf})
    client.post(f"/handoffs/{world.handoffs['to_other']}/reject",
                data={"csrf_token": csrf, "reason": "Not ready"})  # fmt: skip
    after = client.get("/handoffs?scope=all&state=").text
    table = re.search(r'<table class="data" id="quality-table">.*?</table>', after, re.S).group(0)  # type: ignore[union-attr]
    row = re.search(r"<tr><td>SDR to AE.*?</tr>", table, re.S).group(0)  # type: ignore[union-attr]
    assert "100%" in row  # accepted: acceptance 100%
    row = re.search(r"<tr><td>DevRel to sales.*?</tr>", table, re.S).group(0)  # type: ignore[union-attr]
    assert ">0%<" in row  # rejected: acceptance 0%
