"""Technical validation: the developer evidence behind an opportunity, with a fit and its why.

Derived from the events of the account's developers (``scoring/success/signals.py``, one
set-wise query for all opportunities at once): who is active, what they built
(integrations enabled, SDKs installed, API volume), what blocks them (API error bursts,
support tickets, GitHub issues), and a technical fit from 0 to 100 made of four parts
minus a blocker penalty, each part stated with its points:

- breadth (30): active developers in the window, full at ``scoring.breadth_developers``;
- depth (25): the account's journey stage, full at the last stage;
- usage (25): API volume in the window, on a log scale, full at 1,000,000 calls;
- built (20): integrations and SDKs, full at 3;
- blockers (up to -20): 4 per API error burst day, 3 per blocker activity.

Each refresh that changes the figures adds a row to ``technical_validations`` (source
``derived``); a person confirming it, with notes, adds a row with source ``person``. The
newest row is the opportunity's technical validation; stage gates read its fit.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.ids import new_id
from devfunnel.scoring.success.signals import Moment, activity_events, read_signals
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.pipeline import opportunities, technical_validations

#: Most developers listed on a validation, most active first.
DEVELOPERS_LISTED = 10


@dataclass(frozen=True)
class FitReason:
    """One part of the technical fit: its points (negative for blockers) and why."""

    component: str
    points: float
    max_points: float
    detail: str


@dataclass
class TechnicalValidation:
    """An opportunity's technical validation (stored, or derived and about to be)."""

    opportunity_id: uuid.UUID | None
    account_id: uuid.UUID
    active_developers: int
    built: dict[str, Any]
    api_volume_30d: int
    blockers: dict[str, Any]
    technical_fit: float
    fit_reasons: list[FitReason]
    validated_at: datetime
    source: str = "derived"
    notes: str | None = None
    validated_by: uuid.UUID | None = None
    id: uuid.UUID | None = None
    developers: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def figures(self) -> tuple[Any, ...]:
        """What a refresh compares to decide whether anything changed."""
        return (
            self.active_developers,
            self.api_volume_30d,
            round(self.technical_fit, 1),
            self.built,
            self.blockers,
        )


def technical_fit(settings: Settings, signals: dict[str, float]) -> tuple[float, list[FitReason]]:
    """The fit (0-100) from an account's signals, and the points of each part."""
    window = settings.technical_validation.window_days
    full_breadth = settings.scoring.breadth_developers
    stages = settings.journey.stages
    active = signals["active_developers"]
    stage = int(signals["journey_stage"])
    volume = signals["api_volume"]
    built = signals["built"]
    bursts, blockers = signals["error_bursts"], signals["blockers"]
    label = stages[stage - 1].label if stage else "none"
    reasons = [
        FitReason(
            "breadth",
            round(30 * min(active / full_breadth, 1.0), 1),
            30,
            f"{_count(active, 'developer')} active in {window} days (full at {full_breadth})",
        ),
        FitReason(
            "depth",
            round(25 * stage / len(stages), 1),
            25,
            f"journey stage {label} ({stage} of {len(stages)})",
        ),
        FitReason(
            "usage",
            round(25 * min(math.log10(1 + volume) / 6, 1.0), 1),
            25,
            f"{_count(volume, 'API call')} in {window} days (full at 1,000,000)",
        ),
        FitReason(
            "built",
            round(20 * min(built / 3, 1.0), 1),
            20,
            f"{_count(built, 'integration or SDK', 'integrations and SDKs')} (full at 3)",
        ),
        FitReason(
            "blockers",
            -round(min(20.0, 4 * bursts + 3 * blockers), 1),
            20,
            f"{_count(bursts, 'day')} with an API error burst and "
            f"{_count(blockers, 'blocker', 'blockers')} (support tickets, GitHub issues) "
            f"in {window} days",
        ),
    ]
    total = sum(r.points for r in reasons)
    return round(min(100.0, max(0.0, total)), 1), reasons


def _count(n: float, one: str, many: str | None = None) -> str:
    return f"{n:,.0f} {one if round(n) == 1 else (many or one + 's')}"


