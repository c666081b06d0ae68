"""The shell later pages build on: the navigation registry, chart specs, headers."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import Principal, can_manage
from devfunnel.web.pages import nav
from devfunnel.web.pages.charts import bar_chart, funnel_chart, line_chart
from tests.helpers.web import sign_in


def user(role: str) -> Principal:
    return Principal(actor=Actor("user", label="x"), user_id=__import__("uuid").uuid4(), role=role)


def test_only_pages_that_exist_are_linked(client: TestClient) -> None:
    sign_in(client, "admin@acme.dev")
    html = client.get("/").text
    links = re.findall(r'<nav class="mainnav".*?</nav>', html, re.S)[0]
    assert re.findall(r">([^<]+)</a>", links) == [
        "Home", "Accounts", "Journey", "Pipeline", "Handoffs", "People", "Settings"]  # fmt: skip
    assert 'href="/" aria-current="page"' in links


def test_registered_pages_join_the_nav_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the shell's own links, whichever page modules were imported before.
    monkeypatch.setattr(nav, "_TOP", {k: nav._TOP[k] for k in ("home", "settings")})
    shell_sections = ("users", "keys", "audit", "configuration")
    monkeypatch.setattr(nav, "_SETTINGS", {k: nav._SETTINGS[k] for k in shell_sections})
    nav.register(nav.NavItem("pipeline", "Pipeline", "/pipeline", 30))
    nav.register(nav.NavItem("accounts", "Accounts", "/accounts", 10))
    nav.register_settings(nav.NavItem("alerts", "Alert destinations", "/settings/alerts", 40))
    keys = [i.key for i in nav.top_nav(user("viewer"))]
    assert [k for k in keys if k in ("home", "accounts", "pipeline")] == [
        "home", "accounts", "pipeline"]  # fmt: skip
    assert [i.order for i in nav.top_nav(user("viewer"))] == sorted(
        i.order for i in nav.top_nav(user("viewer")))  # fmt: skip
    assert [i.key for i in nav.top_nav(user("admin"))][-1] == "settings"
    assert [i.key for i in nav.settings_nav(user("admin"))] == [
        "users", "keys", "audit", "alerts", "configuration"]  # fmt: skip
    assert nav.settings_nav(user("seller")) == []
    items = nav.top_nav(user("admin"))
    assert nav.active_key(items, "/accounts/acme.io") == "accounts"
    assert nav.active_key(items, "/") == "home"
    assert nav.active_key(items, "/accountsx") is None
    assert can_manage(user("admin"))


def test_chart_specs() -> None:
    spec = line_chart(["2026-01", "2026-02"], {"MRR": [100, 250]}, format="money", currency="EUR")
    assert spec["series"] == [{"name": "MRR", "values": [100, 250]}]
    assert (spec["type"], spec["format"], spec["currency"]) == ("line", "money", "EUR")
    assert bar_chart(["a"], {"x": [1]}, stacked=True)["stacked"] is True
    assert funnel_chart(["Discover", "Build"], [100, 20])["type"] == "funnel"
    with pytest.raises(ValueError, match="2 values for 1 labels"):
        bar_chart(["a"], {"x": [1, 2]})


def test_the_home_page_embeds_its_chart_as_json(client: TestClient) -> None:
    sign_in(client, "viewer@acme.dev")
    html = client.get("/").text
    assert "viewer" in html
    assert "Sign out" in html
    found = re.search(r'<script type="application/json" id="events-by-source">(.*?)</script>',
                      html, re.S)  # fmt: skip
    if found:  # a database without events draws no chart
        assert json.loads(found.group(1))["type"] == "bar"


def test_answers_carry_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # no inline script anywhere


def test_every_page_asset_is_served(client: TestClient) -> None:
    # The browser tests let an aborted tab-icon load pass; this is where a missing one fails.
    sign_in(client, "viewer@acme.dev")
    html = client.get("/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(a.endswith("/favicon.svg") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_api_docs_ship_their_assets(client: TestClient) -> None:
    html = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/vendor/chart.js/LICENSE.md").status_code == 200
    assert client.get("/static/vendor/swagger-ui/LICENSE").status_code == 200
