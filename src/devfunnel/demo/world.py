"""The demo company's latent world: accounts with a hidden need, the sales team, programs.

Everything random is drawn from ``numpy`` generators seeded by ``(seed, stream, index)``, so
account 17 is the same account whatever the chunk size or how many accounts are generated;
``--accounts`` grows the world without reshuffling it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from devfunnel.config import Settings
from devfunnel.demo import vocab
from devfunnel.geo import segment_of

#: Random streams; each entity kind draws from its own.
ACCOUNTS, PEOPLE, SALES, PROGRAMS, INDEPENDENT, NAMES = range(6)


def rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream, index])


def pick(generator: np.random.Generator, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    p = np.asarray(weights, dtype=float)
    return str(values[int(generator.choice(len(values), p=p / p.sum()))])


@dataclass
class Account:
    """An account as it really is, including what no system records (``need``)."""

    index: int
    ref: str
    name: str
    domain: str
    industry: str
    employees: int
    annual_revenue: int
    country: str
    region: str
    segment: str
    tech_stack: list[str]
    #: How much the account needs what we sell (0-1); drives adoption and winning.
    need: float
    #: How well the account matches who really buys (0-1), independent of configuration.
    fit: float
    in_crm: bool
    crm: str
    crm_id: str | None
    owner_email: str | None
    #: The company's GitHub organisation (``@polarbank``): its domain's label, as most
    #: companies name theirs, with "hq" (then a number) when another company has that label
    #: (GitHub handles are unique; "Polar Bank" and "Polarbank" are not both ``@polarbank``).
    github_org: str = ""


@dataclass
class Program:
    key: str
    name: str
    team: str
    channel: str
    kind: str
    monthly_cost: int
    start_month: int
    months: int
    reach: float
    reached_by: str
    effect: float

    def active_days(self, start: datetime) -> tuple[int, int]:
        """Window days [first, last) the program runs."""
        return self.start_month * 30, min(365, (self.start_month + self.months) * 30)


@dataclass
class World:
    seed: int
    as_of: date
    accounts: list[Account]
    programs: list[Program]
    users: list[dict[str, str]]
    independent_developers: int
    settings: Settings
    teams: dict[str, list[str]] = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.as_of, datetime.min.time(), tzinfo=UTC)

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=365)


def build_world(settings: Settings, *, seed: int, accounts: int, as_of: date) -> World:
    names = _company_names(seed, accounts)
    teams = {t.id: [m.email for m in t.members] for t in settings.routing.teams}
    built = [_account(seed, i, names[i], settings, teams) for i in range(accounts)]
    taken: set[str] = set()
    for account in built:  # one company, one domain: "Nova Labs" and "Novalabs" differ
        while account.domain in taken:
            label, _, tld = account.domain.partition(".")
            account.domain = f"{label}{account.index % 97}.{tld}"
        taken.add(account.domain)
    orgs: set[str] = set()
    for account in built:
        org = candidate = account.domain.partition(".")[0]
        n = 0
        while org in orgs:
            n += 1
            org = f"{candidate}hq" if n == 1 else f"{candidate}{n}"
        account.github_org = org
        orgs.add(org)
    programs = [Program(*row) for row in vocab.PROGRAMS]
    users = _users(settings)
    return World(
        seed=seed,
        as_of=as_of,
        accounts=built,
        programs=programs,
        users=users,
        independent_developers=max(1, round(accounts * 0.5)),
        settings=settings,
        teams=teams,
    )


def _company_names(seed: int, count: int) -> list[str]:
    generator = rng(seed, NAMES)
    seen: set[str] = set()
    names = []
    for _ in range(count):
        for attempt in range(50):
            head = vocab.COMPANY_HEADS[generator.integers(len(vocab.COMPANY_HEADS))]
            tail = vocab.COMPANY_TAILS[generator.integers(len(vocab.COMPANY_TAILS))]
            name = f"{head}{tail.lower()}" if generator.random() < 0.35 else f"{head} {tail}"
            if attempt > 20:
                name = f"{name} {attempt}"
            if name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
                break
    return names


def _account(
    seed: int, index: int, name: str, settings: Settings, teams: dict[str, list[str]]
) -> Account:
    g = rng(seed, ACCOUNTS, index)
    employees = int(np.clip(np.exp(g.normal(4.6, 1.7)), 3, 150_000))
    industry = pick(g, vocab.INDUSTRIES)
    region = pick(g, vocab.REGIONS)
    country = pick(g, vocab.COUNTRIES[region])
    stack = sorted({s for s, p in vocab.STACKS if g.random() < p} or {"python"})
    need = float(np.clip(g.beta(2.2, 2.8) + vocab.INDUSTRY_NEED[industry], 0.02, 0.98))
    size_fit = 1.0 if 200 <= employees <= 20000 else (0.6 if employees >= 50 else 0.25)
    fit = float(
        np.clip(
            0.5 * size_fit
            + 0.3 * (region in ("NA", "EMEA"))
            + 0.2 * (industry not in ("Government", "Manufacturing"))
            + g.normal(0, 0.08),
            0,
            1,
        )
    )
    slug = name.lower().replace(" ", "")
    domain = slug + pick(g, vocab.TLDS)
    in_crm = bool(g.random() < 0.3 + 0.55 * min(1.0, np.log10(employees) / 3.5))
    crm = "hubspot" if g.random() < 0.6 else "salesforce"
    segment = segment_of(employees) or "smb"
    owner = _owner(g, region, employees, teams) if in_crm else None
    return Account(
        index=index, ref=f"A{index:06d}", name=name, domain=domain, industry=industry,
        employees=employees, annual_revenue=int(employees * np.exp(g.normal(11.8, 0.5))),
        country=country, region=region, segment=segment, tech_stack=stack, need=need,
        fit=fit, in_crm=in_crm, crm=crm,
        crm_id=(f"{'00' if crm == 'hubspot' else '001'}{index:08d}" if in_crm else None),
        owner_email=owner)  # fmt: skip


def _owner(
    g: np.random.Generator, region: str, employees: int, teams: dict[str, list[str]]
) -> str | None:
    """The account executive the company's territory rules would give the account."""
    if region == "NA" and employees >= 2000 and teams.get("ae_enterprise"):
        options = teams["ae_enterprise"]
    elif region == "EMEA" and employees >= 200 and teams.get("ae_emea"):
        options = teams["ae_emea"]
    else:
        options = [
            e for team, members in teams.items() if team.startswith("ae") for e in members
        ] or [e for members in teams.values() for e in members]
    return str(options[int(g.integers(len(options)))]) if options else None


def _users(settings: Settings) -> list[dict[str, str]]:
    from devfunnel.admin.users import team_users

    company = (
        settings.company.internal_domains[0] if settings.company.internal_domains else ("acme.dev")
    )
    extra = [
        {"email": f"ada.admin@{company}", "name": "Ada Admin", "role": "admin"},
        {"email": f"dana.devrel@{company}", "name": "Dana DevRel", "role": "devrel"},
        {"email": f"carl.success@{company}", "name": "Carl Success", "role": "customer_success"},
        {"email": f"pia.product@{company}", "name": "Pia Product", "role": "product"},
        {"email": f"vic.viewer@{company}", "name": "Vic Viewer", "role": "viewer"},
    ]
    rows = team_users(settings)
    for row in rows:
        local = row["email"].split("@", 1)[0]
        row["name"] = " ".join(part.capitalize() for part in local.replace("_", ".").split("."))
    return rows + extra
