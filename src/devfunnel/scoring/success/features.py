"""Features of opportunities as of moments: what was known then, and nothing later.

A moment is an opportunity and a time. Developer features come from the account's events
before that time (``signals.py``) and its momentum at the last history point of an earlier
day (``account_score_history``; missing before the history starts); sales features from
the opportunity's record as it stood then:

- its stage then (``stage_history``) and that stage's configured probability, its age;
- its amount then (``opportunity_changes`` undoes later amount changes), its type;
- the account's size and ICP fit (firmographics, which do not change with the deal);
- whether a competitor is named; whether its economic buyer and primary contact were
  known people by then (the person was first seen by then);
- each qualification element's score then (``pipeline.qualification.scores_as_of``: the
  audited, dated changes, so an element validated at signing is not seen earlier), its
  conversations in the 30 days before.

Fields whose history devfunnel does not keep and that a CRM fills as a deal progresses
(close date, next step, use case, lost reason) are never used: for a closed deal they
describe its end. ``competitor`` and the contacts have no history either; they are used
as they stand, which is sound where they are recorded when the deal opens (as in the
demo) and would leak where a CRM fills them late.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.geo import segment_of
from devfunnel.money import Money
from devfunnel.pipeline.qualification import LABELS, enabled_elements, scores_as_of
from devfunnel.scoring.success.signals import Moment, read_signals
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import (
    conversations,
    opportunities,
    opportunity_changes,
    stage_history,
)
from devfunnel.store.schema.scores import account_score_history


@dataclass(frozen=True)
class OpportunityMoment:
    """An opportunity, and the time its features are read as of."""

    opportunity_id: uuid.UUID
    as_of: datetime


#: Feature names in model order, with the words explanations show; each qualification
#: element and each ICP rule adds one more (see :func:`feature_names`).
FEATURES: dict[str, str] = {
    "log_developers": "developers at the account",
    "log_active_developers": "developers active in the last 30 days",
    "builders": "developers building (journey)",
    "learners": "developers past first API call (journey)",
    "journey_stage": "account journey stage",
    "log_top_engagement": "engagement of the most engaged developer",
    "top_active_days": "days the most active developer was active (30 days)",
    "using_100": "developers with 100+ API calls (30 days)",
    "using_1k": "developers with 1,000+ API calls (30 days)",
    "using_10k": "developers with 10,000+ API calls (30 days)",
    "log_engagement": "engagement of all developers",
    "log_api_volume": "API calls in the last 30 days",
    "log_api_errors": "API errors in the last 30 days",
    "blockers": "support tickets and GitHub issues in the last 30 days",
    "log_built": "integrations and SDKs",
    "log_buyer_signals": "buyer activity in the last 30 days (meetings, pricing, forms)",
    "log_buyer_signals_ever": "buyer activity so far",
    "active_buyers": "business buyers active",
    "momentum": "account momentum (0-100)",
    "momentum_missing": "no momentum history then",
    "stage_probability": "stage (its configured probability)",
    "log_age_days": "days since the opportunity opened",
    "log_amount": "amount",
    "amount_missing": "no amount",
    "type_expansion": "expansion opportunity",
    "type_renewal": "renewal opportunity",
    "log_employees": "account size (employees)",
    "segment_mid_market": "mid-market account",
    "segment_enterprise": "enterprise account",
    "competitor": "a competitor is named",
    "economic_buyer_known": "economic buyer known",
    "primary_contact_known": "primary contact known",
    "log_contact_engagement": "engagement of the primary contact",
    "contact_active_days": "days the primary contact was active (30 days)",
    "contact_rate": "activities a day of the primary contact",
    "log_conversations": "conversations in the last 30 days",
}


#: The most activities a day a contact is credited with (a script is not a champion).
RATE_CAP = 50.0


def feature_names(settings: Settings) -> dict[str, str]:
    """:data:`FEATURES`, then ``qual_<element>`` for each element of the enabled
    qualification frameworks (its score then, 0-2), then ``icp_<rule id>`` for each ICP rule
    (whether the account satisfies it).

    One feature per element, not their mean: elements say different things (whether the
    account needs what we sell, whether a champion drives the deal, how far the paperwork
    got) and the model learns what each is really worth, as it does for ICP rules.
    """
    elements = {
        f"qual_{element}": f"qualification: {LABELS[element]} (0-2)"
        for _, element in enabled_elements(settings)
    }
    icp = {f"icp_{rule.id}": f"ICP: {rule.description}" for rule in settings.icp.rules}
    return FEATURES | elements | icp


def feature_matrix(
    store: Store, settings: Settings, moments: Sequence[OpportunityMoment]
) -> np.ndarray:
    """One row per moment, the features of :func:`feature_names` in order."""
    names = list(feature_names(settings))
    rows = feature_rows(store, settings, moments)
    return np.asarray([[row[name] for name in names] for row in rows], dtype=float).reshape(
        len(rows), len(names)
    )


def feature_rows(
    store: Store, settings: Settings, moments: Sequence[OpportunityMoment]
) -> list[dict[str, float]]:
    """The features of each moment, as ``{name: value}``."""
    if not moments:
        return []
    ids = sorted({m.opportunity_id for m in moments})
    with store.read() as conn:
        opps = _opportunities(conn, ids)
        history = _history(conn, ids)
        amounts = _amount_changes(conn, ids)
        firms = _accounts(conn, sorted({o["account_id"] for o in opps.values()}))
        talks = _conversations(conn, ids)
        qualification = scores_as_of(conn, [(m.opportunity_id, m.as_of) for m in moments])
        momentum = _momentum_then(
            conn, {(opps[m.opportunity_id]["account_id"], _utc_day(m.as_of)) for m in moments}
        )
    signals = read_signals(store, settings, _signal_moments(opps, moments))
    elements = [e for _, e in enabled_elements(settings)]
    probabilities = {s.id: s.probability for s in settings.pipeline.stages}
    out = []
    for i, moment in enumerate(moments):
        opp = opps[moment.opportunity_id]
        at = moment.as_of
        sig = signals[i]
        stage = _stage_at(history.get(opp["id"], []), opp, at)
        amount = _amount_at(amounts.get(opp["id"], []), opp["amount_minor"], at)
        firm = firms.get(opp["account_id"], {})
        scores = qualification[(opp["id"], at)]
        then = momentum.get((opp["account_id"], _utc_day(at)))
        row = {
            "log_developers": _log(sig["developers"]),
            "log_active_developers": _log(sig["active_developers"]),
            "builders": min(sig["builders"], 6.0),
            "learners": min(sig["learners"], 10.0),
            "journey_stage": sig["journey_stage"],
            "log_top_engagement": _log(sig["top_engagement"]),
            "top_active_days": sig["top_active_days"],
            "using_100": min(sig["using_100"], 6.0),
            "using_1k": min(sig["using_1k"], 6.0),
            "using_10k": min(sig["using_10k"], 6.0),
            "log_engagement": _log(sig["engagement"]),
            "log_api_volume": _log(sig["api_volume"]),
            "log_api_errors": _log(sig["api_errors"]),
            "blockers": min(sig["blockers"], 10.0),
            "log_built": _log(sig["built"]),
            "log_buyer_signals": _log(sig["buyer_signals"]),
            "log_buyer_signals_ever": _log(sig["buyer_signals_ever"]),
            "active_buyers": min(sig["active_buyers"], 5.0),
            "momentum": then or 0.0,
            "momentum_missing": float(then is None),
            "stage_probability": probabilities.get(stage, 0.0),
            "log_age_days": _log(max(0.0, (at - opp["created_at"]).total_seconds() / 86_400)),
            "log_amount": _log(_major(amount, opp["currency"])),
            "amount_missing": float(amount is None),
            "type_expansion": float(opp["type"] == "expansion"),
            "type_renewal": float(opp["type"] == "renewal"),
            "log_employees": _log(firm.get("employees") or 0),
            "segment_mid_market": float(_segment(firm) == "mid_market"),
            "segment_enterprise": float(_segment(firm) == "enterprise"),
            "competitor": float(bool((opp["competitor"] or "").strip())),
            "economic_buyer_known": float(opp["economic_buyer_contact_id"] is not None),
            "primary_contact_known": float(opp["primary_contact_id"] is not None),
            "log_contact_engagement": _log(sig["contact_engagement"]),
            "contact_active_days": sig["contact_active_days"],
            # Not a logarithm: a developer's activity rises in proportion to how engaged
            # they are, and the rate itself tracks that engagement more closely.
            "contact_rate": min(sig["contact_rate"], RATE_CAP),
            "log_conversations": _log(
                sum(1 for t in talks.get(opp["id"], []) if at - timedelta(days=30) <= t < at)
            ),
        }
        for element in elements:
            row[f"qual_{element}"] = float(scores.get(element, 0))
        for rule in settings.icp.rules:
            row[f"icp_{rule.id}"] = float(bool(firm) and all(c.matches(firm) for c in rule.when))
        out.append(row)
    return out


def signal_moments(store: Store, moments: Sequence[OpportunityMoment]) -> list[Moment]:
    """The developer-signal moments :func:`feature_rows` reads for these moments (to read
    them ahead, :func:`devfunnel.scoring.success.signals.prefetched`)."""
    with store.read() as conn:
        opps = _opportunities(conn, sorted({m.opportunity_id for m in moments}))
    return _signal_moments(opps, moments)


def _signal_moments(
    opps: dict[uuid.UUID, dict[str, Any]], moments: Sequence[OpportunityMoment]
) -> list[Moment]:
    """The account's signals at each moment, and those of its primary contact."""
    return [
        Moment(
            i,
            opps[m.opportunity_id]["account_id"],
            m.as_of,
            opps[m.opportunity_id]["primary_contact_id"],
        )
        for i, m in enumerate(moments)
    ]


