"""Settings · Audit log: every change by a person, a key, the command line or devfunnel,
filtered by actor, action, entity and dates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from devfunnel.admin import audit
from devfunnel.errors import ValidationError
from devfunnel.web.deps import StoreDep
from devfunnel.web.pages.nav import NavItem, register_settings
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_settings(NavItem("audit", "Audit log", "/settings/audit", 30))
PER_PAGE = 50


@router.get("/settings/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    store: StoreDep,
    _: AdminPageUser,
    actor: Annotated[str | None, Query(max_length=320)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    where = audit.AuditFilter(
        actor=actor, action=action, entity=entity, since=_day(since, "since"),
        until=_day(until, "until"),
    )  # fmt: skip
    entries = audit.search(store, where, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "settings/audit.html",
        {"entries": entries[:PER_PAGE], "where": where, "actions": audit.actions(store),
         "page": page, "has_next": len(entries) > PER_PAGE, "query": query},
    )  # fmt: skip


def _day(value: str | None, name: str) -> date | None:
    """A day from the filter form, where an empty field means no limit."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name} {value!r} is not a date (use YYYY-MM-DD)",
                              field=name) from None  # fmt: skip
