"""Generate the demo company and load it through the product's own intake paths.

Events go through ``ingest.prepare`` and ``append_events`` as SDK traffic would; GitHub
deliveries through the webhook mapper; Stripe events through the billing intake; CRM
exports through the record importers; people and accounts come out of identity
resolution. Nothing here writes a resolved person or account, so evaluating the demo
measures the product, not the generator.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start
from typing import Any

import orjson
import pyarrow as pa
import sqlalchemy as sa

from devfunnel.admin.users import import_users
from devfunnel.comp.plans import sync_plans
from devfunnel.comp.quotas import import_quotas
from devfunnel.config import Settings
from devfunnel.demo import ahead, truth, vocab
from devfunnel.demo.people import HORIZON
from devfunnel.demo.sales import STAGE_DAYS, WIN_COEFFICIENTS
from devfunnel.demo.world import World, build_world
from devfunnel.demo.world import _users as demo_users
from devfunnel.errors import Conflict, ValidationError
from devfunnel.identity.matching.run import run_matching
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.contacts import import_contacts
from devfunnel.ingest.records.conversations import import_conversations
from devfunnel.ingest.records.feedback import import_feedback
from devfunnel.ingest.records.github_orgs import import_github_orgs
from devfunnel.ingest.records.github_profiles import import_github_profiles
from devfunnel.ingest.records.leads import import_leads
from devfunnel.ingest.records.opportunities import import_opportunities
from devfunnel.ingest.records.programs import (
    import_features,
    import_programs,
    import_touchpoints,
)
from devfunnel.ingest.times import EARLIEST, LATEST
from devfunnel.ingest.webhooks import github, stripe
from devfunnel.pipeline.jobs import run_pipeline
from devfunnel.scoring.success.schedule import refresh_all
from devfunnel.store import Store
from devfunnel.worker.jobs import record_match_run

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
CHUNK_ACCOUNTS = 250


@dataclass
class DemoReport:
    seed: int
    as_of: date
    accounts: int
    events: int = 0
    people: int = 0
    #: Accounts stored after resolution (CRM, group calls, email domains, billing).
    stored_accounts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    imports: dict[str, dict[str, int]] = field(default_factory=dict)
    #: What the pipeline step did at the end of history (leads, routing, SLAs, handoffs).
    pipeline: dict[str, int] = field(default_factory=dict)


#: Seeds the demo can use: numpy takes only non-negative ones, and the demo records its
#: seed as JSON, where orjson writes integers of up to 64 bits.
MAX_SEED = 2**64 - 1
#: How far the generated times reach before ``as_of`` (midnight UTC, where history ends):
#: the year of history (``HORIZON`` days), and 0.01 day more for a Stripe customer, created
#: just before a subscription that may start on the first day (``company._stripe``).
REACH_BEFORE = timedelta(days=HORIZON + 0.01)
#: Stripe's ``created`` is a Unix time in [1970, 2100), what Stripe intake accepts
#: (``ingest/webhooks/stripe.py``); the demo's Stripe events are all created before ``as_of``.
STRIPE_CREATED = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def check_options(settings: Settings, *, seed: int, accounts: int, as_of: date | None) -> None:
    """Refuse a seed, size or as-of date the demo would fail on part way, leaving a
    half-loaded database behind; ``load_demo`` checks first, and ``devfunnel demo`` before
    it touches the database at all."""
    if not 0 <= seed <= MAX_SEED:
        raise ValidationError(f"seed {seed} is outside 0-{MAX_SEED}", field="seed", value=seed)
    if accounts < 1:
        raise ValidationError(f"accounts {accounts} is below 1", field="accounts", value=accounts)
    if as_of is None:
        return
    first, last = as_of_range(settings)
    if not first <= as_of <= last:
        raise ValidationError(
            f"as-of date {as_of} is outside {first} to {last}: the year of history before it "
            f"and the renewals up to {reach_after(settings).days} days after must be times "
            "intake accepts (Stripe's from 1970 to 2099, any other in 1900-2199)",
            field="as_of",
            value=str(as_of),
        )


def reach_after(settings: Settings) -> timedelta:
    """How far the generated times reach after ``as_of``: a yearly contract invoiced on the
    last day of history runs 365 days on (``company._stripe``); an open deal opened then
    is expected to close up to 1.3 times the slowest segment's days per open stage later
    (``sales``), and at least 5 days on."""
    open_stages = sum(1 for stage in settings.pipeline.stages if stage.outcome == "open")
    deal = max(STAGE_DAYS.values()) * open_stages * 1.3
    return timedelta(days=max(365.0, 5.0, deal))


def as_of_range(settings: Settings) -> tuple[date, date]:
    """The first and last as-of dates whose every generated time intake accepts: a time
    in the years 1900-2199 in UTC (``ingest.times``) and Stripe's ``created`` within
    ``STRIPE_CREATED``. The earliest time is ``REACH_BEFORE`` before the end of history,
    every time is earlier than ``reach_after`` after it, and the Stripe events earlier
    than the end itself."""
    earliest_end = max(EARLIEST, STRIPE_CREATED[0]) + REACH_BEFORE
    latest_end = min(LATEST - reach_after(settings), STRIPE_CREATED[1])
    first = (earliest_end + timedelta(days=1) - timedelta(microseconds=1)).date()
    return first, latest_end.date()


def admin_email(settings: Settings) -> str:
    """The admin whose password ``devfunnel demo`` sets, known before anything is loaded
    (the password rules refuse the email itself): the first admin, by email, among the
    users the demo imports."""
    admins = sorted(u["email"] for u in demo_users(settings) if u.get("role") == "admin")
    return admins[0] if admins else "admin@acme.dev"


def load_demo(
    store: Store,
    settings: Settings,
    *,
    seed: int = 1,
    accounts: int = 2000,
    as_of: date | None = None,
    progress: Progress | None = None,
    chunk_accounts: int = CHUNK_ACCOUNTS,
) -> DemoReport:
    """Generate and load the demo company into a migrated, empty store."""
    check_options(settings, seed=seed, accounts=accounts, as_of=as_of)
    with store.bulk_loading():
        return _load(store, settings, seed, accounts, as_of, progress, chunk_accounts)


def _load(
    store: Store,
    settings: Settings,
    seed: int,
    accounts: int,
    as_of: date | None,
    progress: Progress | None,
    chunk_accounts: int,
) -> DemoReport:
    as_of = as_of or datetime.now(UTC).date()
    tick = progress or (lambda _stage, _done, _total: None)
    report = DemoReport(seed=seed, as_of=as_of, accounts=accounts)
    clock = time.perf_counter()
    world = build_world(settings, seed=seed, accounts=accounts, as_of=as_of)
    truth.create(store)
    _reference_data(store, settings, world, report)
    later: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("leads", "opportunities", "conversations", "feedback", "touchpoints")
    }
    bounds = chunk_bounds(world, chunk_accounts)
    chunks = len(bounds)
    tick("events", 0, chunks)
    for n, chunk in enumerate(ahead.chunks(world, bounds)):
        _count(report, "accounts", import_accounts(store, settings, chunk.crm["accounts"]))
        _count(report, "people", import_contacts(store, settings, chunk.crm["contacts"]))
        report.events += _events(store, settings, chunk.sink.tables(), chunk.sink.github)
        # What a GitHub connector fetches for the logins the webhooks named, and for the
        # organisations their profiles name.
        orgs = list(chunk.sink.github_orgs.values())
        _count(report, "github_orgs", import_github_orgs(store, settings, orgs))
        _count(report, "github_profiles",
               import_github_profiles(store, settings, chunk.sink.github_profiles))  # fmt: skip
        stripe.receive(store, chunk.sink.stripe)
        for key in ("leads", "opportunities", "conversations", "feedback"):
            later[key].extend(chunk.crm[key])
        later["touchpoints"].extend(chunk.sink.records.get("touchpoints", []))
        with store.transaction() as conn:
            for name, rows in chunk.truth.items():
                truth.write(store, conn, name, rows)
        tick("events", n + 1, chunks)
    report.seconds["generate_and_append"] = time.perf_counter() - clock

    clock = time.perf_counter()
    tick("resolve", 0, 1)
    resolve_pending(store, settings, max_batches=1_000_000)
    tick("resolve", 1, 1)
    report.seconds["resolve"] = time.perf_counter() - clock

    clock = time.perf_counter()
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("billing", lambda: stripe.apply_pending(store, settings, limit=10_000_000)),
        (
            "opportunities",
            lambda: _count(
                report,
                "opportunities",
                import_opportunities(store, settings, later["opportunities"]),
            ),
        ),
        ("leads", lambda: _count(report, "leads", import_leads(store, settings, later["leads"]))),
        (
            "conversations",
            lambda: _count(
                report,
                "conversations",
                import_conversations(store, settings, later["conversations"]),
            ),
        ),
        (
            "touchpoints",
            lambda: _count(
                report, "touchpoints", import_touchpoints(store, settings, later["touchpoints"])
            ),
        ),
        (
            "feedback",
            lambda: _count(report, "feedback", import_feedback(store, settings, later["feedback"])),
        ),
        (
            "quotas",
            lambda: _count(report, "quotas", import_quotas(store, settings, _quotas(world))),
        ),
        ("plans", lambda: sync_plans(store, settings)),
        # Touchpoint lists name identities too; resolve them like any other signal.
        ("resolve touchpoints", lambda: resolve_pending(store, settings, max_batches=10**6)),
        ("match people", lambda: _match(store, settings)),
    ]
    for i, (_name, step) in enumerate(steps):
        tick("records", i, len(steps))
        step()
    tick("records", len(steps), len(steps))
    with store.transaction() as conn:
        # Count what is stored, including identify events the lead import queued.
        report.events = int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one())
        report.stored_accounts = int(
            conn.execute(
                sa.text("SELECT count(*) FROM accounts WHERE merged_into IS NULL")
            ).scalar_one()
        )
        report.people = int(
            conn.execute(
                sa.text("SELECT count(*) FROM people WHERE merged_into IS NULL")
            ).scalar_one()
        )
        truth.write(store, conn, "meta", _meta(world, report))
    report.seconds["records"] = time.perf_counter() - clock

    clock = time.perf_counter()
    tick("scores", 0, 2)
    _score(store, settings, as_of)
    # After the scores: the model reads each snapshot's momentum from their history.
    tick("scores", 1, 2)
    _success(store, settings, as_of)
    tick("scores", 2, 2)
    report.seconds["scores"] = time.perf_counter() - clock

    # Leads from scores, routing, SLA clocks and breaches, handoffs, as of the end of
    # history: the queues the dashboard shows. It reads the scores, so it comes after them.
    clock = time.perf_counter()
    tick("pipeline", 0, 1)
    _pipeline(store, settings, world, report)
    tick("pipeline", 1, 1)
    report.seconds["pipeline"] = time.perf_counter() - clock
    return report


def chunk_bounds(world: World, chunk_accounts: int = CHUNK_ACCOUNTS) -> list[tuple[range, range]]:
    """The accounts and independent developers of each chunk, in loading order."""
    accounts, independents = len(world.accounts), world.independent_developers
    chunks = max(1, -(-accounts // chunk_accounts))
    return [
        (
            range(n * chunk_accounts, min(accounts, (n + 1) * chunk_accounts)),
            range(independents * n // chunks, independents * (n + 1) // chunks),
        )
        for n in range(chunks)
    ]


def _score(store: Store, settings: Settings, as_of: date) -> None:
    """Journey and scores as of the end of the demo's last day, with a year of weekly
    momentum points; pinned, so the worker keeps scoring the demo as of that date."""
    from devfunnel.scoring.recompute import HISTORY_WEEKS
    from devfunnel.scoring.updates import compute_all

    end = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    compute_all(store, settings, as_of=end, pinned=True, history_weeks=HISTORY_WEEKS)


def _reference_data(store: Store, settings: Settings, world: World, report: DemoReport) -> None:
    _count(report, "users", import_users(store, settings, world.users))
    _count(
        report,
        "features",
        import_features(
            store, settings, [{"key": key, "name": name} for key, name, _, _ in vocab.FEATURES]
        ),
    )
    rows = []
    for p in world.programs:
        first, last = p.start_month, min(12, p.start_month + p.months)
        months = [_month(world, m) for m in range(first, last)]
        rows.append(
            {
                "key": p.key,
                "name": p.name,
                "team": p.team,
                "channel": p.channel,
                "kind": p.kind,
                "utm_campaign": p.key,
                "starts_on": months[0],
                "ends_on": months[-1],
                "feature_key": vocab.PROGRAM_FEATURES.get(p.key),
                "currency": "USD",
                "costs": [{"month": m, "amount": p.monthly_cost} for m in months],
            }
        )
    _count(report, "programs", import_programs(store, settings, rows))
    with store.transaction() as conn:
        truth.write(
            store,
            conn,
            "programs",
            [
                {
                    "key": p.key,
                    "team": p.team,
                    "channel": p.channel,
                    "effect": p.effect,
                    "monthly_cost": p.monthly_cost,
                }
                for p in world.programs
            ],
        )


def _events(
    store: Store,
    settings: Settings,
    tables: dict[str, pa.Table],
    deliveries: list[tuple[str, str, dict[str, Any]]],
) -> int:
    """Append each source's events as its own batch, the way intake receives them."""
    rows = [github.to_event_row(kind, delivery, payload) for kind, delivery, payload in deliveries]
    mapped = [r for r in rows if r is not None]
    if mapped:
        tables = {
            **tables,
            "github": pa.Table.from_pylist(mapped).cast(
                pa.schema(
                    [
                        pa.field(
                            name,
                            pa.timestamp("us", tz="UTC") if name == "timestamp" else pa.string(),
                        )
                        for name in mapped[0]
                    ]
                )
            ),
        }
    total = 0
    for source, table in tables.items():
        prepared = prepare(
            table,
            source=source,
            max_event_bytes=settings.ingest.max_event_bytes,
            correct_clock_skew=False,
        )
        total += append_events(store, prepared, source=source).inserted
    return total