def _log(value: float) -> float:
    return math.log1p(max(0.0, float(value)))


def _major(minor: int | None, currency: str | None) -> float:
    if minor is None:
        return 0.0
    return float(Money(int(minor), currency or "USD").amount)


def _segment(firm: dict[str, Any]) -> str | None:
    return firm.get("segment") or segment_of(firm.get("employees"))


def _stage_at(steps: list[tuple[datetime, str]], opp: dict[str, Any], at: datetime) -> str:
    """The stage the opportunity was in at ``at`` (its first recorded stage before that)."""
    reached = [stage for when, stage in steps if when <= at]
    if reached:
        return reached[-1]
    return steps[0][1] if steps else str(opp["stage"])


def _amount_at(
    changes: list[tuple[datetime, str | None]], current: int | None, at: datetime
) -> int | None:
    """The amount at ``at``: the old value of the first amount change after it, if any."""
    for when, old in changes:
        if when > at:
            try:
                return int(old) if old not in (None, "") else None
            except ValueError:
                return current
    return current


def _opportunities(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    o = opportunities.c
    columns = [o.id, o.account_id, o.type, o.stage, o.amount_minor, o.currency, o.competitor,
               o.economic_buyer_contact_id, o.primary_contact_id, o.created_at]  # fmt: skip
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for part in chunked(ids):
        for row in conn.execute(sa.select(*columns).where(o.id.in_(part))):
            found[row.id] = dict(row._mapping)
    return found


def _history(
    conn: sa.Connection, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[datetime, str]]]:
    h = stage_history.c
    out: dict[uuid.UUID, list[tuple[datetime, str]]] = {}
    for part in chunked(ids):
        query = sa.select(h.opportunity_id, h.changed_at, h.to_stage).where(
            h.opportunity_id.in_(part)
        )
        for row in conn.execute(query.order_by(h.changed_at, h.id)):
            out.setdefault(row.opportunity_id, []).append((row.changed_at, row.to_stage))
    return out


