"""Developer journey stages from the configured milestones, set-wise over the facts.

A person reaches a stage when one (``match = "any"``) or every (``"all"``) milestone of the
stage is met; a milestone is met at the first moment each of its conditions holds:
``min_count`` events of its activities (within ``window_days`` when set), ``min_value`` of
their ``value_property`` within ``window_days``, and ``min_active_weeks`` distinct ISO
weeks with activity among the ``ceil(window_days / 7)`` weeks up to and including the
week. Counts and values are checked per day bucket, so a threshold crossed during a day
is dated at that day's last event (its first when the day's first event crossed it).

Stages are a high-water mark: reaching a later stage means every earlier one was reached
too, at the latest on the same date (with no milestone of its own, ``milestone`` null).
An account is at the furthest stage any of its people reached, or at a ``paid_plan``
milestone's stage from the first time it started paying (an MRR movement ``new`` or
``reactivation`` above zero, so a plan since canceled still counts as reached).
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.engagement import Milestone
from devfunnel.journey.activities import facts_table
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.revenue import mrr_movements

PERSON_STAGES = "journey_person"
ACCOUNT_STAGES = "journey_account"


def stage_table(name: str) -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
        sa.Column("subject_id", sa.Uuid), sa.Column("stage_idx", sa.Integer),
        sa.Column("reached_at", sa.DateTime(timezone=True)), sa.Column("milestone", sa.String(64)),
        prefixes=["TEMPORARY"],
    )  # fmt: skip


def milestone_activities(settings: Settings, milestone: Milestone) -> list[str]:
    """The activity ids a milestone counts: its own, and every activity of its channels."""
    ids = set(milestone.activities)
    ids |= {a.id for a in settings.activity_types if a.channel in milestone.channels}
    return sorted(ids)


def _milestone_select(
    settings: Settings, stage_idx: int, milestone: Milestone
) -> sa.Select[Any] | None:
    """``(subject_id, stage_idx, milestone, reached_at)`` for each person who met it."""
    activities = milestone_activities(settings, milestone)
    if not activities:
        return None
    f = facts_table()
    daily = (
        sa.select(
            f.c.person_id, f.c.bucket, sa.func.sum(f.c.n).label("n"),
            sa.func.sum(f.c.value).label("value"), sa.func.min(f.c.first_at).label("first_at"),
            sa.func.max(f.c.last_at).label("last_at"),
        )
        .where(f.c.activity.in_(activities))
        .group_by(f.c.person_id, f.c.bucket)
        .subquery("daily")
    )  # fmt: skip
    window = milestone.window_days
    frame: dict[str, Any] = {"range_": (-(window - 1), 0)} if window else {"rows": (None, 0)}
    over = {"partition_by": daily.c.person_id, "order_by": daily.c.bucket, **frame}
    count = sa.func.sum(daily.c.n).over(**over)
    value = sa.func.coalesce(sa.func.sum(daily.c.value).over(**over), 0.0)
    rolling = sa.select(
        daily.c.person_id,
        daily.c.n,
        daily.c.first_at,
        daily.c.last_at,
        count.label("count"),
        value.label("value"),
    ).subquery("rolling")
    checks = [rolling.c.count >= milestone.min_count]
    if milestone.min_value:
        checks.append(rolling.c.value >= milestone.min_value)
    crossed_at_first = rolling.c.count - rolling.c.n + 1 >= milestone.min_count
    when: sa.ColumnElement[Any] = rolling.c.last_at
    if not milestone.min_value:
        when = sa.case((crossed_at_first, rolling.c.first_at), else_=rolling.c.last_at)
    counted = (
        sa.select(rolling.c.person_id, sa.func.min(when).label("at"))
        .where(*checks)
        .group_by(rolling.c.person_id)
        .subquery("counted")
    )
    reached: sa.ColumnElement[Any] = counted.c.at
    source: Any = counted
    if milestone.min_active_weeks and window:
        weeks = math.ceil(window / 7)
        weekly = (
            sa.select(f.c.person_id, f.c.week, sa.func.min(f.c.first_at).label("first_at"))
            .where(f.c.activity.in_(activities))
            .group_by(f.c.person_id, f.c.week)
            .subquery("weekly")
        )
        active = sa.func.count().over(
            partition_by=weekly.c.person_id, order_by=weekly.c.week, range_=(-(weeks - 1), 0)
        )
        sustained_rows = sa.select(
            weekly.c.person_id, weekly.c.first_at, active.label("active")
        ).subquery("sustained_rows")
        sustained = (
            sa.select(
                sustained_rows.c.person_id, sa.func.min(sustained_rows.c.first_at).label("at")
            )
            .where(sustained_rows.c.active >= milestone.min_active_weeks)
            .group_by(sustained_rows.c.person_id)
            .subquery("sustained")
        )
        source = counted.join(sustained, sustained.c.person_id == counted.c.person_id)
        reached = sa.case((sustained.c.at > counted.c.at, sustained.c.at), else_=counted.c.at)
    return sa.select(
        counted.c.person_id.label("subject_id"),
        sa.literal(stage_idx, sa.Integer).label("stage_idx"),
        sa.literal(milestone.id, sa.String).label("milestone"),
        reached.label("reached_at"),
    ).select_from(source)


def _paid_plan_select(settings: Settings, as_of: Any) -> sa.Select[Any] | None:
    """``(account_id, stage_idx, milestone, reached_at)`` from first paid subscriptions."""
    for idx, stage in enumerate(settings.journey.stages):
        for milestone in stage.milestones:
            if milestone.paid_plan:
                m = mrr_movements.c
                return (
                    sa.select(
                        m.account_id.label("subject_id"),
                        sa.literal(idx, sa.Integer).label("stage_idx"),
                        sa.literal(milestone.id, sa.String).label("milestone"),
                        sa.func.min(m.occurred_at).label("reached_at"),
                    )
                    .where(
                        m.kind.in_(("new", "reactivation")),
                        m.mrr_delta_minor > 0,
                        m.occurred_at < as_of,
                    )
                    .group_by(m.account_id)
                )
    return None


def _own_stages(settings: Settings, milestones: list[sa.Select[Any]]) -> sa.Subquery:
    """Per subject and stage, when the stage's own milestones were met (any or all)."""
    met = sa.union_all(*milestones).subquery("met")
    all_stages = [i for i, s in enumerate(settings.journey.stages) if s.match == "all"]
    needed = sa.case(
        *[(met.c.stage_idx == i, len(s.milestones)) for i, s in enumerate(settings.journey.stages)],
        else_=1,
    )
    order = sa.case(
        (met.c.stage_idx.in_(all_stages), met.c.reached_at), else_=None
    ).desc().nulls_last()  # fmt: skip
    ranked = sa.select(
        met.c.subject_id, met.c.stage_idx, met.c.milestone, met.c.reached_at,
        sa.func.row_number().over(
            partition_by=(met.c.subject_id, met.c.stage_idx),
            order_by=(order, met.c.reached_at, met.c.milestone),
        ).label("rn"),
        sa.func.count().over(partition_by=(met.c.subject_id, met.c.stage_idx)).label("met"),
        needed.label("needed"),
    ).subquery("ranked")  # fmt: skip
    matched = sa.case(
        (ranked.c.stage_idx.in_(all_stages), ranked.c.met >= ranked.c.needed), else_=sa.true()
    )
    return (
        sa.select(ranked.c.subject_id, ranked.c.stage_idx, ranked.c.milestone, ranked.c.reached_at)
        .where(ranked.c.rn == 1, matched)
        .subquery("own")
    )