def derive(
    store: Store,
    settings: Settings,
    opportunity_ids: Sequence[uuid.UUID],
    *,
    now: datetime | None = None,
) -> list[TechnicalValidation]:
    """Technical validations of opportunities as of ``now``, computed, not stored."""
    now = now or datetime.now(UTC)
    with store.read() as conn:
        accounts: dict[uuid.UUID, uuid.UUID] = {}
        o = opportunities.c
        for part in chunked(sorted(set(opportunity_ids))):
            accounts.update(
                (row.id, row.account_id)
                for row in conn.execute(sa.select(o.id, o.account_id).where(o.id.in_(part)))
            )
    missing = [str(i) for i in opportunity_ids if i not in accounts]
    if missing:
        raise NotFound(f"no opportunity {missing[0]}", opportunity=missing[0])
    account_ids = sorted(set(accounts.values()))
    moments = [Moment(i, a, now) for i, a in enumerate(account_ids)]
    signals = read_signals(store, settings, moments)
    details = _details(store, settings, account_ids, now)
    out = []
    for opp_id in opportunity_ids:
        account = accounts[opp_id]
        sig = signals[account_ids.index(account)]
        fit, reasons = technical_fit(settings, sig)
        detail = details.get(account, {})
        out.append(
            TechnicalValidation(
                opportunity_id=opp_id,
                account_id=account,
                active_developers=int(sig["active_developers"]),
                built={
                    "activities": detail.get("built", []),
                    "journey_stage": sig["journey_stage"],
                },
                api_volume_30d=int(sig["api_volume"]),
                blockers={
                    "error_bursts": int(sig["error_bursts"]),
                    "api_errors": int(sig["api_errors"]),
                    "activities": detail.get("blockers", []),
                },
                technical_fit=fit,
                fit_reasons=reasons,
                validated_at=now,
                developers=detail.get("developers", []),
            )
        )
    return out


def refresh(
    store: Store,
    settings: Settings,
    opportunity_ids: Sequence[uuid.UUID] | None = None,
    *,
    now: datetime | None = None,
    principal: Principal | None = None,
) -> list[TechnicalValidation]:
    """Derive and store the technical validation of opportunities (default: every open
    one); a row is added only when the figures differ from the newest derived one.

    With a ``principal`` (a person asking for one opportunity), the caller must be allowed
    to change the opportunity and the refresh is audited.
    """
    now = now or datetime.now(UTC)
    if opportunity_ids is None:
        with store.read() as conn:
            o = opportunities.c
            opportunity_ids = list(
                conn.execute(sa.select(o.id).where(o.status == "open").order_by(o.id)).scalars()
            )
    if principal is not None:
        with store.read() as conn:
            for opp_id in opportunity_ids:
                owner = conn.execute(sa.select(opportunities.c.owner_id).where(
                    opportunities.c.id == opp_id)).first()  # fmt: skip
                if owner is None:
                    raise NotFound(f"no opportunity {opp_id}", opportunity=str(opp_id))
                require_edit(principal, [owner.owner_id], what=f"opportunity {opp_id}")
    derived = derive(store, settings, opportunity_ids, now=now)
    with store.transaction() as conn:
        previous = _newest(conn, [d.opportunity_id for d in derived if d.opportunity_id], "derived")
        added = []
        for validation in derived:
            before = previous.get(validation.opportunity_id)  # type: ignore[arg-type]
            if before is not None and before.figures() == validation.figures():
                continue
            validation.id = _insert(conn, validation)
            added.append(validation)
            if principal is not None:
                audit.record(
                    conn,
                    principal.actor,
                    "technical_validation.refresh",
                    entity_kind="opportunity",
                    entity_id=validation.opportunity_id,
                    before={"technical_fit": before.technical_fit} if before else None,
                    after={"technical_fit": validation.technical_fit},
                )
    return derived


