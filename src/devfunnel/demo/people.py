"""The demo's people: who they are, the identities they use, and their developer journey.

A developer's journey is simulated in continuous time: from a first touch, each next
stage (sign-up, first API call, sustained use, production) arrives with a hazard that
grows with the developer's engagement and the account's need, multiplied for 45 days
after a touch by a program with a real effect; a constant drop-out hazard competes with
it. What the product later sees is only the events this journey emits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from devfunnel.demo import vocab
from devfunnel.demo.world import Account, Program, pick

STAGES = ("discover", "evaluate", "learn", "build", "scale")
#: Mean days to the next stage for a fully engaged developer, and extra days when not.
_WAIT = {"evaluate": (4, 30), "learn": (2, 10), "build": (7, 30), "scale": (20, 60)}
#: Developers who build keep building for a while even if they never reach production:
#: the drop-out hazard while waiting for each stage is scaled by this.
_STICKINESS = {"evaluate": 1.0, "learn": 1.0, "build": 1.0, "scale": 0.3}
EFFECT_DAYS = 45.0
HORIZON = 365.0


@dataclass
class Person:
    ref: str
    account: Account | None
    persona: str
    first: str
    last: str
    title: str
    work_email: str | None
    personal_email: str | None
    github: str | None
    anon_ids: list[str]
    engagement: float
    start_day: float
    user_id: str | None = None
    signup_email: str | None = None
    stage_days: dict[str, float] = field(default_factory=dict)
    quit_day: float = HORIZON
    touches: list[tuple[Program, float]] = field(default_factory=list)
    #: Emails this person was recorded with somewhere (typos included).
    observed_emails: set[str] = field(default_factory=set)
    #: Kinds of signal handed to the product that name this person's account (a company
    #: email, a group call, a CRM contact, a form or GitHub profile stating the company).
    #: Empty for someone at an account means no data could tell which (ground truth).
    account_evidence: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def stage(self) -> str:
        return (
            max(self.stage_days, key=lambda s: STAGES.index(s)) if self.stage_days else ("discover")
        )

    def reached(self, stage: str, day: float) -> bool:
        return stage in self.stage_days and self.stage_days[stage] <= day


def make_people(
    g: np.random.Generator, account: Account | None, prefix: str, independent: bool = False
) -> list[Person]:
    """The developers and business buyers at an account (or one independent developer)."""
    people = []
    if independent:
        devs, buyers = 1, 0
    else:
        assert account is not None
        size = np.log10(max(account.employees, 3))
        devs = 1 + int(g.poisson(0.8 + 3.0 * account.need + 0.85 * size))
        buyers = (
            1 + int(g.poisson(0.1 + 0.35 * size))
            if account.in_crm or size > 2
            else int(g.random() < 0.4)
        )
    taken: set[str] = set()
    for k in range(devs + buyers):
        persona = "developer" if k < devs else "business"
        person = _person(g, account, f"{prefix}{k:02d}", persona)
        if person.work_email in taken:  # two namesakes at one company get distinct mailboxes
            local, domain = person.work_email.split("@", 1)
            person.work_email = f"{local}{k}@{domain}"
        if person.work_email:
            taken.add(person.work_email)
        people.append(person)
    return people


def ref_number(ref: str) -> int:
    """A number unique to each person: account people and independent developers apart."""
    return int(ref[1:]) + (0 if ref[0] == "P" else 900_000_000)


def _person(g: np.random.Generator, account: Account | None, ref: str, persona: str) -> Person:
    first = vocab.ALL_FIRST_NAMES[g.integers(len(vocab.ALL_FIRST_NAMES))]
    last = vocab.ALL_LAST_NAMES[g.integers(len(vocab.ALL_LAST_NAMES))]
    work = None
    if account is not None:
        pattern = g.integers(4)
        local = (f"{first}.{last}", f"{first[0]}{last}", f"{first}", f"{first}{last[0]}")[pattern]
        work = f"{local.lower()}@{account.domain}"
    personal = None
    if account is None or g.random() < (0.45 if persona == "developer" else 0.1):
        sep = ("", ".", "_")[g.integers(3)]
        # Personal addresses are unique in the world: the number tells namesakes apart.
        digits = str(ref_number(ref))
        personal = f"{first.lower()}{sep}{last.lower()}{digits}@{pick(g, vocab.PERSONAL_DOMAINS)}"
    github = None
    if persona == "developer" and g.random() < 0.6:
        style = g.integers(4)
        github = (
            f"{first}{last}".lower(),
            f"{first[0]}{last}".lower(),
            f"{first.lower()}-{last.lower()}",
            f"{first.lower()}",
        )[style]
        github = f"{github}{ref_number(ref)}"  # logins are unique on GitHub
    anon = [
        f"anon-{ref.lower()}-{i}-{g.integers(1 << 30):x}" for i in range(1 + (g.random() < 0.4))
    ]
    base = g.beta(1.3, 2.6) if persona == "developer" else g.beta(2, 3)
    need = account.need if account else 0.35
    engagement = float(np.clip(base * (0.6 + 0.8 * need), 0.01, 0.99))
    # Journeys start within the window; many start early so some are mature by the end.
    start = float(g.uniform(0, 60) if g.random() < 0.35 else g.uniform(0, 340))
    titles = vocab.DEV_TITLES if persona == "developer" else vocab.BUYER_TITLES
    return Person(
        ref=ref,
        account=account,
        persona=persona,
        first=first,
        last=last,
        title=titles[g.integers(len(titles))],
        work_email=work,
        personal_email=personal,
        github=github,
        anon_ids=anon,
        engagement=engagement,
        start_day=start,
    )


def assign_touches(g: np.random.Generator, person: Person, programs: list[Program]) -> None:
    """Which programs reach the person, and when."""
    for program in programs:
        if program.reached_by == "github" and not person.github:
            continue
        affinity = _affinity(program, person)
        if affinity <= 0 or g.random() >= program.reach * affinity:
            continue
        first, last = (
            program.start_month * 30.0,
            min(HORIZON, (program.start_month + program.months) * 30.0),
        )
        low = max(first, person.start_day)
        if low >= last:
            continue
        person.touches.append((program, float(g.uniform(low, last))))
    person.touches.sort(key=lambda t: t[1])


def _affinity(program: Program, person: Person) -> float:
    if person.persona == "business":
        return {
            "linkedin_ads": 2.5,
            "analyst_report": 2.0,
            "kubecon_booth": 0.8,
            "newsletter": 0.6,
            "webinar_series": 0.5,
        }.get(program.key, 0.0)
    boost = 0.5 + person.engagement
    if program.key == "linkedin_ads":
        return 0.2
    return boost


def simulate_journey(g: np.random.Generator, person: Person) -> None:
    """Stage dates and the day the developer goes quiet; buyers only discover."""
    day = person.start_day
    person.stage_days = {"discover": day}
    need = person.account.need if person.account else 0.35
    e = person.engagement
    if person.persona == "business":
        person.quit_day = min(HORIZON, day + float(g.exponential(200)))
        return
    success = {
        "evaluate": 0.12 + 0.6 * e * (0.5 + need),
        "learn": 0.45 + 0.5 * e,
        "build": 0.2 + e * need * 1.1,
        "scale": 0.12 + 0.55 * e * need,
    }
    quit_day = HORIZON
    for stage in STAGES[1:]:
        p = min(0.95, success[stage])
        fast, slow = _WAIT[stage]
        rate = 1.0 / (fast + slow * (1 - e))
        dropout = rate * (1 - p) / p * _STICKINESS[stage]
        quit_at = day + float(g.exponential(1 / dropout))
        reached = _next_time(g, day, rate, person.touches)
        if reached < quit_at and reached < HORIZON:
            person.stage_days[stage] = reached
            day = reached
            continue
        quit_day = min(HORIZON, quit_at)
        break
    else:
        quit_day = min(HORIZON, day + float(g.exponential(400)))
    person.quit_day = quit_day


def _next_time(
    g: np.random.Generator, start: float, rate: float, touches: list[tuple[Program, float]]
) -> float:
    """Inverse of the cumulative hazard: ``rate`` boosted by program effects after touches."""
    budget = float(g.exponential(1.0))
    boosts = [(t, t + EFFECT_DAYS, p.effect) for p, t in touches if t + EFFECT_DAYS > start]
    points = sorted(
        {
            start,
            HORIZON * 2,
            *[max(start, a) for a, _, _ in boosts],
            *[max(start, b) for _, b, _ in boosts],
        }
    )
    for left, right in itertools.pairwise(points):
        multiplier = 1.0
        for a, b, effect in boosts:
            if a <= left < b:
                multiplier *= effect
        hazard = rate * multiplier
        need = budget / hazard
        if left + need <= right:
            return left + need
        budget -= hazard * (right - left)
    return HORIZON * 2
