"""Recompute journey stages and scores, for everyone or for the people new events touched.

One run, in one transaction under the ``scoring`` lock: build the activity facts
(``journey.activities``), derive stages (``journey.stages``), aggregate signals
(``scoring.signals``), blend them (``scoring.formulas``), and replace the rows of
``person_scores``, ``account_scores``, ``journey_transitions`` and the day's
``account_score_history`` point for the subjects in scope; then regrade every account.

An incremental run is given people; its scope grows to every account they are or were
scored under and every person of those accounts, because an account's momentum and
stage depend on all its people. The result for those subjects is the same as a full
recompute's (the test suite checks it).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.journey import activities, stages
from devfunnel.money import exponent as minor_exponent
from devfunnel.scoring import formulas, grades, signals
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.scores import (
    account_score_history,
    account_scores,
    journey_transitions,
    person_scores,
)

#: Weekly history points the demo backfills: one year.
HISTORY_WEEKS = 52


@dataclass
class RecomputeReport:
    as_of: datetime
    full: bool
    people: int = 0
    accounts: int = 0
    transitions: int = 0
    history_points: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def history_day(as_of: datetime, offset_days: int = 0) -> date:
    """The last day a point covers: the day before its exclusive end."""
    return (as_of - timedelta(days=offset_days, microseconds=1)).date()


def recompute(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime,
    persons: Sequence[uuid.UUID] | None = None,
    history_weeks: int = 0,
) -> RecomputeReport:
    """Recompute as of ``as_of`` (only events before it count); ``persons`` limits the run
    to them and their accounts; ``history_weeks`` adds weekly momentum points before."""
    report = RecomputeReport(as_of=as_of, full=persons is None)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        report.seconds[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    with store.exclusive("scoring") as conn:
        scope_people, scope_accounts = _scope(conn, persons)
        activities.build_facts(conn, settings, as_of, persons=scope_people)
        # Temporary tables: autovacuum never analyses them, and every step below reads
        # them (PostgreSQL planned the momentum history over facts it took for empty).
        store.analyze(conn, activities.FACTS)
        lap("facts")
        stages.derive_stages(conn, settings, as_of)
        store.analyze(conn, stages.PERSON_STAGES, stages.ACCOUNT_STAGES)
        lap("stages")
        offsets = [7 * k for k in range(history_weeks + 1)]
        person_signals = signals.collect(conn, settings, [0], by="person_id")
        account_signals = signals.collect(conn, settings, [0], by="account_id")
        lap("signals")
        live_people = _live_people(conn, scope_people)
        live_accounts = _live_accounts(conn, scope_accounts)
        person_stage = _current_stages(conn, stages.PERSON_STAGES)
        account_stage = _current_stages(conn, stages.ACCOUNT_STAGES)
        pqa_since = _previous_pqa(conn, scope_accounts)
        _delete_scope(conn, scope_people, scope_accounts, [history_day(as_of, o) for o in offsets])
        report.people = _write_people(
            store, conn, settings, as_of, live_people, person_signals, person_stage
        )
        account_since = _write_accounts(
            store,
            conn,
            settings,
            as_of,
            live_accounts,
            account_signals,
            account_stage,
            pqa_since,
        )
        report.accounts = len(live_accounts)
        report.history_points = _write_history(conn, settings, as_of, offsets, scope_accounts)
        _date_pqa(conn, settings, as_of, account_since)
        report.transitions = _write_transitions(conn, settings)
        grades.regrade(store, conn, settings)
        stages.drop(conn)
        activities.drop_facts(conn)
        lap("write")
    return report


def _scope(
    conn: sa.Connection, persons: Sequence[uuid.UUID] | None
) -> tuple[list[uuid.UUID] | None, list[uuid.UUID] | None]:
    """All people of the accounts the given people are or were scored under."""
    if persons is None:
        return None, None
    account_ids: set[uuid.UUID] = set()
    for part in chunked(list(persons)):
        account_ids |= {
            a for (a,) in conn.execute(sa.select(people.c.account_id).where(people.c.id.in_(part)))
        }
        account_ids |= {
            a
            for (a,) in conn.execute(
                sa.select(person_scores.c.account_id).where(person_scores.c.person_id.in_(part))
            )
        }
    account_ids = {a for a in account_ids if a is not None}
    everyone = set(persons)
    for part in chunked(sorted(account_ids)):
        everyone |= {
            p for (p,) in conn.execute(sa.select(people.c.id).where(people.c.account_id.in_(part)))
        }
    return sorted(everyone), sorted(account_ids)


def _live_people(conn: sa.Connection, scope: list[uuid.UUID] | None) -> list[tuple[Any, ...]]:
    p = people.c
    query = sa.select(p.id, p.account_id).where(
        p.merged_into.is_(None), p.is_internal.is_(False), p.is_bot.is_(False)
    )
    if scope is None:
        return [tuple(r) for r in conn.execute(query)]
    return [tuple(r) for part in chunked(scope) for r in conn.execute(query.where(p.id.in_(part)))]


def _live_accounts(conn: sa.Connection, scope: list[uuid.UUID] | None) -> list[dict[str, Any]]:
    a = accounts.c
    query = sa.select(
        a.id, a.industry, a.employees, a.annual_revenue_minor, a.currency, a.country, a.region,
        a.segment, a.tech_stack, a.domain, a.named_account,
    ).where(a.merged_into.is_(None))  # fmt: skip
    if scope is None:
        rows = list(conn.execute(query))
    else:
        rows = [r for part in chunked(scope) for r in conn.execute(query.where(a.id.in_(part)))]
    return [dict(r._mapping) for r in rows]


def _current_stages(conn: sa.Connection, table: str) -> dict[uuid.UUID, int]:
    t = stages.stage_table(table)
    query = sa.select(t.c.subject_id, sa.func.max(t.c.stage_idx)).group_by(t.c.subject_id)
    return {sid: int(idx) for sid, idx in conn.execute(query)}


def _delete_scope(
    conn: sa.Connection,
    scope_people: list[uuid.UUID] | None,
    scope_accounts: list[uuid.UUID] | None,
    days: list[date],
) -> None:
    if scope_people is None or scope_accounts is None:
        conn.execute(person_scores.delete())
        conn.execute(account_scores.delete())
        conn.execute(journey_transitions.delete())
        conn.execute(account_score_history.delete().where(account_score_history.c.day.in_(days)))
        return
    subjects = activities.subjects_table()
    in_people = sa.select(subjects.c.person_id)
    conn.execute(person_scores.delete().where(person_scores.c.person_id.in_(in_people)))
    conn.execute(
        journey_transitions.delete().where(
            journey_transitions.c.subject_kind == "person",
            journey_transitions.c.subject_id.in_(in_people),
        )
    )
    for part in chunked(scope_accounts):
        conn.execute(account_scores.delete().where(account_scores.c.account_id.in_(part)))
        conn.execute(
            journey_transitions.delete().where(
                journey_transitions.c.subject_kind == "account",
                journey_transitions.c.subject_id.in_(part),
            )
        )
        conn.execute(
            account_score_history.delete().where(
                account_score_history.c.account_id.in_(part),
                account_score_history.c.day.in_(days),
            )
        )
    # Records merged away since the last run leave their scores behind.
    merged = sa.select(accounts.c.id).where(accounts.c.merged_into.is_not(None))
    conn.execute(account_scores.delete().where(account_scores.c.account_id.in_(merged)))
    gone = sa.select(people.c.id).where(people.c.merged_into.is_not(None))
    conn.execute(person_scores.delete().where(person_scores.c.person_id.in_(gone)))


def _stage_id(settings: Settings, idx: int | None) -> str | None:
    return None if idx is None else settings.journey.stages[idx].id


def _stage_index(settings: Settings, stage_id: str) -> int:
    return settings.journey.stage_ids().index(stage_id)


def _write_people(
    store: Store,
    conn: sa.Connection,
    settings: Settings,
    as_of: datetime,
    live: list[tuple[Any, ...]],
    by_person: dict[tuple[int, uuid.UUID], signals.SubjectSignals],
    stage_of: dict[uuid.UUID, int],
) -> int:
    pql = settings.scoring.pql
    pql_stage = _stage_index(settings, pql.min_journey_stage)
    empty = signals.SubjectSignals()
    rows = []
    for person_id, account_id in live:
        score, why = formulas.engagement(settings, by_person.get((0, person_id), empty))
        idx = stage_of.get(person_id)
        qualified = score >= pql.min_engagement and idx is not None and idx >= pql_stage
        rows.append({
            "person_id": str(person_id), "account_id": str(account_id) if account_id else None,
            "engagement": score, "journey_stage": _stage_id(settings, idx), "pql": qualified,
            "why": _json(why), "computed_at": as_of,
        })  # fmt: skip
    if rows:
        store.append(conn, person_scores, pa.Table.from_pylist(rows, schema=_PERSON_SCHEMA))
    return len(rows)


def fit_record(row: dict[str, Any]) -> dict[str, Any]:
    """An account row in the shape ICP conditions read (revenue in major units)."""
    revenue = row.get("annual_revenue_minor")
    exponent = minor_exponent(row.get("currency") or "USD")
    return {
        **row,
        "annual_revenue": None if revenue is None else revenue / 10**exponent,
        "tech_stack": row.get("tech_stack") or [],
    }


def _write_accounts(
    store: Store,
    conn: sa.Connection,
    settings: Settings,
    as_of: datetime,
    live: list[dict[str, Any]],
    by_account: dict[tuple[int, uuid.UUID], signals.SubjectSignals],
    stage_of: dict[uuid.UUID, int],
    since: dict[uuid.UUID, datetime],
) -> list[uuid.UUID]:
    """Write the accounts' scores; return those that became PQA in this run."""
    pqa = settings.scoring.pqa
    pqa_stage = _stage_index(settings, pqa.min_journey_stage)
    empty = signals.SubjectSignals()
    rows = []
    became: list[uuid.UUID] = []
    for account in live:
        aid = account["id"]
        found = by_account.get((0, aid), empty)
        score, momentum_why = formulas.momentum(settings, found)
        fit, fit_why = formulas.fit(settings.icp.rules, fit_record(account))
        idx = stage_of.get(aid)
        checks = {
            "momentum": score >= pqa.min_momentum,
            "fit": fit >= pqa.min_fit,
            "active_developers": found.developers >= pqa.min_active_developers,
            "journey_stage": idx is not None and idx >= pqa_stage,
        }
        qualified = all(checks.values())
        if qualified and aid not in since:
            became.append(aid)
        rows.append({
            "account_id": str(aid), "momentum": score, "fit": fit, "grade": "F",
            "percentile": None, "journey_stage": _stage_id(settings, idx),
            "active_developers": found.developers, "pqa": qualified,
            "pqa_since": (since.get(aid) or as_of) if qualified else None,
            "why": _json({"momentum": momentum_why, "fit": fit_why, "pqa": checks}),
            "computed_at": as_of,
        })  # fmt: skip
    if rows:
        store.append(conn, account_scores, pa.Table.from_pylist(rows, schema=_ACCOUNT_SCHEMA))
    return became