def confirm(
    store: Store,
    settings: Settings,
    principal: Principal,
    opportunity: uuid.UUID | str,
    notes: str,
    *,
    now: datetime | None = None,
) -> TechnicalValidation:
    """A person confirms the opportunity's technical validation with notes (what they saw
    in a call, a proof of concept's result); audited."""
    from devfunnel.pipeline.qualification import find_opportunity

    notes = (notes or "").strip()
    if not notes:
        raise ValidationError("notes must say what was confirmed", field="notes")
    if len(notes) > 4000:
        raise ValidationError("notes are longer than 4000 characters", field="notes")
    now = now or datetime.now(UTC)
    with store.read() as conn:
        opp = find_opportunity(conn, opportunity)
    require_edit(principal, [opp.owner_id], what=f"opportunity {opp.name!r}")
    with store.read() as conn:
        current = latest(conn, opp.id)
    if current is None:
        current = derive(store, settings, [opp.id], now=now)[0]
    confirmed = TechnicalValidation(
        **{
            **asdict(current),
            "fit_reasons": current.fit_reasons,
            "id": None,
            "source": "person",
            "notes": notes,
            "validated_by": principal.user_id,
            "validated_at": now,
        }
    )
    with store.transaction() as conn:
        confirmed.id = _insert(conn, confirmed)
        audit.record(
            conn,
            principal.actor,
            "technical_validation.confirm",
            entity_kind="opportunity",
            entity_id=opp.id,
            after={"technical_fit": confirmed.technical_fit, "notes": notes},
        )
    return confirmed


def latest(conn: sa.Connection, opportunity_id: uuid.UUID) -> TechnicalValidation | None:
    """The opportunity's technical validation: its newest row."""
    found = _newest(conn, [opportunity_id]).get(opportunity_id)
    return None if found is None else _named(conn, [found])[0]


def latest_fit(conn: sa.Connection, opportunity_id: uuid.UUID) -> float | None:
    found = latest(conn, opportunity_id)
    return None if found is None else found.technical_fit


def history(
    conn: sa.Connection, opportunity_id: uuid.UUID, limit: int = 20
) -> list[TechnicalValidation]:
    """The opportunity's validations, newest first."""
    t = technical_validations.c
    rows = conn.execute(
        sa.select(technical_validations)
        .where(t.opportunity_id == opportunity_id)
        .order_by(t.validated_at.desc(), t.id.desc())
        .limit(limit)
    )
    return _named(conn, [_from_row(row._mapping) for row in rows])


def _named(
    conn: sa.Connection, validations: list[TechnicalValidation]
) -> list[TechnicalValidation]:
    """Fill in developers' current names and emails: rows keep only person ids, so an
    erased person leaves nothing personal behind in stored validations."""
    ids = sorted({d["person_id"] for v in validations for d in v.developers})
    names: dict[str, tuple[str | None, str | None]] = {}
    p = people.c
    for part in chunked(ids):
        wanted = [uuid.UUID(i) for i in part]
        for row in conn.execute(sa.select(p.id, p.name, p.email).where(p.id.in_(wanted))):
            names[str(row.id)] = (row.name, row.email)
    for v in validations:
        for d in v.developers:
            d["name"], d["email"] = names.get(d["person_id"], (None, None))
    return validations


def _newest(
    conn: sa.Connection, opportunity_ids: Sequence[uuid.UUID], source: str | None = None
) -> dict[uuid.UUID, TechnicalValidation]:
    t = technical_validations.c
    out: dict[uuid.UUID, TechnicalValidation] = {}
    for part in chunked(sorted(set(opportunity_ids))):
        query = sa.select(technical_validations).where(t.opportunity_id.in_(part))
        if source is not None:
            query = query.where(sa.func.coalesce(t.source, "derived") == source)
        for row in conn.execute(query.order_by(t.validated_at, t.id)):
            out[row.opportunity_id] = _from_row(row._mapping)
    return out


