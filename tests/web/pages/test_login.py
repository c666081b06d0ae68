"""Signing in and out through the pages: redirects, one generic error, throttling, the
cookie's flags, CSRF on the sign-in and sign-out forms."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from devfunnel.config import Settings, load_settings
from devfunnel.store import Store
from devfunnel.web.app import create_app
from devfunnel.web.pages.shell import safe_next
from tests.helpers.web import PASSWORD, csrf_from, sign_in


def post_login(client: TestClient, email: str, password: str, **extra: str) -> object:
    token = csrf_from(client.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data, follow_redirects=False)


def test_pages_send_signed_out_visitors_to_login(client: TestClient) -> None:
    response = client.get("/settings/users?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings/users%3Fx%3D1"
    form = client.get("/login").text
    for text in ('<label for="email">Email</label>', '<label for="password">Password</label>',
                 ">Sign in</button>"):  # fmt: skip
        assert text in form


def test_the_api_answers_401_problems_when_signed_out(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_signing_in_sets_a_safe_cookie_and_goes_on(client: TestClient) -> None:
    response = post_login(client, "seller@acme.dev", PASSWORD, next="/settings/users")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/settings/users"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "df_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie.split("df_signin")[0]
    me = client.get("/api/v1/me").json()
    assert (me["kind"], me["label"], me["role"], me["manage"]) == (
        "user", "seller@acme.dev", "seller", False)  # fmt: skip


def test_cookies_are_secure_behind_https(page_store: Store, role_users: dict[str, str]) -> None:
    settings = load_settings(None, environ={"DEVFUNNEL_SERVER_PUBLIC_URL": "https://df.acme.dev"})
    with TestClient(create_app(settings, page_store, run_worker=False)) as client:
        response = post_login(client, "viewer@acme.dev", PASSWORD)
    assert "secure" in response.headers["set-cookie"].lower()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("email", "password"), [("seller@acme.dev", "wrong password here"),
                                                 ("nobody@acme.dev", PASSWORD)])  # fmt: skip
def test_a_wrong_password_and_an_unknown_email_read_the_same(
    client: TestClient, email: str, password: str
) -> None:
    response = post_login(client, email, password)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "The email or password is not right." in response.text  # type: ignore[attr-defined]
    assert "df_session" not in response.headers.get("set-cookie", "")  # type: ignore[attr-defined]


def test_repeated_failures_are_throttled(client: TestClient) -> None:
    for _ in range(5):
        assert post_login(client, "seller@acme.dev", "wrong password here").status_code == 401  # type: ignore[attr-defined]
    response = post_login(client, "seller@acme.dev", PASSWORD)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "too many failed sign-ins" in response.text  # type: ignore[attr-defined]
    assert post_login(client, "viewer@acme.dev", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_a_sign_in_form_from_elsewhere_is_refused(client: TestClient) -> None:
    data = {"email": "seller@acme.dev", "password": PASSWORD, "csrf_token": "forged"}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_sign_out_needs_the_token_and_ends_the_session(client: TestClient) -> None:
    token = sign_in(client, "viewer@acme.dev")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert client.get("/api/v1/me").status_code == 401


def test_a_tampered_cookie_is_refused(client: TestClient) -> None:
    sign_in(client, "viewer@acme.dev")
    value = client.cookies["df_session"]
    client.cookies.clear()
    client.cookies.set("df_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/settings", "/settings"), ("https://evil.example/", "/"), ("//evil.example", "/"),
     ("/\\evil.example", "/"), (None, "/"), ("javascript:alert(1)", "/")],
)  # fmt: skip
def test_next_stays_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_signed_in_visitors_skip_the_form(client: TestClient, settings: Settings) -> None:
    sign_in(client, "viewer@acme.dev")
    response = client.get("/login?next=/settings", follow_redirects=False)
    assert response.headers["location"] == "/settings"
