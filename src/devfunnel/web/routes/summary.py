"""What the database holds: record counts, events by source, pipeline by stage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from devfunnel.metrics.summary import summarise
from devfunnel.web.deps import StoreDep

router = APIRouter(prefix="/api/v1", tags=["summary"])


class SummaryOut(BaseModel):
    counts: dict[str, int]
    events_by_source: list[dict[str, Any]]
    opportunities_by_stage: list[dict[str, Any]]
    mrr_by_currency: list[dict[str, Any]]
    first_event: datetime | None
    last_event: datetime | None


@router.get("/summary", response_model=SummaryOut, summary="Counts of what is loaded")
def summary(store: StoreDep) -> SummaryOut:
    s = summarise(store)
    return SummaryOut(
        counts=s.counts,
        events_by_source=s.events_by_source,
        opportunities_by_stage=s.opportunities_by_stage,
        mrr_by_currency=s.mrr_by_currency,
        first_event=s.first_event,
        last_event=s.last_event,
    )