def _date_pqa(
    conn: sa.Connection, settings: Settings, as_of: datetime, became: list[uuid.UUID]
) -> None:
    """Accounts that became PQA in a run with history points: back to the start of the
    streak of points where they already qualified (momentum, developers, fit and stage)."""
    if not became:
        return
    pqa = settings.scoring.pqa
    reached = _reached(conn, _stage_index(settings, pqa.min_journey_stage))
    h, s = account_score_history.c, account_scores.c
    points: dict[uuid.UUID, list[tuple[Any, float, float, int]]] = {}
    for part in chunked(became):
        for aid, day, momentum, fit, devs in conn.execute(
            sa.select(h.account_id, h.day, h.momentum, h.fit, h.active_developers)
            .where(h.account_id.in_(part), h.day < history_day(as_of))
            .order_by(h.account_id, h.day.desc())
        ):
            points.setdefault(aid, []).append((day, float(momentum), float(fit), int(devs)))
    for aid, history in points.items():
        start = as_of
        for day, momentum, fit, devs in history:
            end = as_of - (history_day(as_of) - day)  # the point this day's row was taken at
            stage_at = reached.get(aid)
            if not (momentum >= pqa.min_momentum and fit >= pqa.min_fit
                    and devs >= pqa.min_active_developers
                    and stage_at is not None and stage_at < end):  # fmt: skip
                break
            start = end
        if start != as_of:
            conn.execute(account_scores.update().where(s.account_id == aid).values(pqa_since=start))


