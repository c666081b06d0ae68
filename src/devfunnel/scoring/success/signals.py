"""Developer signals of accounts as of given moments, computed set-wise with Ibis.

Both the technical validation (signals as of now) and the success-probability model
(signals as of each training snapshot) read developer evidence through :func:`read_signals`,
so what a seller sees and what the model learned from are the same numbers. Every signal
counts only events *before* the moment it is read at, so a model trained on them never sees
what happened after its snapshot.

Events are recognised as activities by ``[[activity_types]]`` (track names, page names or
categories, case-insensitive), resolved to people through ``identities`` and to accounts
through ``people.account_id``. Bots and internal staff are left out; people whose persona is
``business`` count as buyers, everyone else as developers. One query runs for all moments
at once: a moment is a ``(key, account_id, as_of)`` row joined to the account's events.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from devfunnel.config import Settings
from devfunnel.store import Store

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Channels whose activity makes a developer active (not sales, billing or support).
DEVELOPER_CHANNELS = ("product", "docs", "github", "community", "events")
DAY = 86_400.0
#: What decayed activity is counted in (about a billionth of a point): far below any
#: meaning, and a power of two, so that sums of its multiples are exact (see ``_exact``).
GRAIN = 2.0**-30


@dataclass(frozen=True)
class Moment:
    """An account, and the time its signals are read as of; ``contact`` is a person whose
    own engagement is read too (an opportunity's primary contact)."""

    key: int
    account_id: uuid.UUID
    as_of: datetime
    contact: uuid.UUID | None = None


#: Every signal :func:`read_signals` returns, with what it means.
SIGNALS: dict[str, str] = {
    "developers": "developers seen at the account so far",
    "active_developers": "developers active in the technical-validation window",
    "learners": "developers at the journey's product-qualified stage or later",
    "builders": "developers at the journey's opportunity stage or later",
    "journey_stage": "the account's furthest journey stage (1 = first; 0 = none)",
    "top_engagement": "decayed activity points of the most engaged developer",
    "top_active_days": "days the most active developer was active in the window",
    "using_100": "developers with at least 100 API calls in the window",
    "using_1k": "developers with at least 1,000 API calls in the window",
    "using_10k": "developers with at least 10,000 API calls in the window",
    "engagement": "decayed activity points of all developers",
    "api_volume": "API calls in the window",
    "api_errors": "API errors in the window",
    "error_bursts": "days in the window with an API error burst",
    "blockers": "support tickets, GitHub issues and other blocker activities in the window",
    "built": "integrations enabled and SDKs installed so far",
    "buyer_signals": "buyer-signal activities (meetings, pricing views, forms) in the window",
    "buyer_signals_ever": "buyer-signal activities so far",
    "active_buyers": "business people active in the window",
    "contact_engagement": "decayed activity points of the moment's contact",
    "contact_active_days": "days the moment's contact was active in the window",
    "contact_rate": "activities a day of the moment's contact since first seen (7 days or more)",
}


#: Signals read ahead by :func:`prefetched`, by (account, time, contact).
_Cache = dict[tuple[uuid.UUID, datetime, uuid.UUID | None], dict[str, float]]
_PREFETCHED: ContextVar[_Cache | None] = ContextVar("prefetched_signals", default=None)
#: The signals that depend on the moment's contact (zero without one).
CONTACT_SIGNALS = ("contact_engagement", "contact_active_days", "contact_rate")


@contextmanager
def prefetched(store: Store, settings: Settings, moments: Sequence[Moment]) -> Iterator[None]:
    """Read the signals of every moment a refresh will ask for in one query; inside the
    block :func:`read_signals` serves them from memory (and reads only what it misses).

    A refresh (technical validations, training, predictions) asks three times for mostly
    the same moments; the query joins every activity of the accounts, so asking once is
    what makes it cheap.
    """
    found = read_signals(store, settings, moments)
    cache = dict(_PREFETCHED.get() or {})
    for m in moments:
        cache[(m.account_id, m.as_of, m.contact)] = found[m.key]
    token = _PREFETCHED.set(cache)
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def read_signals(
    store: Store, settings: Settings, moments: Sequence[Moment]
) -> dict[int, dict[str, float]]:
    """The signals of each moment's account as of its time, keyed by the moment's key.

    A moment whose account has no recognised activity before its time gets all zeros.
    """
    cache = _PREFETCHED.get() or {}
    out: dict[int, dict[str, float]] = {}
    missing = []
    by_account = {(a, at): sig for (a, at, _), sig in cache.items()}
    for m in moments:
        hit = cache.get((m.account_id, m.as_of, m.contact))
        if hit is None and m.contact is None and (m.account_id, m.as_of) in by_account:
            # The account's signals are the same whoever the contact is.
            hit = by_account[(m.account_id, m.as_of)] | dict.fromkeys(CONTACT_SIGNALS, 0.0)
        if hit is None:
            missing.append(m)
        else:
            out[m.key] = dict(hit)
    if missing:
        out |= _read(store, settings, missing)
    return out


def _read(
    store: Store, settings: Settings, moments: Sequence[Moment]
) -> dict[int, dict[str, float]]:
    import ibis

    con = store.ibis()
    points = ibis.memtable(
        pa.table(
            {
                "key": pa.array([m.key for m in moments], pa.int64()),
                "account": pa.array([str(m.account_id) for m in moments], pa.string()),
                "as_of": pa.array([m.as_of for m in moments], pa.timestamp("us", tz="UTC")),
                "as_of_day": pa.array([_day(m.as_of) for m in moments], pa.int64()),
                # How far into its day the moment is, in days.
                "as_of_frac": pa.array(
                    [m.as_of.timestamp() / DAY - _day(m.as_of) for m in moments], pa.float64()
                ),
                "contact": pa.array(
                    [str(m.contact) if m.contact else None for m in moments], pa.string()
                ),
            }
        )
    )
    table = _account_signals(_at_moments(con, settings, points), settings)
    out = {m.key: dict.fromkeys(SIGNALS, 0.0) for m in moments}
    for row in table.to_pyarrow().to_pylist():
        out[int(row.pop("key"))] = {name: float(row.get(name) or 0.0) for name in SIGNALS}
    paid = _paid(con, points)
    stage_of_paid = _paid_stage(settings)
    for key in paid:
        if stage_of_paid:
            out[key]["journey_stage"] = max(out[key]["journey_stage"], float(stage_of_paid))
    return out


def _exact(value: Any) -> Any:
    """``value`` to the nearest multiple of :data:`GRAIN`, so that sums of such values are
    exact in double precision and the same in any order.

    Decayed engagement is a sum of floats, and a database adds them in the order its plan
    reads the rows: a plan change (new planner statistics after an append) would move the
    last bit, and a snapshot's features would differ from what the model was trained on
    without anything before the snapshot having changed. Multiples of a power of two add
    exactly while the total stays below ``2 ** 53 * GRAIN`` (about 8 million points).
    """
    # A double times the grain: PostgreSQL reads the bare decimal literal as NUMERIC, and
    # an integer times NUMERIC stays NUMERIC (exact, but slow, and read back as Decimal).
    return (value / GRAIN).round().cast("float64") * GRAIN


def _day(at: datetime) -> int:
    """The UTC day number (days since 1970-01-01) of a time."""
    return math.floor(at.timestamp() / DAY)


def activity_events(con: Any, settings: Settings) -> ir.Table:
    """Events recognised as activity types: person, account, persona, activity, channel,
    weight, buyer signal, value (the activity's ``value_property``) and timestamp."""
    import ibis

    events = con.table("events")
    kind, name = events.type, events.event.lower()
    branches, values = [], []
    names: set[str] = set()
    for activity in settings.activity_types:
        tracks = [t.lower() for t in activity.track]
        pages = [p.lower() for p in activity.pages]
        names.update(tracks + pages)
        condition = ibis.literal(False)
        if tracks:
            condition = condition | ((kind == "track") & name.isin(tracks))
        if pages:
            condition = condition | (kind.isin(["page", "screen"]) & name.isin(pages))
        branches.append((condition, activity.id))
        if activity.value_property:
            prop = events.properties[activity.value_property].unwrap_as("float64")
            values.append((condition, prop))
    recognised = events.filter(
        events.type.isin(["track", "page", "screen"]), name.isin(sorted(names))
    ).mutate(
        activity=ibis.cases(*branches, else_=ibis.null("string")),
        value=ibis.cases(*values, else_=ibis.null("float64")) if values else ibis.null("float64"),
    )
    identities = con.table("identities").select("key", "person_id")
    people = con.table("people")
    people = people.filter(
        people.merged_into.isnull(),
        people.account_id.notnull(),
        ~people.is_bot,
        ~people.is_internal,
    ).select(person=people.id, account=people.account_id.cast("string"), persona=people.persona)
    joined = recognised.join(identities, recognised.identity_key == identities.key).join(
        people, identities.person_id == people.person
    )
    by_id = {a.id: a for a in settings.activity_types}
    channel = ibis.cases(*[(joined.activity == i, a.channel) for i, a in by_id.items()])
    weight = ibis.cases(*[(joined.activity == i, float(a.weight)) for i, a in by_id.items()])
    buyer = [i for i, a in by_id.items() if a.buyer_signal]
    return joined.select(
        person=joined.person.cast("string"),
        account=joined.account,
        persona=joined.persona,
        activity=joined.activity,
        channel=channel,
        weight=weight,
        buyer_signal=joined.activity.isin(buyer) if buyer else ibis.literal(False),
        value=joined.value,
        properties=joined.properties,
        timestamp=joined.timestamp,
    )


def _daily(acts: ir.Table) -> ir.Table:
    """Activity per person, activity and UTC day: how many, the sum of their values, and
    ``lift``, the sum of ``2 ** (hours into the day / 24 / half-life)`` of each (times the
    decay of the day's start gives the exact decay of every event).

    Most accounts' events are many per person and day (daily API usage, page views), so
    the moments join a table a fraction of the events' size, and the JSON value property
    is read once per event, not once per event and moment.
    """
    return acts.group_by(["account", "person", "persona", "activity", "day"]).aggregate(
        n=acts.count(), value=acts.value.sum(), lift=acts.lift.sum()
    )


def _at_moments(con: Any, settings: Settings, points: ir.Table) -> ir.Table:
    """Each moment's account activity by person, activity and day, with the day's age in
    whole days at the moment (0: the moment's own day).

    Whole days before the moment's day come from the daily table; the moment's own day
    from the events themselves, counting only those before the moment, so nothing at or
    after it is ever read. ``age`` is null for rows that count nothing (the test is not a
    WHERE clause on purpose: DuckDB would turn it into an inequality join over all days
    before joining on the account).
    """
    import ibis

    k = math.log(2) / settings.scoring.half_life_days
    acts = activity_events(con, settings)
    # Only what the daily totals need: PostgreSQL would otherwise evaluate the channel and
    # weight (each a CASE over the activity's CASE) for every event.
    acts = acts.filter(acts.account.isin(points.account)).select(
        "account", "person", "persona", "activity", "value", "timestamp"
    )
    seconds = acts.timestamp.epoch_seconds().cast("float64")
    day = (seconds / DAY).floor().cast("int64")
    acts = acts.mutate(day=day, lift=_exact((k * (seconds / DAY - day)).exp()))
    daily = _daily(acts)
    before = daily.join(points, daily.account == points.account)
    past_days = before.select(
        "key", "contact", "as_of_frac", "person", "persona", "activity", "n", "value", "lift",
        age=ibis.ifelse(
            before.day < before.as_of_day, before.as_of_day - before.day, ibis.null("int64")
        ),
    )  # fmt: skip
    same = acts.join(points, (acts.account == points.account) & (acts.day == points.as_of_day))
    earlier = same.timestamp < same.as_of
    group = ["key", "contact", "as_of_frac", "person", "persona", "activity"]
    today = same.group_by(group).aggregate(
        n=same.count(where=earlier),
        value=same.value.sum(where=earlier),
        lift=same.lift.sum(where=earlier),
    )
    today = today.select(
        "key", "contact", "as_of_frac", "person", "persona", "activity", "n", "value", "lift",
        age=ibis.ifelse(today.n > 0, ibis.literal(0, "int64"), ibis.null("int64")),
    )  # fmt: skip
    t = past_days.union(today)
    by_id = {a.id: a for a in settings.activity_types}
    buyer = [i for i, a in by_id.items() if a.buyer_signal]
    return t.mutate(
        channel=ibis.cases(*[(t.activity == i, a.channel) for i, a in by_id.items()]),
        weight=ibis.cases(*[(t.activity == i, float(a.weight)) for i, a in by_id.items()]),
        buyer_signal=t.activity.isin(buyer) if buyer else ibis.literal(False),
        # The decay of each row's events at the moment: the day start's, times the lift.
        decayed=t.lift * (-k * (t.age.cast("float64") + t.as_of_frac)).exp(),
    )


def _within(t: ir.Table, days: int) -> Any:
    """Whether a row's day touches the ``days`` times 24 hours before its moment."""
    return t.age <= days


def _person_rows(t: ir.Table, settings: Settings) -> ir.Table:
    """One row per moment and person: engagement, windowed counts and journey stage.

    Days are whole UTC days. A window of N days counts every day any part of which falls
    in the N times 24 hours before the moment: the N days before the moment's day, and its
    own day up to the moment (for a moment at midnight, exactly the N days before it). An
    active day is a calendar day with activity; weeks are counted back from the day
    before the moment's.
    """
    import ibis

    tv, scoring = settings.technical_validation, settings.scoring
    seen = t.age.notnull()
    window = _within(t, tv.window_days)
    developer = t.channel.isin(DEVELOPER_CHANNELS)
    metrics: dict[str, Any] = {
        "persona": t.persona.max(),  # one value per person; max() is portable
        "is_contact": (t.person == t.contact).any(),
        "past": t.n.sum(where=seen),
        "first_age": t.age.max(),
        "points": _exact(t.weight * t.decayed).sum(where=_within(t, scoring.window_days)),
        "dev_recent": t.n.sum(where=window & developer),
        "active_days": t.age.nunique(where=window & developer),
        "recent": t.n.sum(where=window),
        "api_volume": t.value.sum(where=window & (t.activity == tv.usage_activity)),
        "api_errors": t.value.sum(where=window & (t.activity == tv.error_activity)),
        "blockers": t.n.sum(where=window & t.activity.isin(tv.blocker_activities)),
        "built": t.n.sum(where=seen & t.activity.isin([b.activity for b in tv.built])),
        "buyer_signals": t.n.sum(where=window & t.buyer_signal),
        "buyer_signals_ever": t.n.sum(where=seen & t.buyer_signal),
    }
    stage_met = []
    for s, stage in enumerate(settings.journey.stages):
        met = []
        for m, milestone in enumerate(stage.milestones):
            if milestone.paid_plan:
                continue
            cond: Any = ibis.literal(False)
            if milestone.activities:
                cond = cond | t.activity.isin(milestone.activities)
            if milestone.channels:
                cond = cond | t.channel.isin(milestone.channels)
            if milestone.window_days is not None:
                cond = cond & _within(t, milestone.window_days)
            else:
                cond = cond & seen
            name = f"m{s}_{m}"
            metrics[f"{name}_n"] = t.n.sum(where=cond)
            metrics[f"{name}_w"] = (ibis.greatest(t.age - 1, 0) // 7).nunique(where=cond)
            metrics[f"{name}_v"] = t.value.sum(where=cond)
            met.append((name, milestone))
        stage_met.append((stage.match, met))
    per_person = t.group_by(["key", "person"]).aggregate(**metrics)
    per_person = per_person.filter(per_person.past > 0)
    stage_expr: Any = ibis.literal(0)
    for s, (match, met) in enumerate(stage_met):
        if not met:
            continue
        tests = [
            (per_person[f"{n}_n"].fill_null(0) >= m.min_count)
            & (per_person[f"{n}_w"] >= m.min_active_weeks)
            & (per_person[f"{n}_v"].fill_null(0) >= m.min_value)
            for n, m in met
        ]
        reached = tests[0]
        for test in tests[1:]:
            reached = (reached & test) if match == "all" else (reached | test)
        stage_expr = ibis.ifelse(reached, s + 1, stage_expr)
    return per_person.mutate(stage=stage_expr)


def _funnel_index(settings: Settings, funnel_stage: str) -> int:
    """1-based position of the journey stage mapped to ``funnel_stage`` (else the last)."""
    stages = settings.journey.stages
    for i, stage in enumerate(stages):
        if stage.funnel_stage == funnel_stage:
            return i + 1
    return len(stages)


def _account_signals(t: ir.Table, settings: Settings) -> ir.Table:
    """One row per moment: every signal, error bursts included."""
    import ibis

    p = _person_rows(t, settings)
    dev = p.persona != "business"
    learn = _funnel_index(settings, "product_qualified")
    build = _funnel_index(settings, "opportunity")
    signals = (
        p.group_by("key")
        .aggregate(
            developers=p.count(where=dev),
            active_developers=p.count(where=dev & (p.dev_recent > 0)),
            learners=p.count(where=dev & (p.stage >= learn)),
            builders=p.count(where=dev & (p.stage >= build)),
            journey_stage=p.stage.max(),
            top_engagement=p.points.max(where=dev),
            top_active_days=p.active_days.max(where=dev),
            using_100=p.count(where=dev & (p.api_volume >= 100)),
            using_1k=p.count(where=dev & (p.api_volume >= 1_000)),
            using_10k=p.count(where=dev & (p.api_volume >= 10_000)),
            engagement=p.points.sum(where=dev),
            api_volume=p.api_volume.sum(),
            api_errors=p.api_errors.sum(),
            blockers=p.blockers.sum(),
            built=p.built.sum(),
            buyer_signals=p.buyer_signals.sum(),
            buyer_signals_ever=p.buyer_signals_ever.sum(),
            active_buyers=p.count(where=~dev & (p.recent > 0)),
            contact_engagement=p.points.max(where=p.is_contact),
            contact_active_days=p.active_days.max(where=p.is_contact),
            contact_rate=(p.past / ibis.greatest(p.first_age, 7.0)).max(where=p.is_contact),
        )
        .mutate(journey_stage=ibis.coalesce(ibis._.journey_stage, 0))
    )
    bursts = _error_bursts(t, settings)
    joined = signals.left_join(bursts, signals.key == bursts.key)
    return joined.select(
        *[signals[c] for c in signals.columns], error_bursts=bursts.error_bursts.fill_null(0)
    )


def _error_bursts(t: ir.Table, settings: Settings) -> ir.Table:
    """Per moment, the days in the window on which the account's developers hit at least
    ``error_burst`` API errors."""
    tv = settings.technical_validation
    errors = t.filter(t.activity == tv.error_activity, _within(t, tv.window_days))
    days = errors.group_by(["key", "age"]).aggregate(errors=errors.value.sum())
    days = days.filter(days.errors >= tv.error_burst)
    return days.group_by("key").aggregate(error_bursts=days.count())


def _paid(con: Any, points: ir.Table) -> set[int]:
    """Moments at which the account had a paying subscription."""
    subs = con.table("subscriptions")
    subs = subs.filter(subs.mrr_minor > 0).select(
        account=subs.account_id.cast("string"), started_at=subs.started_at, ended=subs.canceled_at
    )
    joined = points.join(subs, points.account == subs.account).filter(
        subs.started_at <= points.as_of, subs.ended.isnull() | (subs.ended > points.as_of)
    )
    keys = joined.select("key").distinct().to_pyarrow().column("key").to_pylist()
    return {int(k) for k in keys}


def _paid_stage(settings: Settings) -> int:
    """1-based index of the journey stage a paid plan reaches (0 when none does)."""
    for i, stage in enumerate(settings.journey.stages):
        if any(m.paid_plan for m in stage.milestones):
            return i + 1
    return 0
