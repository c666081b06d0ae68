"""The scorecard measures each KPI from the records, agrees with the services that own
each measure, and says "not measured" instead of inventing a number."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.audit import Actor
from devfunnel.config import Settings
from devfunnel.metrics.scorecard import WINDOW_DAYS, scorecard, trend_weeks, week_start
from devfunnel.pipeline.handoff_quality import handoff_quality
from devfunnel.pipeline.sla import sla_compliance
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunities
from devfunnel.store.schema.scores import account_scores
from tests.helpers.dashboard import AS_OF

NOW = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 18, tzinfo=UTC)


def test_weeks_are_mondays_ending_with_the_current_one() -> None:
    weeks = trend_weeks(datetime(2026, 7, 2, tzinfo=UTC), 3)  # a Thursday
    assert weeks == [date(2026, 6, 15), date(2026, 6, 22), date(2026, 6, 29)]
    assert week_start(date(2026, 6, 28)) == date(2026, 6, 22)  # Sunday


def test_values_agree_with_the_services_that_own_them(demo: Store, settings: Settings) -> None:
    card = scorecard(demo, settings, now=NOW)
    window = NOW - timedelta(days=WINDOW_DAYS)
    quality = handoff_quality(demo, settings, since=window, now=NOW).overall
    assert card.kpi("handoff_quality").value == quality.score
    overall, _ = sla_compliance(demo, settings, since=window, now=NOW)
    assert card.kpi("speed_to_lead_compliance").value == overall.rate
    assert card.kpi("handoff_quality").target == settings.kpis.handoff_quality
    for kpi in card.kpis:
        assert len(kpi.trend) == len(card.weeks) == 12
        assert kpi.status == ("not_measured" if kpi.value is None else
                              "met" if kpi.value >= kpi.target else "below")  # fmt: skip


def test_forecast_accuracy_and_ungated_history_are_not_measured(
    demo: Store, settings: Settings
) -> None:
    card = scorecard(demo, settings, now=NOW)
    forecast = card.kpi("forecast_accuracy")
    assert forecast.value is None
    assert forecast.status == "not_measured"
    assert all(v is None for v in forecast.trend)
    # The demo's stage history is imported from its CRM: never gated, so not counted.
    gates = card.kpi("stage_gate_compliance")
    assert gates.value is None
    assert "not measured yet" in gates.basis


def test_stage_gate_compliance_counts_overrides(demo: Store, settings: Settings) -> None:
    admin = Actor("user", uuid.uuid4(), "admin@acme.dev")
    moved = [uuid.uuid4() for _ in range(4)]
    with demo.transaction() as conn:
        for n, opportunity in enumerate(moved):
            audit.record(conn, admin, "opportunity.move", entity_kind="opportunity",
                         entity_id=opportunity)  # fmt: skip
            if n == 0:
                audit.record(conn, admin, "opportunity.gate_override",
                             entity_kind="opportunity", entity_id=opportunity)  # fmt: skip
    now = datetime.now(UTC)
    gates = scorecard(demo, settings, now=now).kpi("stage_gate_compliance")
    assert gates.value == 0.75
    assert gates.trend[-1] == 0.75
    assert gates.basis == "4 stage moves through devfunnel, 1 overridden"


def test_pqa_conversion_follows_opportunities_created_after_the_pqa(
    demo: Store, settings: Settings
) -> None:
    s, o = account_scores.c, opportunities.c
    with demo.transaction() as conn:
        ids = list(conn.execute(sa.select(s.account_id).order_by(s.account_id).limit(4)).scalars())
        conn.execute(account_scores.update().values(pqa=False, pqa_since=None))
        since = NOW - timedelta(days=10)
        conn.execute(account_scores.update().where(s.account_id.in_(ids))
                     .values(pqa=True, pqa_since=since))  # fmt: skip
        conn.execute(opportunities.delete().where(o.account_id.in_(ids)))
    before = scorecard(demo, settings, now=NOW)
    assert before.kpi("pqa_to_opportunity_rate").value == 0.0
    assert before.pqas == 4
    assert before.queues_by_week["New PQAs"][week_idx(before.weeks, since)] == 4
    with demo.transaction() as conn:
        template = conn.execute(sa.select(opportunities).limit(1)).mappings().one()
        conn.execute(opportunities.insert().values(
            {**template, "id": uuid.uuid4(), "account_id": ids[0], "external_key": None,
             "created_at": NOW - timedelta(days=2)}))  # fmt: skip
    after = scorecard(demo, settings, now=NOW).kpi("pqa_to_opportunity_rate")
    assert after.value == 0.25
    assert after.basis.startswith("1 of 4 PQAs")


def test_queues_count_pending_and_overdue_handoffs(demo: Store, settings: Settings) -> None:
    card = scorecard(demo, settings, now=NOW)
    with demo.read() as conn:
        pending = conn.execute(sa.text("select count(*) from handoffs where state = 'pending'"))
        assert card.handoffs_waiting == pending.scalar_one()
    assert card.handoffs_overdue <= card.handoffs_waiting
    later = scorecard(demo, settings, now=NOW + timedelta(days=60))
    assert later.handoffs_overdue == later.handoffs_waiting  # all are due within days


def test_an_empty_store_measures_nothing(store: Store, settings: Settings) -> None:
    card = scorecard(store, settings, now=NOW)
    assert [k.value for k in card.kpis] == [None] * 5
    assert (card.pqas, card.handoffs_waiting, card.sla_breaches_open) == (0, 0, 0)


def week_idx(weeks: list[date], moment: datetime) -> int:
    return weeks.index(week_start(moment))