def _reached(conn: sa.Connection, stage_idx: int) -> dict[uuid.UUID, datetime]:
    """When each account in the run reached ``stage_idx``."""
    t = stages.stage_table(stages.ACCOUNT_STAGES)
    query = sa.select(t.c.subject_id, t.c.reached_at).where(t.c.stage_idx == stage_idx)
    return {sid: at for sid, at in conn.execute(query)}


def _previous_pqa(conn: sa.Connection, scope: list[uuid.UUID] | None) -> dict[uuid.UUID, datetime]:
    """When accounts already product-qualified became so, kept across recomputes."""
    s = account_scores.c
    query = sa.select(s.account_id, s.pqa_since).where(s.pqa.is_(True), s.pqa_since.is_not(None))
    if scope is None:
        return {aid: at for aid, at in conn.execute(query)}
    return {
        aid: at
        for part in chunked(scope)
        for aid, at in conn.execute(query.where(s.account_id.in_(part)))
    }


def _write_history(
    conn: sa.Connection,
    settings: Settings,
    as_of: datetime,
    offsets: list[int],
    scope: list[uuid.UUID] | None,
) -> int:
    """One momentum point per scored account and offset, set-wise (insert from select);
    fit has no history (firmographics are kept as they are now), so it is today's."""
    points = signals.momentum_points(settings, offsets)
    days = sa.values(
        sa.column("offset_days", sa.Integer), sa.column("day", sa.Date), name="history_days"
    ).data([(o, history_day(as_of, o)) for o in offsets])
    s = account_scores.c
    query = (
        sa.select(
            s.account_id, days.c.day, sa.func.coalesce(points.c.momentum, 0.0), s.fit,
            sa.func.coalesce(points.c.developers, 0),
        )
        .select_from(account_scores.join(days, sa.true()).outerjoin(points, sa.and_(
            points.c.account_id == s.account_id, points.c.offset_days == days.c.offset_days)))
    )  # fmt: skip
    columns = ["account_id", "day", "momentum", "fit", "active_developers"]
    parts = [None] if scope is None else list(chunked(scope))
    for part in parts:
        selected = query if part is None else query.where(s.account_id.in_(part))
        conn.execute(account_score_history.insert().from_select(columns, selected))
    scored = conn.execute(sa.select(sa.func.count()).select_from(account_scores)).scalar_one()
    return len(offsets) * (int(scored) if scope is None else len(scope))


