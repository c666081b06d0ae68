"""The shell, sign-in and Settings in a real browser: what a person sees and clicks.

Few and quick on purpose; the behaviour behind each page is tested in process under
``tests/web/pages``. Every test also fails on any console error of the pages it opens.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer
from tests.helpers.web import PASSWORD

SignIn = Callable[[Any, str], None]
Screenshot = Callable[[Any, str], Path]


def test_sign_in_refuses_a_wrong_password_then_admits(
    page: Any, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page.goto("/settings/users")
    assert page.url.endswith("/login?next=/settings/users")
    screenshot(page, "login")
    page.get_by_label("Email").fill(live_server.users["seller"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The email or password is not right."
    page.allow_console(r"status of 401")  # the refused form post answers 401
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/settings/users$"))  # back where they were going
    assert "Forbidden" in page.locator("h1").inner_text()  # but a seller may not be there
    page.allow_console(r"status of 403")


def test_home_inside_the_shell_with_a_chart(
    page: Any, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in(page, "admin")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == [
        "Home", "Accounts", "Journey", "Pipeline", "Handoffs", "People", "Settings"]  # fmt: skip
    assert "Ada Admin" in page.locator(".who").inner_text()
    page.wait_for_function("document.querySelector('canvas[data-chart]').chart !== undefined")
    screenshot(page, "home")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert "You are signed out." in page.locator(".flash").inner_text()


def test_settings_pages_keys_and_roles(page: Any, sign_in: SignIn, screenshot: Screenshot) -> None:
    sign_in(page, "admin")
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url(re.compile(r"/settings/users$"))
    screenshot(page, "settings-users")

    row = page.locator('tr[data-user="viewer@acme.dev"]')
    row.get_by_label("Role of viewer@acme.dev").select_option("seller")
    row.get_by_role("button", name="Change").click()
    assert page.locator(".flash").inner_text() == "viewer@acme.dev is now seller."
    assert row.get_by_label("Role of viewer@acme.dev").input_value() == "seller"

    page.get_by_role("link", name="API keys").click()
    page.get_by_placeholder("what it is for, e.g. web app").fill("website")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key-secret").inner_text()
    assert secret.startswith("df_ingest_")
    screenshot(page, "settings-keys-created")
    page.get_by_role("link", name="API keys").click()
    assert page.locator("#new-key-secret").count() == 0
    assert secret not in page.content()
    assert page.locator('tr[data-key="website"]').count() == 1

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").select_option("user.set_role")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("#audit tbody tr").all_inner_texts()[0].count("user.set_role") == 1
    assert page.locator("#audit tbody tr").count() == 1, page.locator("#audit").inner_text()
    screenshot(page, "settings-audit")

    page.get_by_role("link", name="Configuration").click()
    assert "[pipeline]" in page.locator("#cfg-pipeline pre").inner_text()
    screenshot(page, "settings-configuration")


def test_a_forged_form_post_is_refused(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "admin")
    page.evaluate(
        """() => { const f = document.createElement('form'); f.method = 'post';
        f.action = '/settings/keys';
        for (const [k, v] of [['name', 'forged'], ['scope', 'admin']]) {
          const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }
        document.body.appendChild(f); f.submit(); }"""
    )
    page.wait_for_url(re.compile(r"/settings/keys$"))
    assert "CSRF token" in page.locator(".error-page").inner_text()
    page.allow_console(r"status of 403")
    page.goto("/settings/keys")
    assert page.locator('tr[data-key="forged"]').count() == 0


def test_a_viewer_cannot_reach_settings(page: Any, sign_in: SignIn, screenshot: Screenshot) -> None:
    sign_in(page, "product")
    assert page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts() == [
        "Home", "Accounts", "Journey", "Pipeline", "Handoffs", "People"]  # fmt: skip
    page.goto("/settings/users")
    assert page.locator(".error-status").inner_text() == "403"
    page.allow_console(r"status of 403")
    screenshot(page, "forbidden")


def test_the_api_reference(page: Any, screenshot: Screenshot) -> None:
    page.goto("/docs")
    page.locator(".swagger-ui .information-container").wait_for()
    assert page.locator(".opblock-tag-section").count() >= 5
    screenshot(page, "api-docs")
