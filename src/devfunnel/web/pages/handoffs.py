"""``/handoffs``: the handoff queue (mine, my team's, everyone's) with packets and SLA
clocks, accepting and rejecting, and handoff quality beside it.

Accepting and rejecting call :mod:`devfunnel.pipeline.handoffs`, the same functions as
``POST /api/v1/handoffs/{id}/accept`` and ``/reject``: a receiver acts on their own
handoffs, sales managers and admins on any, viewers on none; a rejection needs a
reason; each is audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.admin.permissions import can_edit
from devfunnel.crm.notes import packet_sections
from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.pipeline import handoff_queue, handoffs
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.charts import bar_chart, line_chart
from devfunnel.web.pages.nav import NavItem, register
from devfunnel.web.pages.shell import PageRoute, PageUser, redirect, render, safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("handoffs", "Handoffs", "/handoffs", 40))
PATH = "/handoffs"
Failure = (Conflict, Forbidden, NotFound, ValidationError)


@router.get(PATH, response_class=HTMLResponse)
def handoffs_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PageUser,
    scope: Annotated[str, Query(max_length=8)] = "mine",
    state: Annotated[str, Query(max_length=16)] = "pending",
    kind: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    found = handoff_queue.queue(
        store, settings, principal, scope=scope, state=state or None, kind=kind or None,
        limit=handoff_queue.QUEUE_LIMIT, offset=offset,
    )  # fmt: skip
    figures = handoff_queue.quality_figures(store, settings)
    labels = {k.id: k.label for k in settings.handoffs.kinds}
    trend = line_chart(
        [w.date().isoformat() for w, _ in figures.weeks],
        {
            "Quality": [q.score for _, q in figures.weeks],
            "Target": [figures.overall.target for _ in figures.weeks],
        },
        format="percent",
    )
    kinds = bar_chart(
        [g.group for g in figures.by_kind],
        {"Quality": [g.score for g in figures.by_kind]},
        horizontal=True,
        format="percent",
    )
    return render(
        request,
        "work/handoffs.html",
        {
            "queue": found,
            "kind": kind or "",
            "kinds": labels,
            "states": ["pending", "accepted", "rejected", "returned"],
            "actionable": {h.id for h in found.items if can_edit(principal, [h.to_user_id])},
            "sections": {
                h.id: packet_sections((h.packet or {}).get("sections", {})) for h in found.items
            },
            "figures": figures,
            "trend_chart": trend,
            "kind_chart": kinds,
            "now": datetime.now(UTC),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "prev_link": _link(request, max(0, offset - handoff_queue.QUEUE_LIMIT))
            if offset > 0
            else None,
            "next_link": _link(request, found.next_offset)
            if found.next_offset is not None
            else None,
        },
    )


def _link(request: Request, offset: int) -> str:
    """This page of the queue with its filters, from ``offset``."""
    query = {k: v for k, v in request.query_params.items() if k != "offset"}
    if offset:
        query["offset"] = str(offset)
    return f"{PATH}?{urlencode(query)}#queue"


@router.post(PATH + "/{handoff_id}/accept")
def accept(
    request: Request,
    store: StoreDep,
    principal: PageUser,
    handoff_id: uuid.UUID,
    next: Annotated[str, Form(max_length=2000)] = PATH,
) -> Response:
    back = safe_next(next, PATH)
    try:
        done = handoffs.accept_handoff(store, handoff_id, principal)
    except Failure as exc:
        return redirect(request, back, flash=("error", exc.detail))
    return redirect(
        request, back, flash=("success", f"Accepted the handoff of {done.account_name}.")
    )


@router.post(PATH + "/{handoff_id}/reject")
def reject(
    request: Request,
    store: StoreDep,
    principal: PageUser,
    handoff_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = PATH,
) -> Response:
    back = safe_next(next, PATH)
    try:
        done = handoffs.reject_handoff(store, handoff_id, principal, reason)
    except Failure as exc:
        return redirect(request, back, flash=("error", exc.detail))
    return redirect(
        request, back, flash=("success", f"Rejected the handoff of {done.account_name}: {reason}")
    )
