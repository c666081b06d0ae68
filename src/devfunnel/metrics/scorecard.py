"""The cross-functional scorecard: each KPI target of ``[kpis]`` beside the value measured
from the store, with a weekly trend, plus the queues people act on (new PQAs, handoffs
waiting, SLA breaches).

Every figure is measured over the records; a KPI whose records do not exist yet is
reported as not measured, with the reason, never as a number:

- **handoff quality**: the blend of ``pipeline.handoff_quality`` over handoffs sent in
  the window (the same parts and weights as the handoff reports);
- **stage-gate compliance**: the share of stage moves made through devfunnel that met
  their exit criteria (moves without an admin override). Stage history imported from a
  CRM was never gated, so it is not counted;
- **speed-to-lead compliance**: met / (met + breached) of leads routed in the window,
  as ``pipeline.sla.sla_compliance`` counts them;
- **PQA to opportunity**: the share of accounts that became PQA in the window that have
  an opportunity created on or after that moment;
- **forecast accuracy**: forecasts are not built yet, so never measured.

The headline value covers the last :data:`WINDOW_DAYS` days; the trend gives the same
measure per ISO week (Monday to Sunday) of the records that started that week, as they
stand now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.pipeline.common import as_utc, utc_now
from devfunnel.pipeline.handoff_quality import Parts, blend, parts_of
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import handoffs, leads, opportunities
from devfunnel.store.schema.scores import account_scores

#: Days the headline value of each KPI covers.
WINDOW_DAYS = 90
#: Weeks of trend shown by default.
TREND_WEEKS = 12

Status = Literal["met", "below", "not_measured"]


@dataclass(frozen=True)
class Kpi:
    """One KPI: its target, the measured value (``None`` when not measured) and why."""

    key: str
    label: str
    target: float
    value: float | None
    #: What the value counts ("41 handoffs"), or why it is not measured.
    basis: str
    #: One value per week of :attr:`Scorecard.weeks` (``None``: nothing to measure).
    trend: list[float | None] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if self.value is None:
            return "not_measured"
        return "met" if self.value >= self.target else "below"


@dataclass(frozen=True)
class Scorecard:
    as_of: datetime
    #: The Monday of each trend week, oldest first.
    weeks: list[date]
    kpis: list[Kpi]
    new_pqas_this_week: int
    pqas: int
    handoffs_waiting: int
    handoffs_overdue: int
    sla_breaches_this_week: int
    #: Breached leads still open and untouched: someone should call them now.
    sla_breaches_open: int
    #: Counts per trend week: new PQAs, handoffs sent, SLA breaches.
    queues_by_week: dict[str, list[int]] = field(default_factory=dict)

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def week_start(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def trend_weeks(now: datetime, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, ending with the current one."""
    current = week_start(now)
    return [current - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def scorecard(
    store: Store, settings: Settings, *, now: datetime | None = None, weeks: int = TREND_WEEKS
) -> Scorecard:
    """The scorecard as of ``now`` (default: the current time)."""
    at = utc_now(now)
    mondays = trend_weeks(at, weeks)
    since = min(at - timedelta(days=WINDOW_DAYS), _midnight(mondays[0]))
    window = at - timedelta(days=WINDOW_DAYS)
    with store.read() as conn:
        handoff_rows = _handoff_rows(conn, since, at)
        lead_rows = _lead_outcomes(conn, since, at)
        moves = _gated_moves(conn, since, at)
        pqa_rows = _pqa_conversions(conn, at)
    kpis = [
        _handoff_quality(settings, handoff_rows, at, window, mondays),
        _stage_gates(settings, moves, window, mondays),
        _speed_to_lead(settings, lead_rows, window, mondays),
        _pqa_conversion(settings, pqa_rows, window, mondays),
        Kpi(
            "forecast_accuracy",
            "Forecast accuracy",
            settings.kpis.forecast_accuracy,
            None,
            "not measured yet: forecasts arrive in a later release",
            [None] * len(mondays),
        ),
    ]
    this_week = _midnight(mondays[-1])
    pending = [r for r in handoff_rows if r.state == "pending"]
    return Scorecard(
        as_of=at,
        weeks=mondays,
        kpis=kpis,
        new_pqas_this_week=sum(
            1 for r in pqa_rows if r.current and (as_utc(r.since) or at) >= this_week
        ),
        pqas=sum(1 for r in pqa_rows if r.current),
        handoffs_waiting=len(pending),
        handoffs_overdue=sum(1 for r in pending if (as_utc(r.due_at) or at) < at),
        sla_breaches_this_week=sum(
            1
            for r in lead_rows
            if r.breached_at is not None and this_week <= (as_utc(r.breached_at) or at) <= at
        ),
        sla_breaches_open=sum(1 for r in lead_rows if r.open_breach),
        queues_by_week={
            "New PQAs": _counts(pqa_rows, lambda r: r.since, mondays),
            "Handoffs sent": _counts(
                handoff_rows, lambda r: as_utc(r.sent_at) or as_utc(r.created_at), mondays
            ),
            "SLA breaches": _counts(lead_rows, lambda r: r.breached_at, mondays),
        },
    )


def _by_week(
    rows: Iterable[Any], when: Callable[[Any], datetime | None], mondays: list[date]
) -> dict[date, list[Any]]:
    # Whole weeks since the first Monday's midnight: the same weeks as ``week_start``,
    # with one subtraction a row (the scorecard groups thousands of rows per view).
    first, start = mondays[0], _midnight(mondays[0])
    grouped: dict[date, list[Any]] = defaultdict(list)
    for row in rows:
        moment = as_utc(when(row))
        if moment is not None and moment >= start:
            grouped[first + timedelta(weeks=(moment - start).days // 7)].append(row)
    return grouped


def _counts(
    rows: Iterable[Any], when: Callable[[Any], datetime | None], mondays: list[date]
) -> list[int]:
    grouped = _by_week(rows, when, mondays)
    return [len(grouped.get(m, [])) for m in mondays]


# --- handoff quality ---------------------------------------------------------------------


def _handoff_rows(conn: sa.Connection, since: datetime, at: datetime) -> list[Any]:
    """The handoffs the scorecard reads: sent since ``since`` (the window and the trend
    weeks) or still pending (the queue), with only the columns the quality parts use:
    the packet, the widest column, is never read here."""
    h = handoffs.c
    sent = sa.func.coalesce(h.sent_at, h.created_at)
    return list(
        conn.execute(
            sa.select(
                h.kind, h.state, h.completeness, h.created_at, h.sent_at, h.due_at,
                h.accepted_at, h.next_stage_reached_at,
            ).where(h.created_at <= at, sa.or_(h.state == "pending", sent >= since))
        )
    )  # fmt: skip


def _handoff_quality(
    settings: Settings, rows: list[Any], at: datetime, window: datetime, mondays: list[date]
) -> Kpi:
    hours = {k.id: k.accept_within_hours for k in settings.handoffs.kinds}
    weights = settings.handoffs.quality_weights.model_dump()
    target = settings.kpis.handoff_quality

    def sent(row: Any) -> datetime | None:
        return as_utc(row.sent_at) or as_utc(row.created_at)

    def score(group: list[Any]) -> float | None:
        parts: list[Parts] = [parts_of(r, hours.get(r.kind, 24), at) for r in group]
        return blend("all", parts, weights, target).score if parts else None

    recent = [r for r in rows if (sent(r) or at) >= window]
    weekly = _by_week(rows, sent, mondays)
    value = score(recent)
    basis = (
        f"{len(recent)} handoff{'s' * (len(recent) != 1)} in {WINDOW_DAYS} days"
        if recent
        else f"not measured yet: no handoffs in the last {WINDOW_DAYS} days"
    )
    return Kpi(
        "handoff_quality",
        "Handoff quality",
        target,
        value,
        basis,
        [score(weekly.get(m, [])) for m in mondays],
    )


# --- stage gates -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    at: datetime
    overridden: bool


def _gated_moves(conn: sa.Connection, since: datetime, at: datetime) -> list[_Move]:
    """Stage moves made through devfunnel (each audited as ``opportunity.move``), and
    whether an admin overrode unmet criteria (``opportunity.gate_override``, same
    opportunity, same transaction)."""
    a = audit_log.c
    rows = conn.execute(
        sa.select(a.action, a.entity_id, a.occurred_at).where(
            a.action.in_(("opportunity.move", "opportunity.gate_override")),
            a.occurred_at >= since,
            a.occurred_at <= at,
        )
    ).all()
    overrides = defaultdict(list)
    for r in rows:
        if r.action == "opportunity.gate_override":
            overrides[r.entity_id].append(as_utc(r.occurred_at))
    moves = []
    for r in rows:
        if r.action != "opportunity.move":
            continue
        when = as_utc(r.occurred_at) or at
        near = any(abs((o or when) - when) <= timedelta(seconds=5) for o in overrides[r.entity_id])
        moves.append(_Move(when, near))
    return moves


def _stage_gates(
    settings: Settings, moves: list[_Move], window: datetime, mondays: list[date]
) -> Kpi:
    def rate(group: list[_Move]) -> float | None:
        return sum(not m.overridden for m in group) / len(group) if group else None

    recent = [m for m in moves if m.at >= window]
    weekly = _by_week(moves, lambda m: m.at, mondays)
    basis = (
        f"{len(recent)} stage move{'s' * (len(recent) != 1)} through devfunnel, "
        f"{sum(m.overridden for m in recent)} overridden"
        if recent
        else "not measured yet: no stage moves through devfunnel in the last "
        f"{WINDOW_DAYS} days (imported CRM history was never gated)"
    )
    return Kpi(
        "stage_gate_compliance",
        "Stage-gate compliance",
        settings.kpis.stage_gate_compliance,
        rate(recent),
        basis,
        [rate(weekly.get(m, [])) for m in mondays],
    )


# --- speed to lead -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Lead:
    routed_at: datetime
    met: bool
    breached: bool
    breached_at: datetime | None
    open_breach: bool


def _lead_outcomes(conn: sa.Connection, since: datetime, at: datetime) -> list[_Lead]:
    """Leads with an SLA, with the outcome ``sla_compliance`` gives them as of ``at``;
    routed since ``since``, or breached and still waiting for a first touch. The outcome
    is decided in SQL (one row of booleans a lead), so only two times a lead come back."""
    lc = leads.c
    due, touched = lc.sla_due_at, lc.first_touch_at
    met = sa.and_(touched.is_not(None), touched <= due)
    breached = sa.and_(
        sa.not_(met),
        sa.or_(
            lc.breached_at.is_not(None),
            sa.and_(touched.is_not(None), touched > due),
            sa.and_(touched.is_(None), due <= at),
        ),
    )
    open_breach = sa.and_(breached, touched.is_(None), lc.status.in_(("new", "working")))
    rows = conn.execute(
        sa.select(
            lc.routed_at,
            lc.breached_at,
            sa.case((met, True), else_=False).label("met"),
            sa.case((breached, True), else_=False).label("breached"),
            sa.case((open_breach, True), else_=False).label("open_breach"),
        ).where(
            due.is_not(None),
            lc.routed_at <= at,
            sa.or_(
                lc.routed_at >= since,
                sa.and_(lc.breached_at.is_not(None), touched.is_(None)),
            ),
        )
    ).all()
    return [
        _Lead(
            as_utc(r.routed_at) or at,
            bool(r.met),
            bool(r.breached),
            as_utc(r.breached_at),
            bool(r.open_breach),
        )
        for r in rows
    ]


def _speed_to_lead(
    settings: Settings, rows: list[_Lead], window: datetime, mondays: list[date]
) -> Kpi:
    def rate(group: list[_Lead]) -> float | None:
        decided = [r for r in group if r.met or r.breached]
        return sum(r.met for r in decided) / len(decided) if decided else None

    recent = [r for r in rows if r.routed_at >= window]
    decided = sum(1 for r in recent if r.met or r.breached)
    weekly = _by_week(rows, lambda r: r.routed_at, mondays)
    basis = (
        f"{decided} lead{'s' * (decided != 1)} decided in {WINDOW_DAYS} days, "
        f"{sum(r.breached for r in recent)} breached"
        if decided
        else f"not measured yet: no lead's SLA decided in the last {WINDOW_DAYS} days"
    )
    return Kpi(
        "speed_to_lead_compliance",
        "Speed-to-lead SLA",
        settings.kpis.speed_to_lead_compliance,
        rate(recent),
        basis,
        [rate(weekly.get(m, [])) for m in mondays],
    )


# --- PQA to opportunity ------------------------------------------------------------------


@dataclass(frozen=True)
class _Pqa:
    since: datetime
    current: bool
    converted: bool


def _pqa_conversions(conn: sa.Connection, at: datetime) -> list[_Pqa]:
    """Accounts with a PQA start, and whether an opportunity was created on or after it."""
    s, o = account_scores.c, opportunities.c
    converted = (
        sa.select(sa.literal(1))
        .where(o.account_id == s.account_id, o.created_at >= s.pqa_since, o.created_at <= at)
        .exists()
    )
    rows = conn.execute(
        sa.select(s.pqa_since, s.pqa, converted.label("converted")).where(
            s.pqa_since.is_not(None), s.pqa_since <= at
        )
    ).all()
    return [_Pqa(as_utc(r.pqa_since) or at, bool(r.pqa), bool(r.converted)) for r in rows]


def _pqa_conversion(
    settings: Settings, rows: list[_Pqa], window: datetime, mondays: list[date]
) -> Kpi:
    def rate(group: list[_Pqa]) -> float | None:
        return sum(r.converted for r in group) / len(group) if group else None

    recent = [r for r in rows if r.since >= window]
    weekly = _by_week(rows, lambda r: r.since, mondays)
    basis = (
        f"{sum(r.converted for r in recent)} of {len(recent)} PQA"
        f"{'s' * (len(recent) != 1)} of the last {WINDOW_DAYS} days"
        if recent
        else f"not measured yet: no account became PQA in the last {WINDOW_DAYS} days"
    )
    return Kpi(
        "pqa_to_opportunity_rate",
        "PQA to opportunity",
        settings.kpis.pqa_to_opportunity_rate,
        rate(recent),
        basis,
        [rate(weekly.get(m, [])) for m in mondays],
    )
