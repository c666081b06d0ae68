"""Home, Accounts, an account and Journey over the small demo company, through the pages
and the API, for each role."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.admin.users import get_user
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from devfunnel.vocabulary import ROLES
from devfunnel.web.app import create_app
from tests.helpers.web import make_user, sign_in


def switch(client: TestClient, email: str) -> str:
    """Sign out whoever is signed in, then sign ``email`` in."""
    client.cookies.clear()
    return sign_in(client, email)


@pytest.fixture
def site(demo: Store, settings: Settings) -> Iterator[tuple[TestClient, dict[str, uuid.UUID]]]:
    """The app over the demo, a user of every role, and two accounts: the seller's own
    and another's."""
    for role in ROLES:
        make_user(demo, role)
    seller = get_user(demo, "seller@acme.dev").id
    with demo.transaction() as conn:
        ours, theirs = conn.execute(
            sa.select(accounts.c.id).where(accounts.c.merged_into.is_(None))
            .order_by(accounts.c.id).limit(2)
        ).scalars().all()  # fmt: skip
        conn.execute(accounts.update().where(accounts.c.id == ours).values(owner_id=seller))
    with TestClient(create_app(settings, demo, run_worker=False)) as client:
        yield client, {"ours": ours, "theirs": theirs}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_page(
    site: tuple[TestClient, dict[str, uuid.UUID]], role: str
) -> None:
    client, ids = site
    sign_in(client, f"{role}@acme.dev")
    home = client.get("/")
    assert home.status_code == 200
    assert 'data-kpi="handoff_quality"' in home.text
    assert "not measured yet" in home.text  # forecast accuracy, honestly
    assert 'aria-label="Your work"' in home.text
    for path in ("/accounts", "/journey", f"/accounts/{ids['ours']}", "/journey?subject=person"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[-500:])
    nav = re.findall(r'<nav class="mainnav".*?</nav>', home.text, re.S)[0]
    assert ">Accounts<" in nav
    assert ">Journey<" in nav


def test_a_seller_sees_their_accounts_first(site: tuple[TestClient, dict[str, uuid.UUID]]) -> None:
    client, ids = site
    sign_in(client, "seller@acme.dev")
    home = client.get("/").text
    work = home[home.index('aria-label="Your work"') :]
    assert f"/accounts/{ids['ours']}" in work[: work.index("</section>")]
    mine = client.get("/accounts?owner=me").text
    assert re.search(r'id="account-count">1 account<', mine)


def test_the_list_filters_sorts_pages_and_refuses_bad_filters(
    site: tuple[TestClient, dict[str, uuid.UUID]],
) -> None:
    client, _ = site
    sign_in(client, "viewer@acme.dev")
    page = client.get("/accounts?size=25&sort=name").text
    total = int(re.search(r'id="account-count">(\d+) accounts', page).group(1))  # type: ignore[union-attr]
    assert total > 25
    assert 'rel="next"' in page
    second = client.get("/accounts?size=25&sort=name&page=2").text
    assert second.count("data-account=") == total - 25
    graded = client.get("/accounts?grade=A").text
    assert graded.count('class="grade grade-A"') == graded.count("data-account=") > 0
    bad = client.get("/accounts?grade=Z")
    assert bad.status_code == 422
    assert "unknown grade" in bad.text


def test_saving_opening_and_deleting_a_view(site: tuple[TestClient, dict[str, uuid.UUID]]) -> None:
    client, _ = site
    csrf = sign_in(client, "viewer@acme.dev")  # a viewer saves views: they change nothing
    saved = client.post("/accounts/views", data={
        "name": "Top A", "filters": "grade=A&sort=-fit", "csrf_token": csrf})  # fmt: skip
    assert saved.status_code == 200
    assert "Saved the view" in saved.text
    assert 'aria-current="page"' in saved.text
    views = client.get("/api/v1/views").json()["items"]
    assert [(v["name"], v["filters"], v["sort"]) for v in views] == [
        ("Top A", {"grade": "A"}, "-fit")
    ]
    forged = client.post("/accounts/views", data={"name": "x", "filters": ""})
    assert forged.status_code == 403
    gone = client.post(f"/accounts/views/{views[0]['id']}/delete", data={"csrf_token": csrf})
    assert "Deleted the view" in gone.text
    assert client.get("/api/v1/views").json()["items"] == []


