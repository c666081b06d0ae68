"""Signing in from tests: users with known passwords, the sign-in form, CSRF tokens.

Shared by the page, role and browser tests; later dashboard tests use the same.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from devfunnel.admin import users
from devfunnel.admin.audit import CLI
from devfunnel.admin.users import User
from devfunnel.store import Store

#: The password every test user gets.
PASSWORD = "correct horse battery staple"


def make_user(store: Store, role: str, email: str | None = None, name: str | None = None) -> User:
    return users.create_user(store, email or f"{role}@acme.dev", role, PASSWORD, CLI, name=name)


def csrf_from(html: str) -> str:
    """The value of the first ``csrf_token`` hidden field of a page."""
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the form; returns the session's CSRF token."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/").text)