def _write_transitions(conn: sa.Connection, settings: Settings) -> int:
    total = 0
    for kind, name in (("person", stages.PERSON_STAGES), ("account", stages.ACCOUNT_STAGES)):
        t = stages.stage_table(name)
        stage_name = sa.case(
            *[(t.c.stage_idx == i, s.id) for i, s in enumerate(settings.journey.stages)]
        )
        query = sa.select(
            sa.literal(kind, sa.String), t.c.subject_id, stage_name, t.c.reached_at, t.c.milestone
        )
        conn.execute(
            journey_transitions.insert().from_select(
                ["subject_kind", "subject_id", "stage", "reached_at", "milestone"], query
            )
        )
        total += int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
    return total


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


_HISTORY_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("day", pa.date32()), ("momentum", pa.float64()),
    ("fit", pa.float64()), ("active_developers", pa.int64()),
])  # fmt: skip
_PERSON_SCHEMA = pa.schema([
    ("person_id", pa.string()), ("account_id", pa.string()), ("engagement", pa.float64()),
    ("journey_stage", pa.string()), ("pql", pa.bool_()), ("why", pa.string()),
    ("computed_at", pa.timestamp("us", tz="UTC")),
])  # fmt: skip
_ACCOUNT_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("momentum", pa.float64()), ("fit", pa.float64()),
    ("grade", pa.string()), ("percentile", pa.float64()), ("journey_stage", pa.string()),
    ("active_developers", pa.int64()), ("pqa", pa.bool_()),
    ("pqa_since", pa.timestamp("us", tz="UTC")), ("why", pa.string()),
    ("computed_at", pa.timestamp("us", tz="UTC")),
])  # fmt: skip