def _match(store: Store, settings: Settings) -> None:
    """Probabilistic matching, as the worker would run it once the data is in."""
    run_matching(store, settings)
    record_match_run(store, datetime.now(UTC))


def _pipeline(store: Store, settings: Settings, world: World, report: DemoReport) -> None:
    done = run_pipeline(store, settings, now=world.end)
    report.pipeline = {
        "leads_created": done.leads_created, "leads_routed": done.leads_routed,
        "leads_unrouted": done.leads_unrouted, "sla_breaches": done.sla.breaches,
        "sla_escalations": done.sla.escalations, "handoffs_created": done.handoffs_created,
    }  # fmt: skip


def _success(store: Store, settings: Settings, as_of: date) -> None:
    """Technical validations of open opportunities and the success model, as of the end of
    the demo's history (a small demo may close too few deals to train on)."""
    try:
        refresh_all(
            store, settings, now=datetime.combine(as_of, day_start(), tzinfo=UTC), trained_by="demo"
        )
    except Conflict as exc:
        log.info("demo: no success model: %s", exc.detail)


def _quotas(world: World) -> list[dict[str, Any]]:
    rows = []
    quarter_starts = sorted(
        {
            date(_month(world, m).year, (_month(world, m).month - 1) // 3 * 3 + 1, 1)
            for m in range(0, 13)
        }
    )
    for user in world.users:
        if user.get("role") != "seller":
            continue
        is_ae = user["email"].split("@")[0].endswith(".ae")
        for start in quarter_starts:
            end = date(
                start.year, start.month + 2, calendar.monthrange(start.year, start.month + 2)[1]
            )
            rows.append(
                {
                    "user_email": user["email"],
                    "period_start": start,
                    "period_end": end,
                    "amount": 300_000 if is_ae else 90_000,
                    "currency": "USD",
                }
            )
    return rows


def _month(world: World, offset: int) -> date:
    start = world.start.date()
    year, month = start.year + (start.month - 1 + offset) // 12, (start.month - 1 + offset) % 12
    return date(year, month + 1, 1)


def _count(report: DemoReport, kind: str, result: Any) -> Any:
    entry = report.imports.setdefault(kind, {"created": 0, "updated": 0, "errors": 0})
    entry["created"] += result.created
    entry["updated"] += result.updated
    entry["errors"] += len(result.errors)
    return result


def _meta(world: World, report: DemoReport) -> list[dict[str, Any]]:
    values = {
        "seed": world.seed,
        "as_of": world.as_of.isoformat(),
        "window_start": world.start.isoformat(),
        "accounts": len(world.accounts),
        "events": report.events,
        "win_probability_coefficients": WIN_COEFFICIENTS,
    }
    # JSON text, so values of different types share the column.
    return [{"key": k, "value": orjson.dumps(v).decode()} for k, v in values.items()]
