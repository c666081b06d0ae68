"""Settings pages do what they say: users, keys (secret shown once), audit, configuration."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from devfunnel.admin import users
from devfunnel.config import load_settings
from devfunnel.store import Store
from devfunnel.web.app import create_app
from tests.helpers.web import PASSWORD, sign_in


@pytest.fixture
def admin(client: TestClient) -> str:
    return sign_in(client, "admin@acme.dev")


def test_an_admin_adds_a_user_who_can_then_sign_in(client: TestClient, admin: str) -> None:
    form = {"email": "new@acme.dev", "name": "New Person", "role": "devrel",
            "password": PASSWORD, "csrf_token": admin}  # fmt: skip
    response = client.post("/settings/users", data=form)
    assert "Created devrel new@acme.dev." in response.text
    assert 'data-user="new@acme.dev"' in response.text
    assert "Created devrel" not in client.get("/settings/users").text  # a flash shows once
    client.cookies.clear()
    sign_in(client, "new@acme.dev")
    assert client.get("/api/v1/me").json()["role"] == "devrel"


def test_a_refused_form_says_why(client: TestClient, admin: str) -> None:
    form = {"email": "x@acme.dev", "role": "seller", "password": "short", "csrf_token": admin}
    response = client.post("/settings/users", data=form)
    assert "at least 12 characters" in response.text
    assert 'class="flash flash-error"' in response.text


def test_role_password_and_activation_forms(
    client: TestClient, admin: str, page_store: Store
) -> None:
    viewer = users.get_user(page_store, "viewer@acme.dev")
    base = f"/settings/users/{viewer.id}"
    assert (
        "is now seller"
        in client.post(base + "/role", data={"role": "seller", "csrf_token": admin}).text
    )
    client.post(base + "/password", data={"password": "a new long passphrase",
                                          "csrf_token": admin})  # fmt: skip
    assert (
        "deactivated"
        in client.post(base + "/active", data={"active": "false", "csrf_token": admin}).text
    )
    after = users.get_user(page_store, viewer.id)
    assert (after.role, after.active) == ("seller", False)
    audit = client.get("/settings/audit?actor=admin%40acme.dev").text
    for action in ("user.set_role", "user.set_password", "user.deactivate"):
        assert action in audit


def test_a_new_key_secret_is_shown_once(client: TestClient, admin: str) -> None:
    response = client.post("/settings/keys", data={"name": "web app", "scope": "ingest",
                                                   "csrf_token": admin})  # fmt: skip
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-key-secret">(df_ingest_[^<]+)<', response.text)
    assert secret
    listing = client.get("/settings/keys").text
    assert secret.group(1) not in listing
    assert secret.group(1)[:18] in listing  # the prefix tells keys apart
    me = client.get("/api/v1/summary", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert me.status_code == 403  # an ingest key does not read


def test_revoking_a_key(client: TestClient, admin: str) -> None:
    client.post("/settings/keys", data={"name": "old", "scope": "read", "csrf_token": admin})
    key_id = client.get("/api/v1/keys").json()["keys"][0]["id"]
    response = client.post(f"/settings/keys/{key_id}/revoke", data={"csrf_token": admin})
    assert "Revoked read key old" in response.text
    assert 'data-key="old"' not in response.text
    assert 'data-key="old"' in client.get("/settings/keys?revoked=true").text


def test_a_forged_form_post_is_refused(client: TestClient, admin: str) -> None:
    response = client.post("/settings/keys", data={"name": "evil", "scope": "admin"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert client.get("/api/v1/keys").json()["keys"] == []


def test_the_audit_log_filters(client: TestClient, admin: str) -> None:
    client.post("/settings/keys", data={"name": "k1", "scope": "read", "csrf_token": admin})
    page = client.get("/settings/audit?action=api_key.").text
    assert "<code>api_key.create</code>" in page
    assert "<code>user.create</code>" not in page
    page = client.get("/settings/audit?entity=user&since=2000-01-01").text
    assert "<code>user.create</code>" in page
    assert "<code>api_key.create</code>" not in page
    assert client.get("/settings/audit?since=not-a-date").status_code == 422


def test_the_configuration_masks_secrets(page_store: Store, role_users: dict[str, str]) -> None:
    settings = load_settings(None, environ={"DEVFUNNEL_GITHUB_WEBHOOK_SECRET": "gh-s3cret-value",
                                            "DEVFUNNEL_SECRET_KEY": "k" * 40})  # fmt: skip
    with TestClient(create_app(settings, page_store, run_worker=False)) as client:
        sign_in(client, "admin@acme.dev")
        page = client.get("/settings/configuration").text
    assert "github_secret = &#34;********&#34;" in page or 'github_secret = "********"' in page
    assert "gh-s3cret-value" not in page
    assert "k" * 40 not in page
    assert "[pipeline]" in page
