"""The board's set-wise gates (``exit_criteria.gate_statuses``) against the one-by-one gate
a move is judged by (``exit_criteria.gate_status``): the same answer for every card."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import Principal
from devfunnel.config import Settings
from devfunnel.pipeline import board
from devfunnel.pipeline.exit_criteria import gate_status, gate_statuses
from devfunnel.pipeline.technical_validation import refresh
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunities, qualification, technical_validations
from tests.pipeline.world import NOW, build


def _both(store: Store, settings: Settings) -> tuple[list[Any], list[Any]]:
    with store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(opportunities))]
        one_by_one = [gate_status(conn, settings, row) for row in rows]
        set_wise = gate_statuses(conn, settings, rows)
    return one_by_one, set_wise


def test_set_wise_gates_equal_the_per_opportunity_gate_on_the_demo_company(
    demo: Store, settings: Settings
) -> None:
    one_by_one, set_wise = _both(demo, settings)
    assert set_wise == one_by_one
    assert len(one_by_one) > 10
    # The small demo's deals are all closed by now, so reopen them, derive their technical
    # validations from the demo's events, and put each in every open stage in turn: the
    # gates then read the demo's own qualification scores and validations.
    with demo.transaction() as conn:
        conn.execute(sa.update(opportunities).values(status="open"))
    refresh(demo, settings, now=NOW)
    seen: set[tuple[str, object]] = set()
    for stage in [s for s in settings.pipeline.stages if s.outcome == "open"]:
        with demo.transaction() as conn:
            conn.execute(sa.update(opportunities).values(stage=stage.id))
        one_by_one, set_wise = _both(demo, settings)
        assert set_wise == one_by_one
        assert all(g.next_stage is not None for g in set_wise)
        seen |= {(u.criterion, u.actual) for g in set_wise for u in g.missing}
    kinds = {criterion for criterion, _ in seen}
    assert kinds == {"required_field", "min_qualification", "min_technical_fit"}
    fits = {actual for criterion, actual in seen if criterion == "min_technical_fit"}
    scores = {actual for criterion, actual in seen if criterion == "min_qualification"}
    assert any(fit is not None for fit in fits)
    assert len(scores) > 1


def _validation(account: uuid.UUID, opportunity: uuid.UUID | None, fit: float, at: Any) -> Any:
    return {
        "id": uuid.uuid4(), "opportunity_id": opportunity, "account_id": account,
        "active_developers": 1, "technical_fit": fit, "validated_at": at, "source": "person",
    }  # fmt: skip


def test_account_fallback_ties_and_scores_agree_on_both_backends(
    store: Store, settings: Settings
) -> None:
    world = build(store, settings)
    at = NOW - timedelta(days=1)
    with store.transaction() as conn:
        # No validation of its own: the account's latest untied one counts, and of two at
        # the same moment the one with the greater id, the same way in both reads.
        conn.execute(
            sa.insert(technical_validations),
            [
                _validation(world.account, None, 30.0, at),
                _validation(world.account, None, 40.0, at),
                _validation(world.account, None, 10.0, at - timedelta(days=9)),
            ],
        )
        conn.execute(
            sa.insert(qualification),
            [
                {"id": uuid.uuid4(), "opportunity_id": world.opportunity, "framework": "meddpicc",
                 "element": element, "score": score, "updated_at": NOW}
                for element, score in (("identify_pain", 2), ("champion", 1))
            ],
        )  # fmt: skip
    one_by_one, set_wise = _both(store, settings)
    assert set_wise == one_by_one
    with store.read() as conn:
        t = technical_validations.c
        tie_winner = conn.execute(
            sa.select(t.technical_fit).where(t.validated_at == at).order_by(t.id.desc()).limit(1)
        ).scalar_one()
    (gate,) = set_wise
    fit = [u.actual for u in gate.missing if u.name == "technical_fit"]
    assert fit == [tie_winner]
    assert [u.name for u in gate.missing if u.criterion == "min_qualification"] == [
        "decision_criteria"
    ]

    # Its own validation, older than the account's, comes first.
    with store.transaction() as conn:
        conn.execute(
            sa.insert(technical_validations),
            [_validation(world.account, world.opportunity, 12.0, at - timedelta(days=30))],
        )
    one_by_one, set_wise = _both(store, settings)
    assert set_wise == one_by_one
    assert [u.actual for u in set_wise[0].missing if u.name == "technical_fit"] == [12.0]


def test_the_board_shows_each_card_with_the_moves_gate_on_both_backends(
    store: Store, settings: Settings
) -> None:
    world = build(store, settings)
    with store.transaction() as conn:
        conn.execute(
            sa.insert(technical_validations), [_validation(world.account, None, 30.0, NOW)]
        )
    shown = board.board(store, settings, world.owner, now=NOW)
    cards = [(c.stage.id, card) for c in shown.columns for card in c.cards]
    assert [(stage, card.opportunity.id) for stage, card in cards] == [
        ("technical_evaluation", world.opportunity)
    ]
    with store.read() as conn:
        row = conn.execute(sa.select(opportunities)).one()
        assert cards[0][1].gate == gate_status(conn, settings, dict(row._mapping))
    assert [u.actual for u in cards[0][1].gate.missing if u.name == "technical_fit"] == [30.0]
    assert cards[0][1].movable
    assert board.board(store, settings, world.owner, now=NOW, limit=1).columns[1].total == 1


def test_each_column_keeps_its_closest_close_dates_up_to_the_limit(
    demo: Store, settings: Settings
) -> None:
    admin = Principal(Actor("user", uuid.uuid4(), "a@acme.dev"), user_id=uuid.uuid4(), role="admin")
    shown = board.board(demo, settings, admin, limit=3, closed_days=100_000)
    o = opportunities.c
    with demo.read() as conn:
        for column in shown.columns:
            expected = conn.execute(
                sa.select(o.id)
                .where(o.stage == column.stage.id)
                .order_by(o.close_date.is_(None), o.close_date, o.name, o.id)
                .limit(3)
            ).scalars()
            assert [c.opportunity.id for c in column.cards] == list(expected)
    assert sum(c.total for c in shown.columns) > sum(len(c.cards) for c in shown.columns) > 3
