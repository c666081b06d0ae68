"""``/api/v1/accounts`` (list), ``/accounts/{id}/journey``, ``/journey/funnel`` and the
scores on ``/accounts/{id_or_domain}``, over scores computed from real intake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.scoring.updates import compute_all
from devfunnel.store import Store
from devfunnel.web.app import create_app
from tests.helpers.activity import AS_OF, page, send, track


def seed(store: Store, settings: Settings) -> None:
    busy = [track(f"{n}@busy.io", name, d, calls=5)
            for n in ("a", "b", "c")
            for name, d in (("Signed Up", 30), ("First API Call", 25), ("API Usage", 10),
                            ("API Usage", 3), ("API Key Created", 8), ("SDK Installed", 7),
                            ("GitHub Star", 2), ("Community Post", 4), ("Integration Enabled", 1),
                            ("Tutorial Completed", 2), ("Event Attended", 5))]  # fmt: skip
    send(store, settings, *busy, page("boss@busy.io", "Pricing", 2),
         page("x@quiet.io", "Docs", 40), track("y@calm.io", "Signed Up", 5))  # fmt: skip
    import_accounts(store, settings, [
        {"domain": "busy.io", "name": "Busy", "segment": "smb", "employees": 300},
        {"domain": "quiet.io", "name": "Quiet", "segment": "smb"},
        {"domain": "calm.io", "name": "Calm", "segment": "smb"}])  # fmt: skip
    compute_all(store, settings, as_of=AS_OF, pinned=True, history_weeks=4)


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    seed(store, settings)
    key = create_key(store, "reader", "read", CLI).secret
    with TestClient(create_app(settings, store, run_worker=False)) as served:
        yield served, {"Authorization": f"Bearer {key}"}


def test_accounts_ranked_filtered_and_paginated(client: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = client
    body = http.get("/api/v1/accounts", headers=auth).json()
    assert body["total"] == 3
    assert next(a["domain"] for a in body["items"]) == "busy.io"
    momenta = [a["momentum"] for a in body["items"]]
    assert momenta == sorted(momenta, reverse=True)
    top = body["items"][0]
    assert top["grade"] == "A"
    assert top["pqa"]
    assert top["journey_stage"] == "learn"
    assert sum(w["share"] for w in top["why"]["momentum"]) == pytest.approx(top["momentum"])
    page2 = http.get("/api/v1/accounts?limit=1&offset=1", headers=auth).json()
    assert page2["total"] == 3
    assert [a["domain"] for a in page2["items"]] == [body["items"][1]["domain"]]
    assert http.get("/api/v1/accounts?grade=a&pqa=true", headers=auth).json()["total"] == 1
    assert http.get("/api/v1/accounts?stage=build", headers=auth).json()["total"] == 0
    by_fit = http.get("/api/v1/accounts?sort=fit&segment=SMB", headers=auth).json()
    assert by_fit["items"][0]["domain"] == "busy.io"


@pytest.mark.parametrize(
    ("query", "named"),
    [("grade=Z", "'Z'"), ("stage=orbit", "'orbit'"), ("sort=vibes", "'vibes'"), ("limit=0", "")],
)
def test_bad_filters_are_422_naming_the_value(
    client: tuple[TestClient, dict[str, str]], query: str, named: str
) -> None:
    http, auth = client
    response = http.get(f"/api/v1/accounts?{query}", headers=auth)
    assert response.status_code == 422
    assert named in response.text


def test_a_key_is_needed(client: tuple[TestClient, dict[str, str]]) -> None:
    http, _ = client
    assert http.get("/api/v1/accounts").status_code == 401


def test_account_journey_and_scores(client: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = client
    body = http.get("/api/v1/accounts/busy.io/journey", headers=auth).json()
    assert [s["stage"] for s in body["stages"]] == ["discover", "evaluate", "learn", "build",
                                                    "scale"]  # fmt: skip
    assert body["journey_stage"] == "learn"
    assert body["stages"][2]["milestone"] == "first_api_call"
    assert body["stages"][3]["reached_at"] is None
    assert {p["email"] for p in body["developers"]} == {"a@busy.io", "b@busy.io", "c@busy.io"}
    assert [p["email"] for p in body["buyers"]] == ["boss@busy.io"]
    assert body["scores"]["grade"] == "A"
    account = http.get("/api/v1/accounts/busy.io", headers=auth).json()
    assert account["scores"]["momentum"] == body["scores"]["momentum"]
    assert http.get("/api/v1/accounts/nope.io/journey", headers=auth).status_code == 404


def test_funnel_by_cohort_month(client: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = client
    body = http.get("/api/v1/journey/funnel?ids=true", headers=auth).json()
    assert body["subject"] == "account"
    months = {c["month"]: c for c in body["cohorts"]}
    # First touches 40 and 30 days before 1 March (busy, quiet), and 5 (calm).
    assert set(months) == {"2026-01-01", "2026-02-01"}
    jan = months["2026-01-01"]["stages"]
    assert [s["reached"] for s in jan[:4]] == [2, 1, 1, 0]
    assert [s["conversion"] for s in jan[:4]] == [None, 0.5, 1.0, 0.0]
    assert len(jan[0]["ids"]) == 2
    feb = months["2026-02-01"]["stages"]
    assert [s["reached"] for s in feb[:3]] == [1, 1, 0]
    assert [s["at_stage"] for s in body["stages"][:3]] == [1, 1, 1]
    people = http.get("/api/v1/journey/funnel?subject=person", headers=auth).json()
    assert people["subject"] == "person"
    bad = http.get("/api/v1/journey/funnel?subject=team", headers=auth)
    assert bad.status_code == 422
    assert "'team'" in bad.text
