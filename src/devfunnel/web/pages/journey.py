"""``/journey``: the developer journey funnel, by stage and by cohort (the month an
account reached its first stage), with conversion and time in stage. Every account count
links to the Accounts list filtered to the accounts behind it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from devfunnel.config import Settings
from devfunnel.journey.funnel import SUBJECTS, Funnel, journey_funnel
from devfunnel.scoring.updates import read_state
from devfunnel.store import Store
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.pages.charts import funnel_chart, line_chart
from devfunnel.web.pages.nav import NavItem, register
from devfunnel.web.pages.shell import PageRoute, PageUser, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register(NavItem("journey", "Journey", "/journey", 20))
#: Most recent cohorts shown.
COHORTS = 12


#: The last funnels computed, by database, subject and scoring state. The funnel changes
#: only when scores are recomputed, which moves the scoring state (its time and
#: watermark), so a cached funnel is never stale; it spares the page the funnel's
#: heaviest queries on every view.
_FUNNELS: dict[tuple[object, ...], Funnel] = {}
_KEEP = 8


def _funnel(
    store: Store, settings: Settings, subject: str, as_of: datetime, version: tuple[object, ...]
) -> Funnel:
    key = (store.describe(), subject, *version)
    found = _FUNNELS.get(key)
    if found is None:
        found = journey_funnel(store, settings, subject=subject, as_of=as_of)
        if len(_FUNNELS) >= _KEEP:
            _FUNNELS.pop(next(iter(_FUNNELS)))
        _FUNNELS[key] = found
    return found


@router.get("/journey", response_class=HTMLResponse)
def journey_page(
    request: Request, store: StoreDep, settings: SettingsDep, _: PageUser, subject: str = "account"
) -> HTMLResponse:
    with store.read() as conn:
        state = read_state(conn)
    as_of = state.as_of or datetime.now(UTC)
    version = (state.as_of, state.watermark, state.changed_since)
    funnel = (
        _funnel(store, settings, subject, as_of, version)
        if state.as_of
        else (journey_funnel(store, settings, subject=subject, as_of=as_of))
    )
    cohorts = funnel.cohorts[-COHORTS:]
    flows = funnel.stages
    first = flows[0].reached if flows else 0
    rows = []
    for i, flow in enumerate(flows):
        previous = flows[i - 1].reached if i else None
        rows.append(
            {
                "flow": flow,
                "conversion": (flow.reached / previous) if previous else None,
                "of_first": (flow.reached / first) if first and i else None,
            }
        )
    labels = [c.month.strftime("%Y-%m") for c in cohorts]
    later = settings.journey.stages[1:]
    by_cohort = line_chart(
        labels,
        {
            s.label: [(c.stages[i + 1].reached / c.size) if c.size else None for c in cohorts]
            for i, s in enumerate(later)
        },
        format="percent",
    )
    return render(
        request,
        "journey.html",
        {
            "funnel": funnel,
            "subject": subject,
            "subjects": SUBJECTS,
            "rows": rows,
            "cohorts": cohorts,
            "stages": settings.journey.stages,
            "funnel_chart": funnel_chart([f.label for f in flows], [f.reached for f in flows]),
            "cohort_chart": by_cohort,
            "drill": subject == "account",
        },
    )
