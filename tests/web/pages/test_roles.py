"""Each role can do what it should and nothing more, through the pages and the API alike.

The admin surfaces (Settings pages, users and keys API) admit admins only; reading admits
every role; the write check of ``web/auth.require`` admits roles that edit something.
"""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.vocabulary import ROLES
from devfunnel.web.app import create_app
from devfunnel.web.auth import WritePrincipal
from tests.helpers.web import sign_in

SETTINGS_PAGES = ["/settings/users", "/settings/keys", "/settings/audit",
                  "/settings/configuration"]  # fmt: skip
#: Roles that change records (their own or any).
EDITORS = {"admin", "sales_manager", "seller", "devrel", "customer_success"}


@pytest.mark.parametrize("role", ROLES)
def test_settings_pages_are_for_admins_only(client: TestClient, role: str) -> None:
    sign_in(client, f"{role}@acme.dev")
    home = client.get("/")
    assert home.status_code == 200
    assert ('href="/settings"' in home.text) is (role == "admin")
    for path in SETTINGS_PAGES:
        response = client.get(path)
        assert response.status_code == (200 if role == "admin" else 403), path
        if role != "admin":
            assert "only admins manage" in response.text.lower()
            assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("role", ROLES)
def test_managing_through_the_api_is_for_admins_only(client: TestClient, role: str) -> None:
    csrf = sign_in(client, f"{role}@acme.dev")
    headers = {"X-CSRF-Token": csrf}
    assert client.get("/api/v1/me").json()["role"] == role
    assert client.get("/api/v1/summary").status_code == 200  # every role reads
    expected = 201 if role == "admin" else 403
    created = client.post("/api/v1/keys", json={"name": f"by {role}", "scope": "read"},
                          headers=headers)  # fmt: skip
    assert created.status_code == expected, created.text
    patch = client.patch("/api/v1/users/viewer@acme.dev", json={"role": "seller"}, headers=headers)
    assert patch.status_code == (200 if role == "admin" else 403)
    for path in ("/api/v1/users", "/api/v1/keys", "/api/v1/audit"):
        assert client.get(path).status_code == (200 if role == "admin" else 403), path


@pytest.mark.parametrize("role", ROLES)
def test_settings_forms_refuse_non_admins(client: TestClient, role: str) -> None:
    csrf = sign_in(client, f"{role}@acme.dev")
    response = client.post("/settings/keys", data={"name": "x", "scope": "read",
                                                   "csrf_token": csrf})  # fmt: skip
    assert response.status_code == (201 if role == "admin" else 403)


@pytest.fixture
def probe_client(page_store: Store, settings: Settings, role_users: dict[str, str]) -> TestClient:
    """The app plus a route that changes a record owned by the seller, as record routes
    (pipeline, handoffs) will: ``WritePrincipal`` then ``require_edit``."""
    app = create_app(settings, page_store, run_worker=False)
    probe = APIRouter()
    seller_id = {}

    @probe.post("/api/v1/probe/{owner}")
    def change(owner: str, principal: WritePrincipal) -> dict[str, str]:
        require_edit(principal, [seller_id.get(owner)], what=f"{owner}'s record")
        return {"changed_by": principal.label}

    app.include_router(probe)
    from devfunnel.admin.users import get_user

    seller_id["seller"] = get_user(page_store, "seller@acme.dev").id
    seller_id["devrel"] = get_user(page_store, "devrel@acme.dev").id
    return TestClient(app)


@pytest.mark.parametrize("role", ROLES)
def test_edits_follow_the_role(probe_client: TestClient, role: str) -> None:
    csrf = sign_in(probe_client, f"{role}@acme.dev")
    headers = {"X-CSRF-Token": csrf}
    mine = probe_client.post(f"/api/v1/probe/{role}", headers=headers).status_code
    theirs = probe_client.post("/api/v1/probe/seller" if role != "seller" else
                               "/api/v1/probe/devrel", headers=headers).status_code  # fmt: skip
    can_own = role in EDITORS
    can_any = role in {"admin", "sales_manager"}
    if role in {"seller", "devrel"}:
        assert mine == 200
    else:
        assert mine == (200 if can_any else 403)
    assert theirs == (200 if can_any else 403), (role, theirs)
    assert can_own or mine == 403


def test_a_session_post_without_the_csrf_header_is_refused(client: TestClient) -> None:
    sign_in(client, "admin@acme.dev")
    response = client.post("/api/v1/keys", json={"name": "forged", "scope": "admin"})
    assert response.status_code == 403
    assert response.json()["needed"] == "csrf_token"


def test_a_bearer_key_needs_no_csrf_token(client: TestClient, page_store: Store) -> None:
    from devfunnel.admin.api_keys import create_key
    from devfunnel.admin.audit import CLI

    secret = create_key(page_store, "automation", "admin", CLI).secret
    response = client.post("/api/v1/keys", json={"name": "made by a key", "scope": "read"},
                           headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
    assert response.status_code == 201
    read_only = response.json()["secret"]
    refused = client.post("/api/v1/keys", json={"name": "x", "scope": "read"},
                          headers={"Authorization": f"Bearer {read_only}"})  # fmt: skip
    assert refused.status_code == 403
    assert Principal  # the policy type the probe uses


def test_admin_bodies_refuse_unknown_fields_and_empty_changes(client: TestClient) -> None:
    headers = {"X-CSRF-Token": sign_in(client, "admin@acme.dev")}
    misspelt = client.patch("/api/v1/users/viewer@acme.dev", json={"rol": "admin"},
                            headers=headers)  # fmt: skip
    assert misspelt.status_code == 422
    assert misspelt.json()["errors"][0]["field"] == "body.rol"
    for empty in ({}, {"role": None}):
        nothing = client.patch("/api/v1/users/viewer@acme.dev", json=empty, headers=headers)
        assert nothing.status_code == 422, empty
        assert "give role, active or both" in nothing.text
    key = client.post("/api/v1/keys", json={"name": "k", "scope": "read", "bogus": 1},
                      headers=headers)  # fmt: skip
    assert key.status_code == 422
    new_user = {"email": "p5@acme.dev", "role": "viewer", "password": "longenoughpass1"}
    user = client.post("/api/v1/users", headers=headers, json={**new_user, "bogus": 1})
    assert user.status_code == 422
    emails = [u["email"] for u in client.get("/api/v1/users").json()["users"]]
    assert "p5@acme.dev" not in emails
    assert client.get("/api/v1/me").json()["role"] == "admin"
