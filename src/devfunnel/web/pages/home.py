"""The home page: the cross-functional scorecard (KPI targets beside measured values,
with weekly trends), the queues to act on, and the signed-in person's own work first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from devfunnel.admin.permissions import Principal
from devfunnel.dashboard.your_work import your_work
from devfunnel.metrics.scorecard import scorecard
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.charts import bar_chart, line_chart
from devfunnel.web.pages.nav import NavItem, register, top_nav
from devfunnel.web.pages.shell import PageRoute, PageUser, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("home", "Home", "/", 0))

#: Where each KPI's detail lives: a dashboard page when one is registered, else the API.
DETAIL = {
    "handoff_quality": ("handoffs", "/api/v1/handoffs/quality"),
    "stage_gate_compliance": ("pipeline", "/api/v1/opportunities"),
    "speed_to_lead_compliance": ("pipeline", "/api/v1/leads/sla"),
    "pqa_to_opportunity_rate": ("accounts", "/accounts?pqa=true"),
    "forecast_accuracy": ("pipeline", "/api/v1/opportunities"),
}


def detail_link(principal: Principal, page: str, fallback: str) -> str:
    """The page ``page`` of the top bar when it exists (another page module may add it),
    else ``fallback``; a fallback inside that page (a filtered list) is kept as is."""
    item = next((i for i in top_nav(principal) if i.key == page), None)
    if item is None or item.contains(fallback.partition("?")[0]):
        return fallback
    return item.path


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, settings: SettingsDep, who: PageUser) -> HTMLResponse:
    card = scorecard(store, settings)
    labels = [m.strftime("%b %d") for m in card.weeks]
    trends = {
        k.key: line_chart(
            labels, {"Measured": k.trend, "Target": [k.target] * len(labels)}, format="percent"
        )
        for k in card.kpis
        if k.value is not None
    }
    handoffs = detail_link(who, "handoffs", "/api/v1/handoffs?state=pending")
    leads = detail_link(who, "pipeline", "/api/v1/leads?breached=true")
    work = your_work(store, settings, who, handoffs_link=handoffs, leads_link=leads)
    return render(
        request,
        "home.html",
        {
            "card": card,
            "trends": trends,
            "queues_chart": bar_chart(labels, card.queues_by_week),
            "links": {k: detail_link(who, *v) for k, v in DETAIL.items()},
            "handoffs_link": handoffs,
            "leads_link": leads,
            "work": work,
            "stages": {s.id: s.label for s in settings.journey.stages},
        },
    )
