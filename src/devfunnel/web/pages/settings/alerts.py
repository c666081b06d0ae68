"""Settings · Alert destinations: where alerts go (Slack or signed webhooks), for admins:
list, add, send a test, remove. The same services as ``/api/v1/alerts/destinations``;
URLs are shown masked and secrets never."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from devfunnel.alerts import destinations, history, probe
from devfunnel.alerts.kinds import ALERT_KINDS, DESTINATION_KINDS, LABELS
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.nav import NavItem, register_settings
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_settings(NavItem("alerts", "Alert destinations", "/settings/alerts", 40))
PATH = "/settings/alerts"
Failure = (ValidationError, Conflict, NotFound)


@router.get(PATH, response_class=HTMLResponse)
def alerts_page(request: Request, store: StoreDep, _: AdminPageUser) -> HTMLResponse:
    return render(
        request,
        "settings/alerts.html",
        {
            "destinations": destinations.list_destinations(store),
            "kinds": DESTINATION_KINDS,
            "alert_kinds": ALERT_KINDS,
            "labels": LABELS,
            "dead": history.dead_deliveries(store, limit=20),
            "min_secret": destinations.MIN_SECRET,
        },
        no_store=True,
    )


@router.post(PATH)
def add(
    request: Request,
    store: StoreDep,
    principal: AdminPageUser,
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[str, Form(max_length=16)],
    url: Annotated[str, Form(max_length=2000)],
    secret: Annotated[str, Form(max_length=500)] = "",
    alert_kinds: Annotated[list[str] | None, Form()] = None,
    digest: Annotated[bool, Form()] = False,
) -> Response:
    try:
        added = destinations.add_destination(
            store, principal.actor, name=name, kind=kind, url=url, secret=secret or None,
            alert_kinds=alert_kinds, digest=digest,
        )  # fmt: skip
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(
        request, PATH, flash=("success", f"Added {added.kind} destination {added.name}.")
    )


@router.post(PATH + "/{ref}/test")
async def test(
    request: Request, store: StoreDep, settings: SettingsDep, principal: AdminPageUser, ref: str
) -> Response:
    try:
        name, outcome = await run_in_threadpool(
            probe.send_test, store, settings, ref, principal.actor
        )
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    if outcome.ok:
        return redirect(
            request, PATH, flash=("success", f"{name} took the test alert ({outcome.status}).")
        )
    return redirect(
        request, PATH, flash=("error", f"{name} did not take the test: {outcome.error}")
    )


@router.post(PATH + "/{ref}/remove")
def remove(request: Request, store: StoreDep, principal: AdminPageUser, ref: str) -> Response:
    try:
        removed = destinations.remove_destination(store, ref, principal.actor)
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(
        request, PATH, flash=("success", f"Removed {removed.name}; it receives nothing more.")
    )


@router.post(PATH + "/deliveries/{ref}/retry")
def retry(request: Request, store: StoreDep, principal: AdminPageUser, ref: str) -> Response:
    try:
        requeued = history.retry(store, ref, principal.actor)
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(request, PATH, flash=("success", f"Queued {len(requeued)} delivery again."))
