"""Settings · CRM connections: which CRM write-backs are on, what they map, how far the
outbox has got, and, for admins, queuing or pushing changes now and retrying dead ones.
Tokens are never shown: connections are configuration, and the page says which keys
turn one on."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from devfunnel.crm import connections, outbox
from devfunnel.errors import Conflict, NotFound
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.nav import NavItem, register_settings
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_settings(NavItem("crm", "CRM connections", "/settings/crm", 50))
PATH = "/settings/crm"


@router.get(PATH, response_class=HTMLResponse)
def crm_page(
    request: Request, store: StoreDep, settings: SettingsDep, _: AdminPageUser
) -> HTMLResponse:
    return render(
        request,
        "settings/crm.html",
        {
            "connections": connections.connections(store, settings),
            "dead": outbox.list_outbox(store, status="dead", limit=20),
            "recent": outbox.list_outbox(store, limit=10),
        },
    )


@router.post(PATH + "/sync")
async def sync(
    request: Request, store: StoreDep, settings: SettingsDep, principal: AdminPageUser
) -> Response:
    queued = await run_in_threadpool(connections.sync_now, store, settings, principal.actor)
    if not queued:
        return redirect(request, PATH, flash=("info", "No CRM connection is on: nothing to queue."))
    text = "; ".join(f"{system}: {n:,} changes queued" for system, n in queued.items())
    return redirect(request, PATH, flash=("success", text + "."))


@router.post(PATH + "/push")
async def push(
    request: Request, store: StoreDep, settings: SettingsDep, principal: AdminPageUser
) -> Response:
    counts = await run_in_threadpool(connections.push_now, store, settings, principal.actor)
    if not counts:
        return redirect(request, PATH, flash=("info", "No CRM connection is on: nothing to send."))
    text = "; ".join(
        f"{system}: {c['sent']:,} sent, {c['retrying']:,} to retry, {c['dead']:,} dead"
        for system, c in counts.items()
    )
    return redirect(request, PATH, flash=("success", text + "."))


@router.post(PATH + "/outbox/{row_id}/retry")
def retry(
    request: Request, store: StoreDep, principal: AdminPageUser, row_id: uuid.UUID
) -> Response:
    try:
        row = outbox.retry(store, str(row_id), principal.actor)
    except (NotFound, Conflict) as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(
        request, PATH, flash=("success", f"Queued {row.system} {row.object} change again.")
    )
