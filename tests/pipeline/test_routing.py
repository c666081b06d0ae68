"""Routing: the account owner first, then rules in order, then weighted round robin with
daily caps and out-of-office skips; every assignment records its rule and reason."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.pipeline import routing
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.leads import create_lead
from devfunnel.pipeline.routing import route_lead
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state, audit_log, users
from devfunnel.store.schema.pipeline import leads
from tests.pipeline.seed import T0, add_account, rows_of, settings_from


def new_lead(store: Store, settings: Settings, email: str, **kw: object) -> uuid.UUID:
    """An unrouted manual lead for a new person."""
    outcome = create_lead(
        store, settings, OPERATOR, source="manual", email=email, route=False, now=T0, **kw
    )  # type: ignore[arg-type]
    assert outcome.created
    assert outcome.lead is not None
    return outcome.lead.id


def owner_of(store: Store, lead_id: uuid.UUID) -> tuple[str | None, str | None, str | None]:
    with store.read() as conn:
        row = conn.execute(
            sa.select(users.c.email, leads.c.routed_by, leads.c.routed_team)
            .select_from(leads.outerjoin(users, users.c.id == leads.c.owner_id))
            .where(leads.c.id == lead_id)
        ).one()
    return row[0], row[1], row[2]


def test_the_account_owner_comes_first(team_store: Store, settings: Settings) -> None:
    add_account(
        team_store,
        settings,
        "Big Co",
        "big.io",
        owner="omar.ae@acme.dev",
        employees=5000,
        region="EMEA",
    )
    lead = new_lead(team_store, settings, "dev@big.io")
    decision = route_lead(team_store, settings, lead, OPERATOR, now=T0)
    assert decision.routed_by == "account_owner"
    assert owner_of(team_store, lead) == ("omar.ae@acme.dev", "account_owner", "ae_enterprise")
    assert "owned by omar.ae@acme.dev" in decision.reason
    with team_store.read() as conn:
        row = conn.execute(sa.select(leads).where(leads.c.id == lead)).one()
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "lead.route")).one()
    assert row.routing_reason == decision.reason
    assert row.routed_at == T0
    # The manual-lead SLA (480 minutes) starts at routing.
    assert row.sla_due_at == T0 + timedelta(minutes=480)
    assert entry.entity_id == lead
    assert entry.reason == decision.reason


def test_an_owner_out_of_office_is_skipped_for_the_rules(
    team_store: Store, settings: Settings
) -> None:
    add_account(
        team_store,
        settings,
        "Big Co",
        "big.io",
        owner="sam.sdr@acme.dev",
        employees=5000,
        region="NA",
    )
    with team_store.transaction() as conn:
        conn.execute(
            users.update()
            .where(users.c.email == "sam.sdr@acme.dev")
            .values(out_of_office_until=T0 + timedelta(days=3))
        )
    lead = new_lead(team_store, settings, "dev@big.io")
    decision = route_lead(team_store, settings, lead, OPERATOR, now=T0)
    assert [(s.rule, s.outcome) for s in decision.steps] == [
        ("account_owner", "skipped"),
        ("enterprise", "matched"),
    ]
    assert "out of office until 2026-05-07" in decision.steps[0].detail
    assert owner_of(team_store, lead) == ("erin.ae@acme.dev", "enterprise", "ae_enterprise")


def test_rules_in_order_then_the_fallback_team(team_store: Store, settings: Settings) -> None:
    add_account(team_store, settings, "Euro", "euro.eu", employees=800, region="EMEA")
    add_account(team_store, settings, "Tiny", "tiny.io", employees=5, region="NA")
    emea = new_lead(team_store, settings, "dev@euro.eu")
    tiny = new_lead(team_store, settings, "dev@tiny.io")
    decision = route_lead(team_store, settings, emea, OPERATOR, now=T0)
    assert [(s.rule, s.outcome) for s in decision.steps] == [
        ("account_owner", "no_match"),
        ("enterprise", "no_match"),
        ("emea", "matched"),
    ]
    assert "employees gte 2000 does not hold (employees is 800)" in decision.steps[1].detail
    assert owner_of(team_store, emea) == ("ines.ae@acme.dev", "emea", "ae_emea")
    route_lead(team_store, settings, tiny, OPERATOR, now=T0)
    assert owner_of(team_store, tiny) == ("sam.sdr@acme.dev", "round_robin:sdr", "sdr")


def test_round_robin_follows_capacity(team_store: Store, settings: Settings) -> None:
    ids = [new_lead(team_store, settings, f"dev{i}@gmail.com") for i in range(10)]
    picked = [route_lead(team_store, settings, i, OPERATOR, now=T0).owner for i in ids]
    emails = [p.email.split(".")[0] for p in picked if p]
    # Capacities 1.0, 1.0, 0.5: smooth weighted round robin, 2:2:1 in every five.
    assert emails == ["sam", "ana", "lee", "sam", "ana"] * 2
    with team_store.read() as conn:
        state = conn.execute(
            sa.select(app_state.c.value).where(app_state.c.key == "routing.round_robin.sdr")
        ).scalar_one()
    assert state is not None


def test_routing_every_waiting_lead_in_batches_keeps_the_turns(
    team_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several leads to a transaction: the round robin carries over within and across
    batches exactly as when each lead is routed on its own."""
    monkeypatch.setattr(routing, "ROUTE_BATCH", 3)
    ids = [new_lead(team_store, settings, f"dev{i}@gmail.com") for i in range(10)]
    assert routing.route_unrouted(team_store, settings, OPERATOR, now=T0) == (10, 0)
    emails = [(owner_of(team_store, i)[0] or "").split(".")[0] for i in ids]
    assert emails == ["sam", "ana", "lee", "sam", "ana"] * 2
    with team_store.read() as conn:
        routed = conn.execute(
            sa.select(sa.func.count()).where(audit_log.c.action == "lead.route")
        ).scalar_one()
    assert routed == 10


