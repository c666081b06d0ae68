"""Training on closed opportunities in the store, storing versions, scoring open ones, and
retraining on a schedule. The synthetic company's signal is known: an opportunity is won
when its account's developers were using the API before it opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.admin.users import import_users
from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.opportunities import import_opportunities
from devfunnel.scoring.success import schedule, training
from devfunnel.scoring.success.features import FEATURES
from devfunnel.scoring.success.predictions import prediction_for, refresh_predictions
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state
from devfunnel.store.schema.pipeline import opportunities
from devfunnel.store.schema.predictions import success_models, success_predictions
from tests.pipeline.world import send, usage

NOW = datetime(2026, 9, 1, tzinfo=UTC)
CLOSED = 28  # half won, half lost


def company(store: Store, settings: Settings, closed: int = CLOSED) -> None:
    """Accounts a00..: even ones have two developers using the API before their
    opportunity opens and win; odd ones have none and lose. Two more opened 5 days ago and
    are open: o0 strong, o1 weak."""
    import_users(store, settings, [{"email": "sam@acme.dev", "name": "Sam", "role": "seller"}])
    names = [f"a{i:02d}" for i in range(closed)] + ["o0", "o1"]
    import_accounts(store, settings, [
        {"external_id": n, "crm": "hubspot", "name": f"Account {n}", "domain": f"{n}-corp.com",
         "employees": 300, "industry": "Software", "country": "US"} for n in names])  # fmt: skip
    events: list[dict[str, Any]] = []
    records = []
    for i, name in enumerate(names):
        is_open = name.startswith("o")
        opened = NOW - timedelta(days=5 if is_open else 200 - 5 * (i % 20))
        strong = i % 2 == 0
        if strong:
            for dev in ("x", "y"):
                user = f"{name}-{dev}"
                events.append({"messageId": f"id-{user}", "type": "identify", "userId": user,
                               "timestamp": opened - timedelta(days=30),
                               "traits": {"email": f"{dev}@{name}-corp.com"}})  # fmt: skip
                events += [usage(user, opened - timedelta(days=d), 4_000, d) for d in range(1, 26)]
        won = i % 2 == 0
        history = [{"stage": "discovery", "changed_at": opened}]
        if not is_open:
            history.append({"stage": "closed_won" if won else "closed_lost",
                            "changed_at": opened + timedelta(days=40)})  # fmt: skip
        records.append({
            "external_id": f"opp-{name}", "crm": "hubspot", "account_external_id": name,
            "name": f"Deal {name}", "stage": history[-1]["stage"], "amount": "20000",
            "owner_email": "sam@acme.dev", "created_at": opened, "stage_history": history,
        })  # fmt: skip
    send(store, events)
    resolve_pending(store, settings)
    result = import_opportunities(store, settings, records)
    assert not result.errors, result.errors


def opportunity(store: Store, name: str) -> Any:
    with store.read() as conn:
        key = opportunities.c.external_key
        found = conn.execute(sa.select(opportunities.c.id).where(key == f"hubspot:opp-{name}"))
        return found.scalar_one()


def test_training_learns_the_signal_and_scores_open_opportunities(
    store: Store, settings: Settings
) -> None:
    company(store, settings)
    version = training.train(store, settings, now=NOW, trained_by="test")
    assert version.metrics["opportunities"] == CLOSED
    assert (version.metrics["won"], version.metrics["lost"]) == (CLOSED // 2, CLOSED // 2)
    assert version.metrics["snapshots"] > CLOSED  # 40-day deals give a second snapshot
    assert version.metrics["cross_validated"]["auc_at_creation"] > 0.9
    with store.read() as conn:
        stored = training.latest_version(conn, with_model=True)
    assert stored is not None
    assert stored.id == version.id
    assert stored.model is not None
    assert stored.features[:3] == ["log_developers", "log_active_developers", "builders"]

    assert refresh_predictions(store, settings, version=stored, now=NOW) == 2
    with store.read() as conn:
        strong = prediction_for(conn, opportunity(store, "o0"))
        weak = prediction_for(conn, opportunity(store, "o1"))
        closed = prediction_for(conn, opportunity(store, "a00"))
    assert strong is not None
    assert weak is not None
    assert closed is None
    assert 0 < weak.probability < 0.5 < strong.probability < 1
    assert strong.model_id == version.id
    # The why: the largest contributions first, the developers' usage among them.
    sizes = [abs(c["contribution"]) for c in strong.why]
    assert sizes == sorted(sizes, reverse=True)
    developer_side = list(FEATURES)[: list(FEATURES).index("stage_probability")]
    assert strong.why[0]["feature"] in developer_side
    assert strong.why[0]["contribution"] > 0


def test_too_few_closed_opportunities_is_a_clear_refusal(store: Store, settings: Settings) -> None:
    company(store, settings, closed=6)
    with pytest.raises(Conflict, match="3 won and 3 lost; at least 10 of each"):
        training.train(store, settings, now=NOW)
    with pytest.raises(NotFound, match="no success model"):
        refresh_predictions(store, settings, now=NOW)


def test_the_worker_retrains_only_when_due(store: Store, settings: Settings) -> None:
    company(store, settings)
    assert schedule.retrain_if_due(store, settings, now=NOW)
    assert not schedule.retrain_if_due(store, settings, now=NOW + timedelta(hours=23))
    assert schedule.retrain_if_due(store, settings, now=NOW + timedelta(hours=24))
    with store.read() as conn:
        models = conn.execute(sa.select(success_models.c.trained_by)).scalars().all()
        predicted = conn.execute(sa.select(sa.func.count()).select_from(success_predictions))
        assert predicted.scalar() == 2
    assert models == ["worker", "worker"]


def _with_an_added_icp_rule(settings: Settings) -> Settings:
    rules = [*settings.icp.rules, settings.icp.rules[0].model_copy(update={"id": "added"})]
    return settings.model_copy(update={"icp": settings.icp.model_copy(update={"rules": rules})})


def test_a_model_over_other_features_is_retrained_at_once(store: Store, settings: Settings) -> None:
    company(store, settings)
    assert schedule.retrain_if_due(store, settings, now=NOW)
    # An ICP rule added since: the stored model cannot score the new feature set.
    changed = _with_an_added_icp_rule(settings)
    assert not schedule.retrain_if_due(store, settings, now=NOW + timedelta(hours=1))
    assert schedule.retrain_if_due(store, changed, now=NOW + timedelta(hours=1))
    with store.read() as conn:
        newest = training.latest_version(conn)
    assert newest is not None
    assert "icp_added" in newest.features


def test_a_refused_retrain_over_new_features_waits_like_any_other(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    company(store, settings)
    assert schedule.retrain_if_due(store, settings, now=NOW)
    changed = _with_an_added_icp_rule(settings)
    monkeypatch.setattr(training, "MIN_EACH_OUTCOME", 10_000)  # every attempt is refused
    first = NOW + timedelta(hours=1)
    assert not schedule.retrain_if_due(store, changed, now=first)
    # The next pass does not try again: the attempt over today's features is remembered.
    assert not schedule.retrain_if_due(store, changed, now=first + timedelta(hours=1))
    with store.read() as conn:
        state = conn.execute(
            sa.select(app_state.c.value).where(app_state.c.key == schedule.STATE_KEY)
        ).scalar_one()
    assert state["at"] == first.isoformat()
    assert "icp_added" in state["features"]


def test_the_worker_waits_after_a_refusal(store: Store, settings: Settings) -> None:
    assert not schedule.retrain_if_due(store, settings, now=NOW)
    company(store, settings)
    assert not schedule.retrain_if_due(store, settings, now=NOW + timedelta(hours=1))
    assert schedule.retrain_if_due(store, settings, now=NOW + timedelta(hours=25))
