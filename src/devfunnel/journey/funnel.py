"""Journey funnel analytics over ``journey_transitions``, computed set-wise in SQL.

- **By cohort month**: subjects (accounts, or people) grouped by the month they reached
  their first stage; per cohort, how many reached each stage and the conversion from each
  stage to the next (``reached(next) / reached(stage)``), with the ids behind every count
  for drill-down.
- **Time in stage**: the median days from reaching a stage to reaching the next, among
  those that moved on.
- **Stalls**: subjects whose furthest stage is this one, how long they have been there,
  and how many are *stalled*: there longer than 90% of those that moved on took.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.store import Store
from devfunnel.store.schema.scores import journey_transitions

SUBJECTS = ("account", "person")


@dataclass(frozen=True)
class CohortStage:
    stage: str
    reached: int
    #: Share of the cohort's previous stage that reached this one (``None`` for the first).
    conversion: float | None
    ids: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class Cohort:
    month: date
    size: int
    stages: list[CohortStage]


@dataclass(frozen=True)
class StageFlow:
    stage: str
    label: str
    reached: int
    #: Median days to the next stage among those that reached it.
    median_days_to_next: float | None
    #: Subjects whose furthest stage is this one.
    at_stage: int
    median_days_at_stage: float | None
    stalled: int
    stalled_after_days: float | None


@dataclass(frozen=True)
class Funnel:
    subject: str
    as_of: datetime
    cohorts: list[Cohort]
    stages: list[StageFlow]


def _days(later: Any, earlier: Any) -> Any:
    return (sa.extract("epoch", later) - sa.extract("epoch", earlier)) / 86400.0


def journey_funnel(
    store: Store,
    settings: Settings,
    *,
    subject: str = "account",
    as_of: datetime,
    include_ids: bool = False,
) -> Funnel:
    """The funnel of ``subject`` (account or person) as of ``as_of``."""
    if subject not in SUBJECTS:
        raise ValidationError(
            f"unknown subject {subject!r}; use account or person", field="subject", value=subject
        )
    order = {s.id: i for i, s in enumerate(settings.journey.stages)}
    t = journey_transitions.c
    mine = sa.and_(t.subject_kind == subject, t.reached_at < as_of)
    first = (
        sa.select(t.subject_id, sa.func.min(t.reached_at).label("first_at"))
        .where(mine).group_by(t.subject_id).subquery("first")
    )  # fmt: skip
    month = sa.func.date_trunc("month", first.c.first_at)
    cohort_rows = (
        sa.select(month.label("month"), t.stage, t.subject_id)
        .select_from(journey_transitions.join(first, first.c.subject_id == t.subject_id))
        .where(mine)
    )
    stage_idx = sa.case(*[(t.stage == s, i) for s, i in order.items()], else_=-1)
    nxt = journey_transitions.alias("nxt")
    step = (
        sa.select(t.stage, _days(nxt.c.reached_at, t.reached_at).label("days"))
        .select_from(journey_transitions.join(nxt, sa.and_(
            nxt.c.subject_kind == t.subject_kind, nxt.c.subject_id == t.subject_id)))
        .where(mine, nxt.c.reached_at < as_of, sa.case(
            *[(sa.and_(t.stage == s, nxt.c.stage == n), True)
              for s, n in zip(order, list(order)[1:], strict=False)], else_=False))
        .subquery("step")
    )  # fmt: skip
    steps = sa.select(
        step.c.stage,
        sa.func.percentile_cont(0.5).within_group(step.c.days),
        sa.func.percentile_cont(0.9).within_group(step.c.days),
    ).group_by(step.c.stage)
    furthest = (
        sa.select(t.subject_id, sa.func.max(stage_idx).label("idx")).where(mine)
        .group_by(t.subject_id).subquery("furthest")
    )  # fmt: skip
    at_stage = (
        sa.select(t.stage, _days(sa.literal(as_of), t.reached_at).label("days"))
        .select_from(journey_transitions.join(furthest, sa.and_(
            furthest.c.subject_id == t.subject_id, furthest.c.idx == stage_idx)))
        .where(mine).subquery("at_stage")
    )  # fmt: skip
    with store.read() as conn:
        cells: dict[tuple[date, str], list[uuid.UUID]] = {}
        for m, stage, sid in conn.execute(cohort_rows):
            day = m.date() if isinstance(m, datetime) else m
            cells.setdefault((day, stage), []).append(sid)
        medians = {s: (p50, p90) for s, p50, p90 in conn.execute(steps)}
        waiting: dict[str, list[float]] = {}
        for stage, days in conn.execute(sa.select(at_stage.c.stage, at_stage.c.days)):
            waiting.setdefault(stage, []).append(float(days))
    cohorts = []
    for month_start in sorted({m for m, _ in cells}):
        rows, previous = [], None
        for s in settings.journey.stages:
            ids = sorted(cells.get((month_start, s.id), []))
            conversion: float | None = (
                None if previous is None else (len(ids) / previous if previous else 0.0)
            )
            rows.append(CohortStage(s.id, len(ids), conversion, ids if include_ids else []))
            previous = len(ids)
        cohorts.append(Cohort(month_start, max(r.reached for r in rows), rows))
    flows = []
    for s in settings.journey.stages:
        p50, p90 = medians.get(s.id, (None, None))
        there = sorted(waiting.get(s.id, []))
        stalled = sum(1 for d in there if p90 is not None and d > float(p90))
        flows.append(StageFlow(
            s.id, s.label, sum(len(v) for (_, st), v in cells.items() if st == s.id),
            None if p50 is None else float(p50), len(there),
            there[len(there) // 2] if there else None, stalled,
            None if p90 is None else float(p90),
        ))  # fmt: skip
    return Funnel(subject, as_of, cohorts, flows)
