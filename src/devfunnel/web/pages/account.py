"""``/accounts/{id}``: one account, both sides: its developers and what they did, its
sales records, the why of its scores, and notes (``POST .../notes`` adds one for those
who may edit the account)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.dashboard.account_notes import add_note, delete_note, may_write
from devfunnel.dashboard.account_page import account_page, parse_account_id
from devfunnel.errors import ValidationError
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.charts import line_chart
from devfunnel.web.pages.shell import PageRoute, PageUser, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_detail(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    who: PageUser,
    account_id: str,
    activity: int = 1,
) -> HTMLResponse:
    found = account_page(
        store, settings, parse_account_id(account_id), timeline_page=max(1, activity)
    )
    history = found.history
    chart = (
        line_chart(
            [p.day.isoformat() for p in history],
            {
                "Momentum": [round(p.momentum, 1) for p in history],
                "Fit": [round(p.fit, 1) for p in history],
            },
        )
        if history
        else None
    )
    scores = found.journey.scores
    why = scores.why if scores else {}
    return render(
        request,
        "account.html",
        {
            "a": found,
            "scores": scores,
            "why_momentum": why.get("momentum", []) if isinstance(why, dict) else [],
            "why_fit": why.get("fit", []) if isinstance(why, dict) else [],
            "why_pqa": why.get("pqa", {}) if isinstance(why, dict) else {},
            "momentum_chart": chart,
            "stage_labels": {s.id: s.label for s in settings.journey.stages},
            "pipeline_labels": {s.id: s.label for s in settings.pipeline.stages},
            "can_note": may_write(who, found.owner_id),
        },
    )


@router.post("/accounts/{account_id}/notes")
def post_note(
    request: Request,
    store: StoreDep,
    who: PageUser,
    account_id: str,
    body: Annotated[str, Form(max_length=20000)],
) -> Response:
    account = parse_account_id(account_id)
    try:
        note = add_note(store, who, account, body)
    except ValidationError as exc:
        return redirect(
            request, f"/accounts/{account}#notes", flash=("error", f"Not saved: {exc.detail}.")
        )
    return redirect(request, f"/accounts/{note.account_id}#notes", flash=("success", "Note added."))


@router.post("/accounts/{account_id}/notes/{note_id}/delete")
def remove_note(
    request: Request, store: StoreDep, who: PageUser, account_id: str, note_id: uuid.UUID
) -> Response:
    note = delete_note(store, who, note_id)
    return redirect(
        request, f"/accounts/{note.account_id}#notes", flash=("success", "Note deleted.")
    )
