"""Home, Accounts, an account and Journey in a real browser, over a small demo company:
sign in, read the scorecard, filter the list, save a view, open an account, drill down
from the journey. Every test fails on any console error of the pages it opens.

The harness's ``live_server`` holds only a few events, so this module serves its own:
the same ``devfunnel serve`` over a 30-account demo (``tests/helpers/dashboard.py``) with
the harness's users, by overriding the ``live_server`` fixture for these tests only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devfunnel.store import Store
from devfunnel.vocabulary import ROLES
from tests.browser.conftest import LiveServer, _environment, _free_port, _wait_until_up
from tests.helpers.dashboard import copy_of
from tests.helpers.web import PASSWORD

SignIn = Callable[[Any, str], None]
Screenshot = Callable[[Any, str], Path]


@pytest.fixture(scope="module")
def live_server(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from devfunnel.admin import users
    from devfunnel.admin.audit import CLI

    workdir = tmp_path_factory.mktemp("browser-pages")
    database = copy_of(demo_file, workdir)
    emails = {role: f"{role}@acme.dev" for role in ROLES}
    with Store(database) as store:
        for role, email in emails.items():
            name = "Ada Admin" if role == "admin" else role.replace("_", " ").title() + " User"
            users.create_user(store, email, role, PASSWORD, CLI, name=name)
    port, log = _free_port(), workdir / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "devfunnel", "serve", "--db", database, "--port", str(port)],
            env=_environment(workdir), cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = LiveServer(f"http://127.0.0.1:{port}", database, emails, log)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def charts_drawn(page: Any) -> None:
    page.wait_for_function(
        "[...document.querySelectorAll('canvas[data-chart]')].every(c => c.chart !== undefined)"
    )


def test_home_scorecard_and_your_work(page: Any, sign_in: SignIn, screenshot: Screenshot) -> None:
    sign_in(page, "admin")
    nav = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert nav[:3] == ["Home", "Accounts", "Journey"]
    assert page.locator("[data-kpi]").count() == 5
    forecast = page.locator('[data-kpi="forecast_accuracy"]')
    assert "not measured yet" in forecast.inner_text()
    assert page.locator('[data-queue="handoffs_waiting"] .queue-value').inner_text().isdigit()
    assert page.get_by_role("region", name="Your work").count() == 1
    charts_drawn(page)
    screenshot(page, "home")


def test_filter_save_a_view_and_open_an_account(
    page: Any, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in(page, "seller")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    page.wait_for_url(re.compile(r"/accounts$"))
    everyone = int(re.match(r"\d+", page.locator("#account-count").inner_text()).group())  # type: ignore[union-attr]
    assert everyone > 10
    screenshot(page, "accounts")
    page.get_by_label("Grade").select_option("A")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"grade=A"))
    rows = page.locator("#accounts tbody tr[data-account]")
    assert 0 < rows.count() < everyone
    assert set(page.locator("#accounts tbody .grade").all_inner_texts()) == {"A"}
    page.get_by_role("link", name="Fit").click()  # sort by fit, highest first
    page.wait_for_url(re.compile(r"sort=-fit"))
    page.get_by_label("Save these filters as").fill("My A accounts")
    page.get_by_role("button", name="Save view").click()
    assert "Saved the view" in page.locator(".flash").inner_text()
    assert page.locator("h1").inner_text() == "My A accounts"
    page.goto("/accounts")
    page.get_by_role("link", name="My A accounts").click()
    assert set(page.locator("#accounts tbody .grade").all_inner_texts()) == {"A"}

    first = page.locator("#accounts tbody tr[data-account] td a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/accounts/[0-9a-f-]{36}$"))
    assert page.locator("h1").inner_text().startswith(name)
    assert page.locator("#timeline tbody tr").count() > 0
    assert page.get_by_role("region", name="Developers").count() == 1
    assert page.get_by_role("region", name="Sales").count() == 1
    charts_drawn(page)
    screenshot(page, "account")


def test_an_admin_adds_a_note(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "admin")
    page.goto("/accounts")
    page.locator("#accounts tbody tr[data-account] td a").first.click()
    page.get_by_label("New note").fill("Champion: the staff engineer. Budget in Q1.")
    page.get_by_role("button", name="Add note").click()
    assert page.locator(".flash").inner_text() == "Note added."
    assert "Budget in Q1." in page.locator(".notes").inner_text()


def test_journey_drills_down_to_accounts(
    page: Any, sign_in: SignIn, screenshot: Screenshot
) -> None:
    sign_in(page, "devrel")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journey").click()
    page.wait_for_url(re.compile(r"/journey$"))
    charts_drawn(page)
    screenshot(page, "journey")
    cell = page.locator("#cohorts tbody td.cell a").first
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r"/accounts\?cohort="))
    assert page.locator("#accounts tbody tr[data-account]").count() == count


def test_an_unknown_account_is_a_404_page(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "viewer")
    page.wait_for_load_state("load")  # leave Home only once its scripts are in
    page.allow_console(r"status of 404")
    page.goto("/accounts/00000000-0000-7000-8000-000000000000")
    assert page.locator(".error-status").inner_text() == "404"