def test_the_views_api(site: tuple[TestClient, dict[str, uuid.UUID]]) -> None:
    client, _ = site
    csrf = sign_in(client, "devrel@acme.dev")
    headers = {"X-CSRF-Token": csrf}
    body = {"name": "Build PQAs", "filters": {"stage": "build", "pqa": True}, "shared": True}
    created = client.post("/api/v1/views", json=body, headers=headers)
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["filters"] == {"stage": "build", "pqa": "true"}
    assert client.post("/api/v1/views", json=body, headers=headers).status_code == 409
    bad = client.post("/api/v1/views", json={"name": "x", "filters": {"grade": "Z"}},
                      headers=headers)  # fmt: skip
    assert bad.status_code == 422
    assert "grade" in bad.json()["detail"]
    csrf = switch(client, "seller@acme.dev")
    assert client.get(f"/api/v1/views/{view['id']}").json()["name"] == "Build PQAs"  # shared
    refused = client.delete(f"/api/v1/views/{view['id']}", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403


def test_notes_follow_the_account_owner_through_page_and_api(
    site: tuple[TestClient, dict[str, uuid.UUID]],
) -> None:
    client, ids = site
    ours, theirs = ids["ours"], ids["theirs"]
    csrf = sign_in(client, "seller@acme.dev")
    page = client.get(f"/accounts/{ours}").text
    assert 'name="body"' in page
    assert 'name="body"' not in client.get(f"/accounts/{theirs}").text
    added = client.post(
        f"/accounts/{ours}/notes", data={"body": "Budget in Q1", "csrf_token": csrf}
    )
    assert added.status_code == 200
    assert "Budget in Q1" in added.text
    refused = client.post(f"/accounts/{theirs}/notes", data={"body": "x", "csrf_token": csrf})
    assert refused.status_code == 403
    assert "only their own" in refused.text
    api = client.post(f"/api/v1/accounts/{theirs}/notes", json={"body": "x"},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 403
    notes = client.get(f"/api/v1/accounts/{ours}/notes").json()["items"]
    assert [n["body"] for n in notes] == ["Budget in Q1"]

    csrf = switch(client, "viewer@acme.dev")
    assert 'name="body"' not in client.get(f"/accounts/{ours}").text
    viewer_post = client.post(f"/accounts/{ours}/notes", data={"body": "x", "csrf_token": csrf})
    assert viewer_post.status_code == 403
    viewer_api = client.post(f"/api/v1/accounts/{ours}/notes", json={"body": "x"},
                             headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert viewer_api.status_code == 403
    assert client.delete(f"/api/v1/notes/{notes[0]['id']}",
                         headers={"X-CSRF-Token": csrf}).status_code == 403  # fmt: skip

    csrf = switch(client, "sales_manager@acme.dev")
    deleted = client.delete(f"/api/v1/notes/{notes[0]['id']}", headers={"X-CSRF-Token": csrf})
    assert deleted.status_code == 200
    assert client.get(f"/api/v1/accounts/{ours}/notes").json()["items"] == []


def test_an_unknown_account_is_a_404_page(site: tuple[TestClient, dict[str, uuid.UUID]]) -> None:
    client, _ = site
    sign_in(client, "viewer@acme.dev")
    for path in (f"/accounts/{uuid.uuid4()}", "/accounts/not-an-id"):
        response = client.get(path)
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]
        assert 'class="error-status">404' in response.text


def test_journey_counts_drill_down_to_the_accounts_behind_them(
    site: tuple[TestClient, dict[str, uuid.UUID]],
) -> None:
    client, _ = site
    sign_in(client, "product@acme.dev")
    journey = client.get("/journey").text
    links = re.findall(r'<a href="(/accounts\?cohort=([\d-]+)&amp;reached=(\w+))">(\d+)</a>',
                       journey)  # fmt: skip
    assert links
    for href, _month, _stage, count in links[:6]:
        listed = client.get(href.replace("&amp;", "&")).text
        assert re.search(rf'id="account-count">{count} accounts?<', listed), href
    reached = re.search(r'<a href="(/accounts\?reached=build)">(\d+)</a>', journey)
    assert reached is not None
    listed = client.get(reached.group(1)).text
    assert re.search(rf'id="account-count">{reached.group(2)} accounts?<', listed)


def test_the_views_api_refuses_what_it_cannot_keep(
    site: tuple[TestClient, dict[str, uuid.UUID]],
) -> None:
    client, _ = site
    headers = {
        "X-CSRF-Token": sign_in(client, "devrel@acme.dev"),
        "Content-Type": "application/json",
    }
    extra = client.post("/api/v1/views", json={"name": "x", "bogus": 1}, headers=headers)
    assert extra.status_code == 422
    for number in ("NaN", "Infinity", "1e400"):
        raw = '{"name": "v", "filters": {"min_momentum": ' + number + "}}"
        refused = client.post("/api/v1/views", content=raw, headers=headers)
        assert refused.status_code == 422, (number, refused.text)
        assert "finite" in refused.json()["detail"]
    many = {f"k{i}": "1" for i in range(5000)}
    flood = client.post("/api/v1/views", json={"name": "f", "filters": many}, headers=headers)
    assert flood.status_code == 422
    assert "and 4990 more" in flood.json()["detail"]
    assert len(flood.content) < 5000
    unknown_page = client.get("/api/v1/views", params={"page": "deals"})
    assert unknown_page.status_code == 422
    assert "unknown page 'deals'" in unknown_page.json()["detail"]
    assert client.get("/api/v1/views").json()["items"] == []


def test_notes_name_their_account_as_the_rest_of_the_api_does(
    site: tuple[TestClient, dict[str, uuid.UUID]], demo: Store
) -> None:
    client, ids = site
    with demo.read() as conn:
        domain = conn.execute(
            sa.select(accounts.c.domain).where(accounts.c.id == ids["ours"])
        ).scalar_one()
    headers = {"X-CSRF-Token": sign_in(client, "seller@acme.dev")}
    note = {"body": "Champion is the staff engineer."}
    by_url = client.post(f"/api/v1/accounts/https://www.{domain}/notes", json=note, headers=headers)
    assert by_url.status_code == 201, by_url.text
    assert by_url.json()["account_id"] == str(ids["ours"])
    for ref in (domain, str(ids["ours"]), f"https://{domain}/"):
        listed = client.get(f"/api/v1/accounts/{ref}/notes")
        assert listed.status_code == 200, (ref, listed.text)
        assert [n["body"] for n in listed.json()["items"]] == ["Champion is the staff engineer."]
    assert client.get("/api/v1/accounts/nowhere-at-all.example/notes").status_code == 404
    assert client.get(f"/api/v1/accounts/{domain}/notes/x").status_code == 404
