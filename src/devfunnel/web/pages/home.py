"""The home page. Until the dashboard lands, it shows what the database holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from devfunnel.metrics.summary import summarise
from devfunnel.money import Money
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, settings: SettingsDep) -> HTMLResponse:
    summary = summarise(store)
    mrr = [
        str(Money(int(row["mrr_minor"] or 0), row["currency"])) for row in summary.mrr_by_currency
    ]
    pipeline = [
        {**row, "amount": str(Money(int(row["amount_minor"] or 0), row["currency"]))}
        for row in summary.opportunities_by_stage
    ]
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "company": settings.company.name,
            "database": store.describe(),
            "summary": summary,
            "mrr": mrr,
            "pipeline": pipeline,
        },
    )