def test_daily_cap_and_out_of_office_are_skipped(store: Store, tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        """
[routing]
fallback_team = "small"
[[routing.teams]]
id = "small"
label = "Small"
role = "seller"
members = [
  { email = "a@acme.dev", daily_cap = 2 }, { email = "b@acme.dev" }, { email = "c@acme.dev" },
]
[[routing.rules]]
id = "never"
team = "small"
when = [{ field = "employees", op = "gt", value = 1000000 }]
""",
    )
    from devfunnel.admin.users import import_users, team_users

    import_users(store, settings, team_users(settings))
    with store.transaction() as conn:
        conn.execute(
            users.update()
            .where(users.c.email == "c@acme.dev")
            .values(out_of_office_until=T0 + timedelta(hours=1))
        )
    ids = [new_lead(store, settings, f"p{i}@gmail.com") for i in range(6)]
    got = [route_lead(store, settings, i, OPERATOR, now=T0).owner for i in ids]
    assert [u.email[0] for u in got if u] == ["a", "b", "a", "b", "b", "b"]
    decision = route_lead(
        store, settings, new_lead(store, settings, "x@gmail.com"), OPERATOR, now=T0, dry_run=True
    )
    assert "a@acme.dev is at their daily cap of 2" in decision.reason
    assert "c@acme.dev is out of office until" in decision.reason
    # The next company day, the cap is lifted and c is back.
    tomorrow = T0 + timedelta(days=1)
    later = [
        route_lead(
            store, settings, new_lead(store, settings, f"q{i}@gmail.com"), OPERATOR, now=tomorrow
        ).owner
        for i in range(3)
    ]
    assert {u.email[0] for u in later if u} == {"a", "b", "c"}


def test_a_dry_run_says_where_and_why_and_writes_nothing(
    team_store: Store, settings: Settings
) -> None:
    add_account(team_store, settings, "Big Co", "big.io", employees=5000, region="NA")
    lead = new_lead(team_store, settings, "dev@big.io")
    before = rows_of(team_store, leads, app_state, audit_log)
    decision = route_lead(team_store, settings, lead, OPERATOR, dry_run=True, now=T0)
    assert decision.dry_run
    assert decision.owner is not None
    assert decision.owner.email == "erin.ae@acme.dev"
    assert decision.routed_by == "enterprise"
    assert decision.facts["employees"] == 5000
    assert rows_of(team_store, leads, app_state, audit_log) == before
    # The real route goes where the dry run said.
    assert route_lead(team_store, settings, lead, OPERATOR, now=T0).owner == decision.owner


def test_routing_again_needs_force(team_store: Store, settings: Settings) -> None:
    lead = new_lead(team_store, settings, "dev@gmail.com")
    route_lead(team_store, settings, lead, OPERATOR, now=T0)
    with pytest.raises(Conflict, match=r"already routed .* with --force"):
        route_lead(team_store, settings, lead, OPERATOR, now=T0)
    again = route_lead(
        team_store, settings, lead, OPERATOR, now=T0 + timedelta(hours=1), force=True
    )
    assert again.owner is not None
    assert again.owner.email == "ana.sdr@acme.dev"


def test_unknown_and_malformed_lead_ids(team_store: Store, settings: Settings) -> None:
    missing = uuid.uuid4()
    with pytest.raises(NotFound, match=f"no lead with id {missing}"):
        route_lead(team_store, settings, missing, OPERATOR, now=T0)
    with pytest.raises(ValidationError, match="'nope' is not a valid id"):
        route_lead(team_store, settings, "nope", OPERATOR, now=T0)  # type: ignore[arg-type]


def test_nobody_available_is_refused_and_the_lead_stays_unrouted(
    team_store: Store, settings: Settings
) -> None:
    with team_store.transaction() as conn:
        conn.execute(users.update().values(out_of_office_until=T0 + timedelta(days=1)))
    lead = new_lead(team_store, settings, "dev@gmail.com")
    with pytest.raises(Conflict, match="nobody in team sdr can take it"):
        route_lead(team_store, settings, lead, OPERATOR, now=T0)
    assert owner_of(team_store, lead) == (None, None, None)


def test_concurrent_routing_hands_out_each_turn_once(team_store: Store, settings: Settings) -> None:
    ids = [new_lead(team_store, settings, f"c{i}@gmail.com") for i in range(10)]
    errors: list[BaseException] = []

    def work(part: list[uuid.UUID]) -> None:
        try:
            for lead in part:
                route_lead(team_store, settings, lead, OPERATOR, now=T0)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    counts = Counter(owner_of(team_store, i)[0] for i in ids)
    assert counts == {"sam.sdr@acme.dev": 4, "ana.sdr@acme.dev": 4, "lee.sdr@acme.dev": 2}
