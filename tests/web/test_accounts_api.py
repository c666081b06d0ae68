"""``GET /api/v1/accounts/{id_or_domain}`` over accounts resolved from real intake."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts, people
from tests.identity.test_privacy import person_of
from tests.web.test_people_api import Api, serving


@pytest.fixture
def api(store: Store, settings: Settings) -> Iterator[Api]:
    with serving(store, settings) as served:
        yield served


def acme_id(store: Store) -> uuid.UUID:
    with store.read() as conn:
        return conn.execute(sa.select(accounts.c.id).where(accounts.c.domain == "acme.io")).one()[0]


def test_an_account_by_any_spelling_of_its_domain(api: Api, store: Store) -> None:
    for ref in ("acme.io", "ACME.io", "https://www.Acme.io/", "https://www.acme.io?x=1",
                "http://acme.io", "https:/www.acme.io/", "eng.acme.io", "www.acme.io",
                "https%3A%2F%2Fwww.acme.io%2F"):  # fmt: skip
        response = api.client.get(f"/api/v1/accounts/{ref}", headers=api.read)
        assert response.status_code == 200, (ref, response.text)
        assert response.json()["id"] == str(acme_id(store)), ref


def test_an_account_by_id_with_its_people_and_figures(api: Api, store: Store) -> None:
    body = api.client.get(f"/api/v1/accounts/{acme_id(store)}", headers=api.read).json()
    assert body == api.client.get("/api/v1/accounts/acme.io", headers=api.read).json()
    assert (body["domain"], body["name"]) == ("acme.io", "Acme Inc")
    firmographics = {k: body[k] for k in ("industry", "employees", "country", "region", "segment")}
    assert firmographics == {"industry": "Software", "employees": 250, "country": "US",
                             "region": "NA", "segment": "mid_market"}  # fmt: skip
    with store.read() as conn:
        members = conn.execute(
            sa.select(people).where(
                people.c.account_id == acme_id(store), people.c.merged_into.is_(None)
            )
        ).all()
    assert len(members) == body["people_count"] == 2
    jane, bob = person_of(store, "email:jane.doe@acme.io"), person_of(store, "email:bob@acme.io")
    # Most active first.
    assert [p["id"] for p in body["people"]] == [str(jane), str(bob)]
    assert body["people"][0] == {
        "id": str(jane), "name": "Jane Doe", "email": "jane.doe@acme.io",
        "persona": "developer", "event_count": 7,
        "last_seen": body["people"][0]["last_seen"]}  # fmt: skip
    assert body["event_count"] == sum(m.event_count for m in members) == 9
    assert datetime.fromisoformat(body["first_seen"]) == min(m.first_seen for m in members)
    assert datetime.fromisoformat(body["last_seen"]) == max(m.last_seen for m in members)

    limited = api.client.get(
        "/api/v1/accounts/acme.io", params={"people_limit": 1}, headers=api.read
    ).json()
    assert [p["id"] for p in limited["people"]] == [str(jane)]
    assert limited["people_count"] == 2
    assert limited["event_count"] == body["event_count"]


def test_a_merged_account_leads_to_the_survivor(api: Api, store: Store, settings: Settings) -> None:
    old = {"external_id": "009Z", "crm": "salesforce", "name": "Old", "domain": "acme-old.com"}
    import_accounts(store, settings, [old])
    with store.transaction() as conn:  # no account-merge writer exists yet: set the tombstone
        found = conn.execute(sa.select(accounts.c.id).where(accounts.c.domain == "acme-old.com"))
        old_id = found.scalar_one()
        conn.execute(
            accounts.update().where(accounts.c.id == old_id).values(merged_into=acme_id(store))
        )
    for ref in (str(old_id), "acme-old.com"):
        body = api.client.get(f"/api/v1/accounts/{ref}", headers=api.read).json()
        assert body["id"] == str(acme_id(store)), ref


def test_unknown_accounts_are_404_problems(api: Api) -> None:
    nobody = str(uuid.UUID(int=7))
    for ref, detail in (
        (nobody, f"no account with the id {nobody}"),
        ("globex.com", "no account with the domain globex.com"),
        ("https://www.gmail.com/", "no account with the domain gmail.com"),
        ("acme", "no account 'acme': give an account id or a domain"),
        ("co.uk", "no account 'co.uk': give an account id or a domain"),
    ):
        response = api.client.get(f"/api/v1/accounts/{ref}", headers=api.read)
        assert response.status_code == 404, ref
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == detail


def test_what_follows_the_account_is_a_sub_resource(api: Api, store: Store) -> None:
    """The account is one segment, or a URL up to its host: the rest of the path names a
    sub-resource, and one that does not exist is a 404, never the account."""
    acme = str(acme_id(store))
    for ref in (acme, "acme.io", "https://www.acme.io", "https://www.acme.io/", "https:/acme.io"):
        journey = api.client.get(f"/api/v1/accounts/{ref}/journey", headers=api.read)
        assert journey.status_code == 200, (ref, journey.text)
        assert journey.json()["account_id"] == acme, ref
        for rest in ("bogus", "journey/extra", "notes/x", "pricing", "x/journey"):
            response = api.client.get(f"/api/v1/accounts/{ref}/{rest}", headers=api.read)
            assert response.status_code == 404, (ref, rest, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert "id" not in response.json()
    notes = api.client.get(f"/api/v1/accounts/{acme}/notes", headers=api.read)
    assert (notes.status_code, notes.json()) == (200, {"items": []})
    unknown = api.client.get("/api/v1/accounts/https://globex.com/journey", headers=api.read)
    assert unknown.json()["detail"] == "no account with the domain globex.com"


def test_a_read_key_is_required(api: Api) -> None:
    assert api.client.get("/api/v1/accounts/acme.io").status_code == 401
    forbidden = api.client.get("/api/v1/accounts/acme.io", headers=api.ingest)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"


def test_the_openapi_describes_the_response_with_an_example(api: Api) -> None:
    spec = api.client.app.openapi()  # type: ignore[attr-defined]
    operation = spec["paths"]["/api/v1/accounts/{id_or_domain}"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Account"}
    assert {"401", "403", "404"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    (example,) = schemas["Account"]["examples"]
    assert set(example) == set(schemas["Account"]["properties"])
    assert set(example["people"][0]) == set(schemas["AccountPerson"]["properties"])
