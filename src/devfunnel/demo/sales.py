"""The sales side of the demo company, driven by what the developers really did.

Opportunities open when an account's developers reach Build (bottom-up) or when sellers
prospect large accounts (top-down). Each is won with a known probability, a logistic
function of developer signals (builders, the champion's engagement) and sales signals
(an engaged economic buyer, competition, opportunity size) plus the account's hidden need and
fit. Sellers record MEDDPICC as noisy readings of the same hidden facts, learnt stage by
stage over the deal's life (dated, as a CRM's field history keeps them). Paying accounts
churn with a known monthly hazard; their developers go quiet first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from devfunnel.config import Settings
from devfunnel.demo import vocab
from devfunnel.demo.people import HORIZON, Person
from devfunnel.demo.world import Account

#: Typical opportunity size (USD) and days per stage by segment.
TYPICAL_AMOUNT = {"smb": 12_000, "mid_market": 45_000, "enterprise": 160_000}
STAGE_DAYS = {"smb": 9, "mid_market": 16, "enterprise": 28}
#: Coefficients of the true win-probability function (see ``win_probability``).
WIN_COEFFICIENTS = {"intercept": -1.55, "builders": 0.42, "champion": 1.9,
                    "economic_buyer": 1.0, "need": 1.6, "fit": 1.0, "log2_size": -0.35,
                    "competitor": -0.75}  # fmt: skip


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def win_probability(
    builders: int,
    champion: float,
    economic_buyer: bool,
    need: float,
    fit: float,
    amount: float,
    segment: str,
    competitor: bool,
    bonus: float = 0.0,
) -> float:
    """The true chance an opportunity is won; the ceiling any model can reach."""
    c = WIN_COEFFICIENTS
    z = (
        c["intercept"]
        + c["builders"] * min(builders, 6)
        + c["champion"] * champion
        + c["economic_buyer"] * economic_buyer
        + c["need"] * (need - 0.5)
        + c["fit"] * (fit - 0.5)
        + c["log2_size"] * math.log2(amount / TYPICAL_AMOUNT[segment])
        + c["competitor"] * competitor
        + bonus
    )
    return sigmoid(z)


@dataclass
class Opportunity:
    key: str
    account: Account
    type: str
    created: float
    amount: int
    p_win: float
    won: bool
    champion: Person | None
    economic_buyer: Person | None
    latent: dict[str, float]
    path: list[tuple[str, float]] = field(default_factory=list)
    close_day: float = 0.0
    expected_close: float = 0.0

    @property
    def closed(self) -> bool:
        return self.close_day < HORIZON

    @property
    def stage(self) -> str:
        return self.path[-1][0]


@dataclass
class Subscription:
    key: str
    customer: str
    account: Account | None
    person: Person
    start: float
    plan: str
    unit_amount: int
    interval: str
    changes: list[tuple[float, str, int]] = field(default_factory=list)
    canceled: float | None = None


@dataclass
class AccountSales:
    opportunities: list[Opportunity] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    churn_hazard: float = 0.0
    churn_day: float | None = None


def builders_at(devs: list[Person], day: float) -> int:
    return sum(1 for d in devs if d.reached("build", day) and d.quit_day > day)


def simulate_sales(
    g: np.random.Generator, account: Account, people: list[Person], settings: Settings
) -> AccountSales:
    out = AccountSales()
    devs = [p for p in people if p.persona == "developer"]
    buyers = [p for p in people if p.persona == "business"]
    build_days = sorted(d.stage_days["build"] for d in devs if "build" in d.stage_days)
    starts: list[tuple[float, str]] = []
    if build_days:
        k = 1 if account.employees < 200 else min(2, len(build_days))
        if g.random() < 0.3 + 0.5 * account.need * account.fit + 0.15 * account.in_crm:
            starts.append((build_days[k - 1] + float(g.exponential(10)), "bottom_up"))
    if account.employees > 500 and g.random() < 0.15:
        starts.append((float(g.uniform(20, 340)), "top_down"))
    for created, _motion in sorted(starts)[:2]:
        if created < HORIZON - 2:
            out.opportunities.append(
                _open_opportunity(g, account, devs, buyers, created, "new", settings)
            )
    for opportunity in list(out.opportunities):
        if opportunity.won and opportunity.closed and opportunity.type == "new":
            if opportunity.close_day < HORIZON - 60 and g.random() < 0.35:
                created = opportunity.close_day + float(g.uniform(60, 200))
                if created < HORIZON - 2:
                    out.opportunities.append(
                        _open_opportunity(
                            g,
                            account,
                            devs,
                            buyers,
                            created,
                            "expansion",
                            settings,
                            base=opportunity.amount * g.uniform(0.25, 0.6),
                        )
                    )
            renewal_open = opportunity.close_day + 365 - settings.health.renewal_lead_days
            if renewal_open < HORIZON - 2:
                out.opportunities.append(
                    _open_opportunity(
                        g,
                        account,
                        devs,
                        buyers,
                        renewal_open,
                        "renewal",
                        settings,
                        base=opportunity.amount,
                    )
                )
    _unique_keys(out.opportunities)
    if any(d.won and d.closed for d in out.opportunities) or build_days:
        account.in_crm = account.in_crm or bool(out.opportunities)
    _subscriptions(g, account, devs, out)
    return out


def _unique_keys(opportunities: list[Opportunity]) -> None:
    """Two opportunities of one kind opened the same day (a bottom-up and a top-down
    start, rare but certain among 20,000 accounts) get distinct CRM ids."""
    seen: set[str] = set()
    for opportunity in opportunities:
        key, n = opportunity.key, 1
        while key in seen:
            n += 1
            key = f"{opportunity.key}-{n}"
        opportunity.key = key
        seen.add(key)


def _open_opportunity(
    g: np.random.Generator,
    account: Account,
    devs: list[Person],
    buyers: list[Person],
    created: float,
    kind: str,
    settings: Settings,
    base: float | None = None,
) -> Opportunity:
    active = [d for d in devs if d.reached("learn", created) and d.quit_day > created]
    champion = max(active, key=lambda d: d.engagement, default=None)
    champion_strength = float(
        np.clip((champion.engagement if champion else 0.0) + g.normal(0, 0.08), 0, 1)
    )
    builders = builders_at(devs, created)
    economic_buyer = bool(buyers) and g.random() < 0.25 + 0.5 * account.need
    competitor = bool(g.random() < 0.35)
    size = (
        base
        if base is not None
        else TYPICAL_AMOUNT[account.segment]
        * float(np.exp(g.normal(0, 0.5)))
        * (0.6 + account.need)
    )
    amount = int(round(size / 100) * 100) or 1000
    bonus = {"new": 0.0, "expansion": 0.9, "renewal": 1.6}[kind]
    p_win = win_probability(
        builders,
        champion_strength,
        economic_buyer,
        account.need,
        account.fit,
        amount,
        account.segment,
        competitor,
        bonus,
    )
    won = bool(g.random() < p_win)
    opportunity = Opportunity(
        key=f"{account.crm}:opp-{account.ref}-{kind}-{int(created)}",
        account=account,
        type=kind,
        created=created,
        amount=amount,
        p_win=p_win,
        won=won,
        champion=champion,
        economic_buyer=buyers[0] if economic_buyer else None,
        latent={
            "champion": champion_strength,
            "economic_buyer": float(economic_buyer),
            "competitor": float(competitor),
            "builders": float(builders),
        },
    )
    _path(g, opportunity, settings)
    return opportunity


def _path(g: np.random.Generator, opportunity: Opportunity, settings: Settings) -> None:
    stages = settings.pipeline.stages
    open_ids = [s.id for s in stages if s.outcome == "open"]
    won_id = next(s.id for s in stages if s.outcome == "won")
    lost_id = next(s.id for s in stages if s.outcome == "lost")
    if opportunity.type == "renewal":
        open_ids = open_ids[-1:]
    if opportunity.won:
        steps = [*open_ids, won_id]
    else:
        reach = min(
            len(open_ids) - 1, int(g.beta(1 + 2.5 * opportunity.p_win, 2.0) * len(open_ids))
        )
        steps = [*open_ids[: reach + 1], lost_id]
    mean = STAGE_DAYS[opportunity.account.segment]
    day = opportunity.created
    path = []
    for i, stage in enumerate(steps):
        if i:
            day += float(np.exp(g.normal(math.log(mean), 0.5)))
        path.append((stage, day))
    opportunity.close_day = path[-1][1]
    opportunity.expected_close = opportunity.created + mean * len(open_ids) * float(
        g.uniform(0.8, 1.3)
    )
    opportunity.path = [(s, d) for s, d in path if d < HORIZON]


def qualification_history(
    g: np.random.Generator, opportunity: Opportunity, settings: Settings
) -> list[dict[str, Any]]:
    """MEDDPICC and BANT as a seller records them over the deal's life: every change of
    an element, with the day (demo days) it was set.

    A seller fills what discovery showed when the opportunity opens, updates the elements
    a few days after each stage move (what that stage uncovers), and confirms the rest at
    signing. Each reading is noisy (one step off one time in ten), and only a reading that
    differs from the one on record is entered, as a CRM's field history keeps it.
    """
    open_ids = [s.id for s in settings.pipeline.stages if s.outcome == "open"]
    readings: list[tuple[float, int]] = []
    reached = -1
    moves = opportunity.path
    for i, (stage, day) in enumerate(moves):
        if stage not in open_ids or open_ids.index(stage) <= reached:
            continue
        reached = open_ids.index(stage)
        if i == 0:
            readings.append((opportunity.created, reached))
        else:
            following = moves[i + 1][1] if i + 1 < len(moves) else HORIZON
            readings.append((min(day + float(g.uniform(0, 3)), (day + following) / 2), reached))
    if opportunity.closed and opportunity.won:
        readings.append((opportunity.close_day, len(open_ids)))
    recorded: dict[str, int] = {}
    changes = []
    for day, stage_reached in readings:
        if day >= HORIZON:
            break
        for element, score in _levels(opportunity, stage_reached).items():
            if g.random() < 0.1:
                score = int(np.clip(score + (1 if g.random() < 0.5 else -1), 0, 2))
            if recorded.get(element, 0) == score:
                continue
            recorded[element] = score
            change: dict[str, Any] = {"element": element, "score": score, "day": day}
            if score:
                change["evidence"] = _EVIDENCE[element]
            changes.append(change)
    return changes


def _levels(opportunity: Opportunity, reached: int) -> dict[str, int]:
    """Each element's true level once the deal has reached open stage ``reached`` (0 the
    first; the number of open stages once signed): noiseless readings of the hidden facts."""
    lat, need = opportunity.latent, opportunity.account.need

    def level(condition_full: bool, condition_partial: bool) -> int:
        return 2 if condition_full else (1 if condition_partial else 0)

    return {
        "identify_pain": level(reached >= 1 and need > 0.3, need > 0.15),
        "metrics": level(reached >= 2 and need > 0.4, reached >= 1),
        "champion": level(lat["champion"] > 0.45 and reached >= 1, lat["champion"] > 0.25),
        "economic_buyer": level(
            bool(lat["economic_buyer"]) and reached >= 2, bool(lat["economic_buyer"])
        ),
        "decision_criteria": level(reached >= 2, reached >= 1),
        "decision_process": level(reached >= 3, reached >= 2),
        "paper_process": level(reached >= 4, reached >= 3),
        "competition": level(bool(lat["competitor"]) and reached >= 1, reached >= 1),
        "budget": level(reached >= 3, reached >= 2),
        "authority": level(bool(lat["economic_buyer"]), reached >= 2),
        "need": level(need > 0.5, need > 0.25),
        "timeline": level(reached >= 3, reached >= 1),
    }


_EVIDENCE = {
    "identify_pain": "Integration backlog is slowing their product launches",
    "metrics": "Expect to cut integration time from weeks to days",
    "champion": "Lead developer is driving the evaluation internally",
    "economic_buyer": "VP Engineering joined the business case call",
    "decision_criteria": "Latency, SDK coverage, SOC 2",
    "decision_process": "Technical sign-off, then VP approval",
    "paper_process": "MSA redlines with legal; security review done",
    "competition": "Also evaluating an in-house build",
    "budget": "Budget allocated in next quarter's platform line",
    "authority": "Signing authority confirmed",
    "need": "Needs API-based integrations for customers",
    "timeline": "Wants to go live before quarter end",
}


def _subscriptions(
    g: np.random.Generator, account: Account, devs: list[Person], out: AccountSales
) -> None:
    """Self-serve plans, contracts from won opportunities, and churn (devs go quiet first)."""
    won = sorted(
        (d for d in out.opportunities if d.won and d.closed and d.type == "new"),
        key=lambda d: d.close_day,
    )
    scaled = sorted(
        (d for d in devs if "scale" in d.stage_days), key=lambda d: d.stage_days["scale"]
    )
    builders = sorted(
        (d for d in devs if "build" in d.stage_days), key=lambda d: d.stage_days["build"]
    )
    payer = scaled[0] if scaled else (builders[0] if builders and g.random() < 0.35 else None)
    customer = f"cus_{account.ref.lower()}"
    if payer is not None:
        start = payer.stage_days.get("scale", payer.stage_days["build"] + 30)
        if start < HORIZON and not (won and won[0].close_day < start):
            price = {"smb": 9900, "mid_market": 29900, "enterprise": 49900}[account.segment]
            sub = Subscription(
                key=f"sub_{account.ref.lower()}_team",
                customer=customer,
                account=account,
                person=payer,
                start=start,
                plan="team",
                unit_amount=price,
                interval="month",
            )
            upgrade = [d for d in scaled[1:] if d.stage_days["scale"] > start]
            if upgrade and g.random() < 0.6:
                sub.changes.append((upgrade[0].stage_days["scale"], "business", price * 2))
            out.subscriptions.append(sub)
    for opportunity in won:
        contact = opportunity.champion or (devs[0] if devs else None)
        if contact is None:
            continue
        for sub in out.subscriptions:
            if sub.canceled is None and sub.interval == "month":
                sub.canceled = opportunity.close_day
        out.subscriptions.append(
            Subscription(
                key=f"sub_{account.ref.lower()}_contract",
                customer=customer,
                account=account,
                person=contact,
                start=opportunity.close_day,
                plan="enterprise",
                unit_amount=opportunity.amount * 100,
                interval="year",
            )
        )
        break
    if not out.subscriptions:
        return
    solo = sum(1 for d in devs if "build" in d.stage_days) <= 1
    out.churn_hazard = sigmoid(
        -3.4 + 1.6 * (1 - account.need) + 0.9 * solo - 1.2 * bool(won) + g.normal(0, 0.2)
    )
    live = [s for s in out.subscriptions if s.canceled is None]
    if not live:
        return
    month = live[-1].start + 30
    while month < HORIZON:
        if g.random() < out.churn_hazard:
            out.churn_day = month
            for sub in live:
                sub.canceled = month
            for dev in devs:
                dev.quit_day = max(
                    dev.start_day, min(dev.quit_day, month - float(g.uniform(5, 30)))
                )
            break
        month += 30


def feedback(
    g: np.random.Generator, account: Account | None, people: list[Person], has_opportunity: bool
) -> list[dict[str, Any]]:
    """Feature requests, bugs and praise from an account's people."""
    devs = [p for p in people if p.persona == "developer" and "learn" in p.stage_days]
    if not devs:
        return []
    weights = np.asarray([f[2] for f in vocab.FEATURES])
    count = int(g.poisson(0.35 * len(devs) + 0.8 * has_opportunity))
    items = []
    for i in range(count):
        person = (
            devs[int(g.integers(len(devs)))]
            if not has_opportunity or g.random() < 0.7
            else (people[-1])
        )
        kind = ("feature_request", "bug", "praise", "question")[
            int(g.choice(4, p=[0.55, 0.25, 0.1, 0.1]))
        ]
        feature = vocab.FEATURES[int(g.choice(len(weights), p=weights / weights.sum()))]
        day = float(g.uniform(person.start_day, HORIZON))
        email = person.signup_email or person.work_email or person.personal_email
        items.append({
            "external_id": f"fb-{person.ref}-{i}", "system": "demo",
            "source": ("support", "community", "call", "github")[int(g.integers(4))],
            "kind": kind,
            "title": f"{feature[1]}" if kind == "feature_request" else
            {"bug": "SDK throws on retry", "praise": "Love the new docs",
             "question": "How do webhooks retry?"}[kind],
            "feature_key": feature[0] if kind == "feature_request" else None,
            "person_email": email,
            "account_domain": account.domain if account else None,
            "sentiment": {"feature_request": 0.1, "bug": -0.5, "praise": 0.8,
                          "question": 0.0}[kind],
            "created_at": day,
        })  # fmt: skip
    return items
