"""What the database holds: record counts, events by source, pipeline by stage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from devfunnel.metrics.summary import summarise
from devfunnel.web.auth import ReadPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.openapi import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["summary"])


class SummaryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "counts": {"accounts": 51, "people": 569, "events": 25348, "opportunities": 18},
        "events_by_source": [{"source": "segment:web", "events": 19482}],
        "opportunities_by_stage": [
            {"stage": "closed_won", "opportunities": 10, "amount_minor": 30460000,
             "currency": "USD"}],
        "mrr_by_currency": [{"currency": "USD", "mrr_minor": 2315002, "subscriptions": 12}],
        "first_event": "2025-11-02T01:53:06Z", "last_event": "2026-11-22T13:53:28Z"}]})  # fmt: skip
    counts: dict[str, int]
    events_by_source: list[dict[str, Any]]
    opportunities_by_stage: list[dict[str, Any]]
    mrr_by_currency: list[dict[str, Any]]
    first_event: datetime | None
    last_event: datetime | None


@router.get(
    "/summary",
    response_model=SummaryOut,
    summary="Counts of what is loaded",
    responses=problem_responses({401: AUTH_PROBLEMS[401], 403: "a ingest key may not read"}),
)
def summary(_: ReadPrincipal, store: StoreDep) -> SummaryOut:
    """Live records by kind, events by source, opportunities and amounts (minor units) by
    stage, MRR by currency, and the first and last event time: the home page's numbers."""
    s = summarise(store)
    return SummaryOut(
        counts=s.counts,
        events_by_source=s.events_by_source,
        opportunities_by_stage=s.opportunities_by_stage,
        mrr_by_currency=s.mrr_by_currency,
        first_event=s.first_event,
        last_event=s.last_event,
    )