def _amount_changes(
    conn: sa.Connection, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[datetime, str | None]]]:
    c = opportunity_changes.c
    out: dict[uuid.UUID, list[tuple[datetime, str | None]]] = {}
    for part in chunked(ids):
        query = sa.select(c.opportunity_id, c.changed_at, c.old_value).where(
            c.opportunity_id.in_(part), c.field == "amount"
        )
        for row in conn.execute(query.order_by(c.changed_at, c.id)):
            out.setdefault(row.opportunity_id, []).append((row.changed_at, row.old_value))
    return out


def _accounts(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    a = accounts.c
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for part in chunked(ids):
        query = sa.select(
            a.id, a.employees, a.annual_revenue_minor, a.currency, a.industry, a.country,
            a.region, a.segment, a.tech_stack, a.domain, a.named_account,
        ).where(a.id.in_(part))  # fmt: skip
        for row in conn.execute(query):
            record = dict(row._mapping)
            record["annual_revenue"] = _major(record.pop("annual_revenue_minor"), row.currency)
            out[row.id] = record
    return out


def _utc_day(at: datetime) -> date:
    """The UTC day of a moment (history points are labelled with UTC days)."""
    return at.astimezone(UTC).date()


def _momentum_then(
    conn: sa.Connection, wanted: set[tuple[uuid.UUID, date]]
) -> dict[tuple[uuid.UUID, date], float]:
    """Each account's momentum at its latest history point before a day.

    A point is labelled with the last day it covers (``scoring.recompute.history_day``),
    so only points of earlier days are known at any moment of the day: a snapshot reads
    momentum up to a week old (the weekly backfill), never later.
    """
    h = account_score_history.c
    found: dict[tuple[uuid.UUID, date], float] = {}
    for part in chunked(sorted(wanted, key=lambda w: (str(w[0]), w[1]))):
        days = sa.values(
            sa.column("account_id", sa.Uuid), sa.column("before", sa.Date), name="moment_days"
        ).data(list(part))
        latest = (
            sa.select(days.c.account_id, days.c.before, sa.func.max(h.day).label("day"))
            .select_from(days.join(account_score_history, sa.and_(
                h.account_id == days.c.account_id, h.day < days.c.before)))
            .group_by(days.c.account_id, days.c.before)
            .subquery()
        )  # fmt: skip
        query = sa.select(latest.c.account_id, latest.c.before, h.momentum).select_from(
            latest.join(
                account_score_history,
                sa.and_(h.account_id == latest.c.account_id, h.day == latest.c.day),
            )
        )
        for row in conn.execute(query):
            found[(row.account_id, row.before)] = float(row.momentum)
    return found


def _conversations(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[datetime]]:
    c = conversations.c
    out: dict[uuid.UUID, list[datetime]] = {}
    for part in chunked(ids):
        for row in conn.execute(
            sa.select(c.opportunity_id, c.occurred_at).where(c.opportunity_id.in_(part))
        ):
            out.setdefault(row.opportunity_id, []).append(row.occurred_at)
    return out
