"""The home page. Until the scorecard lands, it shows what the database holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from devfunnel.metrics.summary import summarise
from devfunnel.money import Money
from devfunnel.web.deps import StoreDep
from devfunnel.web.pages.charts import bar_chart
from devfunnel.web.pages.nav import NavItem, register
from devfunnel.web.pages.shell import PageRoute, PageUser, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("home", "Home", "/", 0))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, _: PageUser) -> HTMLResponse:
    summary = summarise(store)
    mrr = [
        str(Money(int(row["mrr_minor"] or 0), row["currency"])) for row in summary.mrr_by_currency
    ]
    pipeline = [
        {**row, "amount": str(Money(int(row["amount_minor"] or 0), row["currency"]))}
        for row in summary.opportunities_by_stage
    ]
    sources = bar_chart(
        [str(row["source"]) for row in summary.events_by_source],
        {"Events": [int(row["events"]) for row in summary.events_by_source]},
        horizontal=True,
    )
    return render(
        request,
        "home.html",
        {
            "database": store.describe(),
            "summary": summary,
            "mrr": mrr,
            "pipeline": pipeline,
            "sources_chart": sources,
        },
    )
