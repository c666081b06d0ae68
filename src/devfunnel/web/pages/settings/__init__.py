"""Settings, for admins: users and roles, API keys, the audit log, alert destinations, CRM
connections, the configuration.

Each section is a module with a router that registers itself in the Settings menu
(``nav.register_settings``), alert destinations and CRM connections included.
``/settings`` opens the first section the caller may see.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from devfunnel.admin.permissions import can_manage
from devfunnel.web.pages.nav import NavItem, register, settings_nav
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("settings", "Settings", "/settings", 90, can_manage))


@router.get("/settings")
def settings_home(request: Request, principal: AdminPageUser) -> Response:
    sections = settings_nav(principal)
    return redirect(request, sections[0].path if sections else "/")


def routers() -> list[APIRouter]:
    from devfunnel.web.pages.settings import alerts, audit, configuration, crm, keys, users

    return [router, users.router, keys.router, audit.router, alerts.router, crm.router,
            configuration.router]  # fmt: skip