def _insert(conn: sa.Connection, v: TechnicalValidation) -> uuid.UUID:
    row_id = new_id()
    conn.execute(
        technical_validations.insert().values(
            id=row_id,
            opportunity_id=v.opportunity_id,
            account_id=v.account_id,
            active_developers=v.active_developers,
            built={
                **v.built,
                "developers": [
                    {k: d[k] for k in ("person_id", "events", "last_active")} for d in v.developers
                ],
            },
            api_volume_30d=v.api_volume_30d,
            blockers=v.blockers,
            technical_fit=v.technical_fit,
            fit_reasons=[asdict(r) for r in v.fit_reasons],
            notes=v.notes,
            validated_by=v.validated_by,
            validated_at=v.validated_at,
            source=v.source,
        )
    )
    return row_id


def _from_row(row: Any) -> TechnicalValidation:
    built = dict(row["built"] or {})
    developers = built.pop("developers", [])
    return TechnicalValidation(
        id=row["id"],
        opportunity_id=row["opportunity_id"],
        account_id=row["account_id"],
        active_developers=int(row["active_developers"]),
        built=built,
        api_volume_30d=int(row["api_volume_30d"] or 0),
        blockers=dict(row["blockers"] or {}),
        technical_fit=float(row["technical_fit"]),
        fit_reasons=[FitReason(**r) for r in row["fit_reasons"] or []],
        validated_at=row["validated_at"],
        source=row["source"] or "derived",
        notes=row["notes"],
        validated_by=row["validated_by"],
        developers=list(developers),
    )


def _details(
    store: Store, settings: Settings, account_ids: Sequence[uuid.UUID], now: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """Who the active developers are, what they built and what blocked them, per account."""
    if not account_ids:
        return {}
    import ibis

    tv = settings.technical_validation
    labels = {a.id: a.label for a in settings.activity_types}
    since = now - timedelta(days=tv.window_days)
    acts = activity_events(store.ibis(), settings)
    acts = acts.filter(acts.account.isin([str(a) for a in account_ids]), acts.timestamp < now)
    out: dict[uuid.UUID, dict[str, Any]] = {a: {} for a in account_ids}

    recent = acts.filter(acts.timestamp >= since, acts.persona != "business")
    people = store.ibis().table("people")
    people = people.select(id=people.id.cast("string"), name=people.name, email=people.email)
    devs = (
        recent.group_by(["account", "person"])
        .aggregate(events=recent.count(), last_active=recent.timestamp.max())
        .join(people, ibis._.person == people.id)
        .order_by([ibis.desc("events"), "person"])
    )
    for row in devs.to_pyarrow().to_pylist():
        listed = out[uuid.UUID(row["account"])].setdefault("developers", [])
        if len(listed) < DEVELOPERS_LISTED:
            listed.append(
                {
                    "person_id": str(row["person"]),
                    "name": row["name"],
                    "email": row["email"],
                    "events": int(row["events"]),
                    "last_active": row["last_active"].isoformat(),
                }
            )

    for built in tv.built:
        mine = acts.filter(acts.activity == built.activity)
        mine = mine.mutate(item=mine.properties[built.property].str)
        items = mine.group_by(["account", "item"]).aggregate(n=mine.count()).order_by(["item"])
        for row in items.to_pyarrow().to_pylist():
            entry = _entry(out[uuid.UUID(row["account"])], "built", built.activity, labels)
            entry["count"] += int(row["n"])
            if row["item"] is not None:
                entry["items"].append(row["item"])

    blocking = acts.filter(acts.activity.isin(tv.blocker_activities), acts.timestamp >= since)
    counts = blocking.group_by(["account", "activity"]).aggregate(n=blocking.count())
    for row in counts.to_pyarrow().to_pylist():
        entry = _entry(out[uuid.UUID(row["account"])], "blockers", row["activity"], labels)
        entry["count"] += int(row["n"])
    return out


def _entry(
    account: dict[str, Any], section: str, activity: str, labels: dict[str, str]
) -> dict[str, Any]:
    entries: list[dict[str, Any]] = account.setdefault(section, [])
    for entry in entries:
        if entry["activity"] == activity:
            return entry
    entry = {"activity": activity, "label": labels.get(activity, activity), "count": 0, "items": []}
    entries.append(entry)
    return entry