def _filled(settings: Settings, own: sa.Subquery) -> sa.Select[Any]:
    """Every stage up to the furthest reached, each dated by the earliest later stage."""
    idx = sa.values(sa.column("idx", sa.Integer), name="stage_order").data(
        [(i,) for i in range(len(settings.journey.stages))]
    )
    joined = sa.select(
        own.c.subject_id, idx.c.idx, own.c.reached_at,
        sa.case((own.c.stage_idx == idx.c.idx, own.c.milestone), else_=None).label("milestone"),
        sa.func.row_number().over(
            partition_by=(own.c.subject_id, idx.c.idx),
            order_by=(own.c.reached_at, sa.case((own.c.stage_idx == idx.c.idx, 0), else_=1)),
        ).label("rn"),
    ).select_from(own.join(idx, own.c.stage_idx >= idx.c.idx)).subquery("filled")  # fmt: skip
    return sa.select(
        joined.c.subject_id, joined.c.idx, joined.c.reached_at, joined.c.milestone
    ).where(joined.c.rn == 1)


def derive_stages(conn: sa.Connection, settings: Settings, as_of: Any) -> None:
    """Fill the temporary ``journey_person`` and ``journey_account`` tables from the facts
    (``build_facts`` must have run on ``conn``)."""
    for name in (PERSON_STAGES, ACCOUNT_STAGES):
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    person_table, account_table = stage_table(PERSON_STAGES), stage_table(ACCOUNT_STAGES)
    person_table.create(conn)
    account_table.create(conn)
    cols = ["subject_id", "stage_idx", "reached_at", "milestone"]
    selects = [
        sel
        for idx, stage in enumerate(settings.journey.stages)
        for milestone in stage.milestones
        if not milestone.paid_plan
        and (sel := _milestone_select(settings, idx, milestone)) is not None
    ]
    if selects:
        conn.execute(
            person_table.insert().from_select(
                cols, _filled(settings, _own_stages(settings, selects))
            )
        )
    # Accounts: the earliest any of their people reached each stage, plus paid plans; only
    # accounts whose people are in the facts (the run's subjects).
    facts = facts_table()
    in_run = sa.select(facts.c.account_id).where(facts.c.account_id.is_not(None))
    p = person_table.c
    from_people = (
        sa.select(people.c.account_id.label("subject_id"), p.stage_idx, p.milestone, p.reached_at)
        .select_from(person_table.join(people, people.c.id == p.subject_id))
        .where(people.c.account_id.is_not(None))
    )
    account_selects: list[sa.Select[Any]] = [from_people]
    paid = _paid_plan_select(settings, as_of)
    if paid is not None:
        account_selects.append(paid.where(mrr_movements.c.account_id.in_(in_run)))
    # Person milestones keep their names at account level: the developer's milestone.
    conn.execute(
        account_table.insert().from_select(cols, _filled(settings, _account_own(account_selects)))
    )


def _account_own(selects: list[sa.Select[Any]]) -> sa.Subquery:
    met = sa.union_all(*selects).subquery("account_met")
    ranked = sa.select(
        met.c.subject_id, met.c.stage_idx, met.c.milestone, met.c.reached_at,
        sa.func.row_number().over(
            partition_by=(met.c.subject_id, met.c.stage_idx), order_by=met.c.reached_at
        ).label("rn"),
    ).subquery("account_ranked")  # fmt: skip
    return (
        sa.select(ranked.c.subject_id, ranked.c.stage_idx, ranked.c.milestone, ranked.c.reached_at)
        .where(ranked.c.rn == 1)
        .subquery("account_own")
    )


def drop(conn: sa.Connection) -> None:
    for name in (PERSON_STAGES, ACCOUNT_STAGES):
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
