"""``/pipeline``: the board of opportunities by stage, with each card's gate.

Moving a card runs :func:`devfunnel.pipeline.stages.move_opportunity`, the very function
behind ``POST /api/v1/opportunities/{id}/move``: the page's script calls that API route
(with the session's CSRF token), and the "Move to…" form posts here when scripts are
off. Either way a move the exit criteria refuse leaves the card where it was and says
what is missing; an allowed one is stored in the stage history and the audit log.
Sellers move their own opportunities; viewers and product see the board only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.admin.permissions import can_edit_something, can_manage
from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.pipeline import board, stages
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.nav import NavItem, register
from devfunnel.web.pages.shell import PageRoute, PageUser, redirect, render, safe_next
from devfunnel.web.session import web_sessions

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("pipeline", "Pipeline", "/pipeline", 30))
PATH = "/pipeline"


@router.get(PATH, response_class=HTMLResponse)
def pipeline_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PageUser,
    owner: Annotated[str | None, Query(max_length=320)] = None,
    mine: bool = False,
) -> HTMLResponse:
    chosen: str | uuid.UUID | None = principal.user_id if mine else (owner or None)
    shown = board.board(store, settings, principal, owner=chosen)
    return render(
        request,
        "work/pipeline.html",
        {
            "board": shown,
            "stages": settings.pipeline.stages,
            "labels": {s.id: s.label for s in settings.pipeline.stages},
            "today": datetime.now(UTC).date(),
            "mine": mine,
            "can_move": can_edit_something(principal),
            "can_override": can_manage(principal),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        },
    )


@router.post(PATH + "/{opportunity_id}/move")
def move(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PageUser,
    opportunity_id: uuid.UUID,
    stage: Annotated[str, Form(max_length=64)],
    lost_reason: Annotated[str, Form(max_length=300)] = "",
    override_reason: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = PATH,
) -> Response:
    """The form fallback of a drag: the same gated move, answered with the board."""
    back = safe_next(next, PATH)
    try:
        moved = stages.move_opportunity(
            store,
            settings,
            opportunity_id,
            stage,
            principal,
            override_reason=override_reason or None,
            lost_reason=lost_reason or None,
        )
    except Conflict as exc:
        if exc.context.get("missing"):
            labels = {s.id: s.label for s in settings.pipeline.stages}
            return _refused(request, back, exc, opportunity_id, stage, labels.get(stage, stage))
        return redirect(request, back, flash=("error", exc.detail))
    except (ValidationError, NotFound, Forbidden) as exc:
        return redirect(request, back, flash=("error", exc.detail))
    labels = {s.id: s.label for s in settings.pipeline.stages}
    text = (
        f"Moved {moved.opportunity.name} from {labels[moved.from_stage]} "
        f"to {labels[moved.to_stage]}."
    )
    if moved.overridden:
        text += f" {len(moved.unmet)} unmet exit criteria overridden (audited)."
    return redirect(request, back, flash=("success", text))


def _refused(
    request: Request,
    back: str,
    exc: Conflict,
    opportunity_id: uuid.UUID,
    stage: str,
    label: str,
) -> Response:
    """Back to the board with the missing criteria, listed under the message."""
    response = redirect(request, back)
    missing = [str(m.get("message", "")) for m in exc.context.get("missing") or []]
    text = f"Not moved to {label}: {len(missing)} exit criteria not met."
    web_sessions(request).flash(
        response, "error", text, missing=missing,
        opportunity=str(opportunity_id), stage=stage,
    )  # fmt: skip
    return response
