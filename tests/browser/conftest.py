"""The browser harness: a real server, Debian's Chromium driven by Playwright, console
errors collected, screenshots. Dashboard tests reuse all of it:

- ``chromium_path``: ``/usr/bin/chromium``, installed with apt-get when missing (as root;
  with ``CI=true`` a browser that cannot be had fails the run instead of skipping it);
- ``live_server``: ``devfunnel serve`` in a subprocess on a free 127.0.0.1 port, over a
  migrated temporary DuckDB holding a small demo company and one user of each role (the
  users made by the same service ``devfunnel users create`` calls);
- ``page``: a fresh browser context (no cookies) whose console errors, uncaught page
  errors and failed requests fail the test at teardown, unless the test calls
  ``page.allow_console(pattern)``;
- ``sign_in(page, role)``: signs in through the form;
- ``screenshot(page, name)``: a full-page PNG, written to ``docs/screenshots/`` when
  ``DEVFUNNEL_SCREENSHOTS=1`` (``make screenshots``), else to a temporary folder, so a
  plain ``make test`` leaves the committed pictures alone.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from devfunnel.store import Store, migrate
from devfunnel.vocabulary import ROLES
from tests.helpers.web import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_configure(config: pytest.Config) -> None:
    """Known even without pytest-xdist (``-p no:xdist``), which otherwise declares it."""
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one worker")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist worker runs every browser test, so the server and browser start once."""
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the browser tests need Chromium: {reason}", pytrace=False)
    pytest.skip(f"Chromium unavailable: {reason}")


def _install_chromium() -> str | None:
    """Install Debian's chromium package; the reason it failed, or None."""
    apt = shutil.which("apt-get")
    if apt is None:
        return "/usr/bin/chromium is missing and apt-get is not available"
    if os.geteuid() != 0:
        return "/usr/bin/chromium is missing; install it with `apt-get install -y chromium`"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    for command in ([apt, *lock, "update"], [apt, *lock, "install", "-y", "chromium"]):
        # DPkg::Lock::Timeout waits for dpkg's lock, but `update` gives up at once when
        # another apt (a package timer, another checkout's tests) holds the lists lock.
        deadline = time.monotonic() + 600
        while True:
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode == 0 or CHROMIUM.exists():
                break
            if "Could not get lock" not in done.stderr or time.monotonic() > deadline:
                return f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}"
            time.sleep(5)
        if CHROMIUM.exists():
            return None
    return None if CHROMIUM.exists() else "apt-get installed chromium but it is not there"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        problem = _install_chromium()
        if problem is not None:
            _unavailable(problem)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Any]:
    """Per module, not per session: while Playwright's sync API runs, its event loop
    counts as running in this thread, and tests after it that call ``asyncio.run`` on the
    same xdist worker would fail."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=LAUNCH_ARGS)
        yield launched
        launched.close()


# --- the server ----------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    database: str
    #: role -> email of the user holding it (all with :data:`PASSWORD`).
    users: dict[str, str]
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVFUNNEL_")}
    env["DEVFUNNEL_SERVER_RUN_WORKER"] = "false"
    env["HOME"] = str(workdir)
    return env


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("browser")
    database = f"duckdb:///{workdir / 'browser.duckdb'}"
    with Store(database) as store:
        from devfunnel.admin import users
        from devfunnel.admin.audit import CLI

        migrate.upgrade(store)
        _some_events(store)
        emails = {role: f"{role}@acme.dev" for role in ROLES}
        for role, email in emails.items():
            name = "Ada Admin" if role == "admin" else role.replace("_", " ").title() + " User"
            users.create_user(store, email, role, PASSWORD, CLI, name=name)
        _work_world(store)
    env = _environment(workdir)
    port, log = _free_port(), workdir / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "devfunnel", "serve", "--db", database, "--port", str(port)],
            env=env, cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
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


def _some_events(store: Store) -> None:
    """A few events from three sources, so the home page has something to chart."""
    from devfunnel.ingest.append import append_events
    from devfunnel.ingest.prepare import prepare
    from tests.helpers.events import segment, track

    for source, count in (("segment:web", 40), ("segment:server", 25), ("github", 8)):
        rows = [track(f"{source}-{i}", userId=f"u{i % 7}",
                      timestamp=datetime(2026, 10, 1 + i % 28, tzinfo=UTC))
                for i in range(count)]  # fmt: skip
        prepared = prepare(segment(*rows), source=source, correct_clock_skew=False)
        append_events(store, prepared, source=source)


def _work_world(store: Store) -> None:
    """Opportunities (one whose exit criteria are met, one not), pending handoffs (one past
    its SLA) and merge suggestions, for the work pages (``tests/helpers/work.py``)."""
    from devfunnel.config import load_settings
    from tests.helpers.work import seed_work

    seed_work(store, load_settings(None, environ={}))


def _wait_until_up(server: LiveServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(server.url + "/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("the server did not start:\n" + server.log.read_text())
        time.sleep(0.2)


# --- pages ---------------------------------------------------------------------------


@dataclass
class ConsoleLog:
    """What went wrong in the browser while a test ran."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if e and not any(p.search(e) for p in self.allowed)]


def _failed(request: Any) -> str:
    """A request that failed, or "" for the tab icon's load being cut off.

    Chromium fetches the icon in the background at low priority; leaving the page or
    closing the context while it is in flight aborts it (net::ERR_ABORTED), which says
    nothing about the page. The icon being served is pinned in tests/web/pages/test_shell.py.
    """
    if request.url.endswith("/favicon.svg") and "ERR_ABORTED" in (request.failure or ""):
        return ""
    return f"request failed: {request.url} ({request.failure})"


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    log = ConsoleLog()
    opened.on("console", lambda m: log.errors.append(f"console: {m.text}") if m.type == "error"
              else None)  # fmt: skip
    opened.on("pageerror", lambda e: log.errors.append(f"page error: {e}"))
    opened.on("requestfailed", lambda r: log.errors.append(_failed(r)))
    opened.allow_console = lambda pattern: log.allowed.append(re.compile(pattern))
    opened.console_log = log
    yield opened
    context.close()
    unexpected = log.unexpected()
    assert not unexpected, f"errors in the browser: {unexpected}"


@pytest.fixture
def sign_in(live_server: LiveServer) -> Callable[[Any, str], None]:
    def signing_in(page: Any, role: str) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(live_server.users[role])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/$"))

    return signing_in


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("DEVFUNNEL_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Callable[[Any, str], Path]:
    def take(page: Any, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        assert path.stat().st_size > 1000
        return path

    return take
