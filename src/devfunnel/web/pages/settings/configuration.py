"""Settings · Configuration: the effective configuration, read-only, secrets masked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from devfunnel.admin.effective_config import as_toml_sections
from devfunnel.web.deps import SettingsDep
from devfunnel.web.pages.nav import NavItem, register_settings
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_settings(NavItem("configuration", "Configuration", "/settings/configuration", 90))


@router.get("/settings/configuration", response_class=HTMLResponse)
def configuration_page(request: Request, settings: SettingsDep, _: AdminPageUser) -> HTMLResponse:
    return render(request, "settings/configuration.html", {"sections": as_toml_sections(settings)})
