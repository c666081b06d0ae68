"""The pipeline's worker step: every part in order, idempotent, and throttled."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.pipeline.jobs import EVERY_SECONDS, pipeline_if_due, run_pipeline
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import handoffs, leads
from devfunnel.worker.jobs import run_pending
from tests.pipeline.seed import T0, add_account, add_people, score_account, score_person


def test_one_step_creates_routes_checks_and_hands_off(
    team_store: Store, settings: Settings
) -> None:
    acme = add_account(team_store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
    (jane,) = add_people(
        team_store, settings, {"email": "jane@acme.io", "account_domain": "acme.io"}
    )
    score_person(team_store, jane)
    score_account(team_store, acme, pqa_since=T0)
    report = run_pipeline(team_store, settings, now=T0)
    assert (report.leads_created, report.leads_routed, report.handoffs_created) == (1, 1, 1)
    with team_store.read() as conn:
        lead = conn.execute(sa.select(leads)).one()
        handoff = conn.execute(sa.select(handoffs)).one()
    assert (lead.source, lead.routed_by) == ("pql", "account_owner")
    assert (handoff.kind, handoff.trigger) == ("devrel_to_sales", "pqa")
    # Nothing more to do at the same time.
    again = run_pipeline(team_store, settings, now=T0)
    assert (again.leads_created, again.leads_routed, again.handoffs_created) == (0, 0, 0)
    # The PQL SLA (60 minutes) breaches, then escalates.
    later = run_pipeline(team_store, settings, now=T0 + timedelta(minutes=90))
    assert (later.sla.breaches, later.sla.escalations) == (1, 1)


def test_the_step_is_throttled_and_runs_from_the_worker(
    team_store: Store, settings: Settings
) -> None:
    assert pipeline_if_due(team_store, settings, now=T0) is not None
    assert pipeline_if_due(team_store, settings, now=T0 + timedelta(seconds=5)) is None
    due = T0 + timedelta(seconds=EVERY_SECONDS)
    assert pipeline_if_due(team_store, settings, now=due) is not None
    acme = add_account(team_store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
    score_account(team_store, acme, pqa_since=due)
    report = run_pending(team_store, settings, now=due + timedelta(seconds=EVERY_SECONDS))
    assert report.pipeline_changes == 3  # a PQA lead, its routing, its handoff
