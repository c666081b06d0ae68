"""``/accounts``: every account, filtered, sorted and paginated on the server, with saved
views (``POST /accounts/views`` saves the current filters, ``.../delete`` removes one)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.dashboard.account_list import (
    FILTERS,
    PAGE_SIZES,
    AccountQuery,
    list_accounts,
    owner_choices,
    segment_choices,
)
from devfunnel.dashboard.saved_views import create_view, delete_view, get_view, list_views
from devfunnel.errors import DevfunnelError
from devfunnel.scoring.grades import GRADES
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.nav import NavItem, register
from devfunnel.web.pages.shell import PageRoute, PageUser, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("accounts", "Accounts", "/accounts", 10))

#: Sortable columns: (sort key, header).
COLUMNS = [
    ("name", "Account"),
    ("grade", "Grade"),
    ("momentum", "Momentum"),
    ("fit", "Fit"),
    ("stage", "Journey stage"),
    ("developers", "Active devs"),
    ("owner", "Owner"),
]


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request, store: StoreDep, settings: SettingsDep, who: PageUser
) -> HTMLResponse:
    params = dict(request.query_params)
    query = AccountQuery.from_params(params, settings)
    size = int(params["size"]) if params.get("size", "").isdigit() else PAGE_SIZES[1]
    size = size if size in PAGE_SIZES else PAGE_SIZES[1]
    page = max(1, int(params["page"])) if params.get("page", "").isdigit() else 1
    found = list_accounts(
        store, settings, query, me=who.user_id, limit=size, offset=(page - 1) * size
    )
    views = list_views(store, who) if who.user_id else []
    current = None
    if params.get("view"):
        try:
            current = get_view(store, who, uuid.UUID(params["view"]))
        except (ValueError, DevfunnelError):
            current = None
    base = query.params()

    def link(**changes: object) -> str:
        merged = {**base, **({"size": str(size)} if size != PAGE_SIZES[1] else {})}
        merged.update({k: str(v) for k, v in changes.items() if v is not None})
        return "/accounts?" + urlencode(merged) if merged else "/accounts"

    headers = []
    for key, label in COLUMNS:
        flipped = query.sorted_by(key)
        direction = None
        if query.sort.lstrip("-") == key:
            direction = "desc" if query.sort.startswith("-") else "asc"
        headers.append(
            {
                "key": key,
                "label": label,
                "dir": direction,
                "href": "/accounts?" + urlencode(flipped.params()),
            }
        )
    stages = [(s.id, s.label) for s in settings.journey.stages]
    return render(
        request,
        "accounts.html",
        {
            "found": found,
            "query": query,
            "values": {k: base.get(k, "") for k in FILTERS},
            "headers": headers,
            "views": views,
            "current_view": current,
            "prev_link": link(page=page - 1) if page > 1 else None,
            "next_link": link(page=page + 1) if page < found.pages else None,
            "grades": list(GRADES),
            "stages": stages,
            "stage_labels": dict(stages),
            "owners": owner_choices(store),
            "segments": segment_choices(store),
            "sort": query.sort,
            "size": size,
            "sizes": PAGE_SIZES,
            "current_query": urlencode({**base, "sort": query.sort}),
        },
    )


@router.post("/accounts/views")
def save_view(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    who: PageUser,
    name: Annotated[str, Form(max_length=200)],
    filters: Annotated[str, Form(max_length=4000)] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    """Save the list's current filters (sent as the query string they came in) by name."""
    from urllib.parse import parse_qsl

    params = dict(parse_qsl(filters))
    sort = params.pop("sort", "-momentum")
    kept = {k: v for k, v in params.items() if k in FILTERS}
    try:
        view = create_view(store, settings, who, name=name, filters=kept, sort=sort, shared=shared)
    except DevfunnelError as exc:
        back = "/accounts?" + urlencode({**kept, "sort": sort})
        return redirect(request, back, flash=("error", f"Not saved: {exc.detail}."))
    return redirect(
        request,
        "/accounts?" + view.query_string(),
        flash=("success", f"Saved the view {view.name!r}."),
    )


@router.post("/accounts/views/{view_id}/delete")
def remove_view(
    request: Request,
    store: StoreDep,
    who: PageUser,
    view_id: uuid.UUID,
) -> Response:
    view = delete_view(store, who, view_id)
    return redirect(request, "/accounts", flash=("success", f"Deleted the view {view.name!r}."))
