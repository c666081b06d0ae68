"""``/people``: identity review. Search people, open one (identities, account, merge
history with unmerge), and decide the matcher's merge suggestions with their evidence.

Deciding and unmerging call :mod:`devfunnel.identity.review`, as the API routes of
``web/routes/identity.py`` do; only admins, sales managers and DevRel may (the page shows
the controls to them alone).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.identity import review
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.nav import NavItem, register
from devfunnel.web.pages.shell import PageRoute, PageUser, redirect, render, safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("people", "People", "/people", 50))
PATH = "/people"
Failure = (Conflict, Forbidden, NotFound, ValidationError)


@router.get(PATH, response_class=HTMLResponse)
def people_page(
    request: Request,
    store: StoreDep,
    principal: PageUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    person: uuid.UUID | None = None,
) -> HTMLResponse:
    detail = review.person_detail(store, person) if person else None
    suggestions, pending = review.list_suggestions(store, limit=50)
    return render(
        request,
        "work/people.html",
        {
            "q": q or "",
            "found": review.search_people(store, q, limit=30),
            "detail": detail,
            "suggestions": suggestions,
            "pending": pending,
            "can_merge": review.can_merge(principal),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        },
    )


@router.post(PATH + "/suggestions/{suggestion_id}/{decision}")
def decide(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PageUser,
    suggestion_id: uuid.UUID,
    decision: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = PATH,
) -> Response:
    back = safe_next(next, PATH)
    if decision not in ("accept", "reject"):
        return redirect(request, back, flash=("error", "decide with accept or reject"))
    try:
        outcome = review.decide(
            store, settings, principal, suggestion_id, decision == "accept", reason=reason
        )
    except Failure as exc:
        return redirect(request, back, flash=("error", exc.detail))
    if decision == "accept":
        return redirect(
            request,
            f"{PATH}?person={outcome['person']}",
            flash=(
                "success",
                "Merged: the two are one person now. Undo it from the merge history.",
            ),
        )
    return redirect(request, back, flash=("success", "Rejected: the two are kept apart for good."))


@router.post(PATH + "/merges/{merge_id}/unmerge")
def unmerge(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PageUser,
    merge_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = PATH,
) -> Response:
    back = safe_next(next, PATH)
    try:
        _, restored = review.unmerge(store, settings, principal, merge_id, reason=reason)
    except Failure as exc:
        return redirect(request, back, flash=("error", exc.detail))
    return redirect(
        request,
        back,
        flash=("success", f"Unmerged: person {restored} is back with their identities and "
               "events; the two will not be merged again."),
    )  # fmt: skip
