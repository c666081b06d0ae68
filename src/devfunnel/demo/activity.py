"""The raw signals a person's journey produces, as each real source would send them.

Docs and site visits come from analytics.js (``page`` with an anonymous id, plus the user
id once signed in); product events from the server SDK; sign-ups ``identify`` and
``group``; GitHub activity as webhook deliveries; community and event platforms as
exports keyed by email. Identities are written the way people write them (case, nick-
names, the odd typo), and every identity actually emitted is noted for the ground truth.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import numpy as np

from devfunnel.demo import vocab
from devfunnel.demo.people import HORIZON, Person
from devfunnel.demo.sink import Sink
from devfunnel.demo.world import Account
from devfunnel.identity.keys import normalise_email, normalise_github

WEB, SERVER, COMMUNITY, EVENTS, SUPPORT = ("segment:web", "segment:server",
                                           "community:discourse", "events:luma",
                                           "support:zendesk")  # fmt: skip
#: Docs visits per day in each stage (each visit reads a few pages), before engagement.
_DOC_RATE = {"discover": 0.18, "evaluate": 0.35, "learn": 0.4, "build": 0.15, "scale": 0.08}
#: Product dashboard sessions per day once signed up, before engagement.
_APP_RATE = {"evaluate": 0.5, "learn": 0.75, "build": 0.9, "scale": 0.9}
#: Usage is metered per API key; active developers have keys for a few environments.
_ENVIRONMENTS = ("development", "staging", "production")


class Emitter:
    """Writes one person's signals into a sink, numbering their messages."""

    def __init__(self, g: np.random.Generator, sink: Sink, person: Person, start: datetime) -> None:
        self.g, self.sink, self.p, self.start = g, sink, person, start
        self.seq = 0
        #: Identity keys this person was really seen with (ground truth).
        self.keys: set[str] = set()
        #: A stream of its own for signals added to the generator later (GitHub profiles,
        #: newsletter sign-up forms), so adding them left every other draw as it was.
        self.later_g = g.spawn(1)[0]
        self.profile_sent = False
        self.subscribed: set[str] = set()
        #: The address of the person's forum account, once they have one.
        self.forum_email: str | None = None

    def mid(self) -> str:
        self.seq += 1
        return f"{self.p.ref}-{self.seq:05d}"

    def iso(self, day: float) -> str:
        return (self.start + timedelta(days=day)).astimezone(UTC).isoformat().replace("+00:00", "Z")

    # -- identities as written -------------------------------------------------------
    def written_email(
        self, email: str, typo_rate: float = 0.0, g: np.random.Generator | None = None
    ) -> str:
        g = g or self.g
        local, domain = email.split("@", 1)
        if typo_rate and g.random() < typo_rate and len(local) > 3:
            i = int(g.integers(1, len(local) - 1))
            local = local[:i] + local[i + 1] + local[i] + local[i + 2 :]
        written = f"{local}@{domain}"
        if g.random() < 0.1:
            written = written.title()
        self.keys.add(f"email:{normalise_email(written)}")
        if self.p.account is not None and domain.lower() == self.p.account.domain:
            self.p.account_evidence.add("email")
        return written

    def written_name(self, g: np.random.Generator | None = None) -> str:
        g = g or self.g
        first, last = self.p.first, self.p.last
        roll = g.random()
        if roll < 0.08 and first in vocab.NICKNAMES:
            first = vocab.NICKNAMES[first]
        elif roll < 0.12 and len(last) > 3:
            i = int(g.integers(1, len(last) - 2))
            last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
        elif roll < 0.17:
            return first
        return f"{first} {last}"

    def anon(self, index: int = 0) -> str:
        value = self.p.anon_ids[min(index, len(self.p.anon_ids) - 1)]
        self.keys.add(f"anonymous_id:{value}")
        return value

    def user(self) -> str | None:
        if self.p.user_id:
            self.keys.add(f"user_id:{self.p.user_id}")
        return self.p.user_id

    def gh(self) -> str:
        assert self.p.github
        login = self.p.github if self.g.random() < 0.8 else self.p.github.capitalize()
        self.keys.add(f"github:{normalise_github(login)}")
        return login

    # -- helpers -----------------------------------------------------------------------
    def uniform(self, a: float, b: float) -> float:
        """A uniform day in [a, b), or ``a`` when the span is empty."""
        return float(self.g.uniform(a, b)) if b > a else a

    def poisson_days(self, rate: float, a: float, b: float) -> np.ndarray:
        if b <= a or rate <= 0:
            return np.empty(0)
        n = int(self.g.poisson(rate * (b - a)))
        return np.sort(self.g.uniform(a, b, n))

    def stage_end(self, stage: str) -> float:
        order = ("discover", "evaluate", "learn", "build", "scale")
        later = [
            self.p.stage_days[s] for s in order[order.index(stage) + 1 :] if s in self.p.stage_days
        ]
        return min([*later, self.p.quit_day, HORIZON])


def emit_person(g: np.random.Generator, sink: Sink, person: Person, start: datetime) -> set[str]:
    """Emit every signal of ``person``; return the identity keys they were seen with."""
    em = Emitter(g, sink, person, start)
    if person.persona == "developer":
        _developer(em)
    else:
        _buyer(em)
    _program_touches(em)
    return em.keys


def _developer(em: Emitter) -> None:
    p, g = em.p, em.g
    signup = p.stage_days.get("evaluate")
    if signup is not None:
        p.user_id = f"usr_{p.ref.lower()}"
    for stage, rate in _DOC_RATE.items():
        if stage not in p.stage_days:
            continue
        a, b = p.stage_days[stage], em.stage_end(stage)
        for day in em.poisson_days(rate * (0.5 + p.engagement), a, b):
            for k in range(1 + int(g.poisson(3.0))):
                _page(
                    em,
                    day + k * 0.002,
                    "Docs",
                    vocab.DOC_PAGES[g.integers(len(vocab.DOC_PAGES))],
                    signed_in=signup is not None and day >= signup,
                )
        for day in em.poisson_days(0.03, a, b):
            _page(
                em,
                day,
                "Website" if g.random() < 0.6 else "Blog",
                "Home",
                signed_in=signup is not None and day >= signup,
            )
        if stage in _APP_RATE:
            for day in em.poisson_days(_APP_RATE[stage] * (0.5 + p.engagement), a, b):
                for k in range(1 + int(g.poisson(2.0))):
                    _page(
                        em,
                        day + k * 0.002,
                        "App",
                        ("Dashboard", "API keys", "Usage", "Logs", "Settings")[g.integers(5)],
                        signed_in=True,
                    )
    if p.github:
        _github(em)
    if signup is not None:
        _signup(em, signup)
    if "learn" in p.stage_days:
        _learn(em, p.stage_days["learn"])
    if "build" in p.stage_days:
        _usage(
            em,
            "build",
            calls_log=6.3 + (p.account.need if p.account else 0.3),
            active=0.45 + 0.4 * p.engagement,
        )
        for _ in range(int(g.random() < 0.6) + int(g.random() < 0.2)):
            em.sink.event(
                SERVER,
                em.uniform(p.stage_days["build"], em.stage_end("build")),
                em.mid(),
                "track",
                event="Integration Enabled",
                userId=em.user(),
                properties={"integration": vocab.INTEGRATIONS[g.integers(len(vocab.INTEGRATIONS))]},
            )
        for day in em.poisson_days(
            0.04, p.stage_days["build"], min(em.stage_end("build") + 60, HORIZON)
        ):
            _page(em, day, "Pricing", "Pricing", signed_in=True)
    if "scale" in p.stage_days:
        _usage(em, "scale", calls_log=9.4 + (p.account.need if p.account else 0.3), active=0.85)
    _community(em)
    if "build" in p.stage_days:
        a = p.stage_days["build"]
        for day in em.poisson_days(0.012, a, p.quit_day):
            email = p.signup_email or p.work_email or p.personal_email
            if email:
                em.sink.event(
                    SUPPORT,
                    day,
                    em.mid(),
                    "track",
                    event="Support Ticket Opened",
                    email=em.written_email(email),
                    properties={"priority": ("low", "normal", "high")[g.integers(3)]},
                )


def _page(
    em: Emitter,
    day: float,
    category: str,
    name: str,
    *,
    signed_in: bool,
    campaign: str | None = None,
) -> str:
    """Emit a page view; return the anonymous id (device) it was sent from."""
    g = em.g
    device = 1 if len(em.p.anon_ids) > 1 and g.random() < 0.3 else 0
    anonymous_id = em.anon(device)
    path = f"/{category.lower()}/{name.lower().replace(' ', '-')}"
    context: dict[str, object] = {"page": {"path": path}, "userAgent": "Mozilla/5.0"}
    if campaign:
        context["campaign"] = {"name": campaign, "source": "demo"}
    em.sink.event(
        WEB,
        day,
        em.mid(),
        "page",
        category=category,
        name=name,
        anonymousId=anonymous_id,
        userId=em.user() if signed_in else None,
        properties={"title": name, "path": path},
        context=context,
    )
    return anonymous_id


def _signup(em: Emitter, day: float) -> None:
    p, g = em.p, em.g
    uses_work = p.work_email is not None and (p.personal_email is None or g.random() < 0.65)
    p.signup_email = p.work_email if uses_work else p.personal_email
    traits: dict[str, object] = {"name": em.written_name(), "createdAt": em.iso(day)}
    if p.signup_email:
        traits["email"] = em.written_email(p.signup_email)
    if g.random() < 0.5:
        traits["title"] = p.title
    github_signin = p.github is not None and g.random() < 0.7  # GitHub OAuth
    if github_signin:
        traits["github"] = em.gh()
    em.sink.event(
        WEB, day, em.mid(), "identify", userId=em.user(), anonymousId=em.anon(0), traits=traits
    )
    em.sink.event(
        SERVER,
        day + 0.001,
        em.mid(),
        "track",
        event="Signed Up",
        userId=em.user(),
        properties={"method": "github" if github_signin else "email"},
    )
    if p.account is not None and (uses_work or g.random() < 0.6):
        group_traits: dict[str, object] = {
            "name": p.account.name,
            "website": f"https://www.{p.account.domain}",
        }
        if g.random() < 0.6:
            group_traits["employees"] = p.account.employees
            group_traits["industry"] = p.account.industry
        if em.sink.micros(day + 0.002) < em.sink.end_us:
            p.account_evidence.add("group")
        em.sink.event(
            SERVER,
            day + 0.002,
            em.mid(),
            "group",
            userId=em.user(),
            groupId=f"org_{p.account.ref.lower()}",
            traits=group_traits,
        )
    if g.random() < 0.85:
        em.sink.event(
            SERVER,
            day + g.exponential(0.5),
            em.mid(),
            "track",
            event="API Key Created",
            userId=em.user(),
        )
    end = min(p.quit_day, HORIZON)
    if len(p.anon_ids) > 1 and g.random() < 0.95:  # signing in on the second device
        em.sink.event(
            WEB,
            em.uniform(day, end),
            em.mid(),
            "identify",
            userId=em.user(),
            anonymousId=em.anon(1),
        )
    if not uses_work and p.work_email and g.random() < 0.35:
        em.sink.event(
            SERVER,
            em.uniform(day, end),
            em.mid(),
            "identify",
            userId=em.user(),
            traits={"email": em.written_email(p.work_email)},
        )
    if p.github and not github_signin and g.random() < 0.6:  # connecting GitHub later
        em.sink.event(
            SERVER,
            em.uniform(day, end),
            em.mid(),
            "identify",
            userId=em.user(),
            traits={"github": em.gh()},
        )


def _learn(em: Emitter, day: float) -> None:
    g = em.g
    em.sink.event(SERVER, day, em.mid(), "track", event="First API Call", userId=em.user())
    if g.random() < 0.8:
        em.sink.event(
            SERVER,
            day + g.exponential(1),
            em.mid(),
            "track",
            event="SDK Installed",
            userId=em.user(),
            properties={"language": vocab.SDK_LANGUAGES[g.integers(len(vocab.SDK_LANGUAGES))]},
        )
    if g.random() < 0.4:
        em.sink.event(
            WEB,
            day + g.exponential(3),
            em.mid(),
            "track",
            event="Tutorial Completed",
            userId=em.user(),
            anonymousId=em.anon(0),
        )
    _usage(em, "learn", calls_log=3.5, active=0.25)


def _usage(em: Emitter, stage: str, *, calls_log: float, active: float) -> None:
    """Daily usage roll-ups from the billing meter, and error bursts."""
    p, g = em.p, em.g
    a, b = p.stage_days[stage], em.stage_end(stage)
    days = np.arange(np.ceil(a), np.floor(b))
    if days.size == 0:
        return
    weekday = (days % 7) < 5
    days = days[g.random(days.size) < np.where(weekday, active, active * 0.3)]
    if days.size == 0:
        return
    user = em.user()
    environments = _ENVIRONMENTS[: 1 + int(g.integers(len(_ENVIRONMENTS)))]
    for k, environment in enumerate(environments):
        share = days[g.random(days.size) < (1.0 if k == 0 else 0.6)]
        calls = np.maximum(1, np.exp(g.normal(calls_log - k * 0.3, 0.9, share.size))).astype(
            np.int64
        )
        em.sink.events(
            SERVER,
            share + 0.95 - k * 0.01,
            [em.mid() for _ in range(share.size)],
            "track",
            "API Usage",
            [f'{{"calls":{c},"environment":"{environment}"}}' for c in calls.tolist()],
            userId=user,
        )
    errors = days[g.random(days.size) < 0.08]
    if errors.size:
        counts = g.poisson(3, errors.size) + 1
        em.sink.events(
            SERVER,
            errors + 0.5,
            [em.mid() for _ in range(errors.size)],
            "track",
            "API Error",
            [f'{{"count":{c},"status":429}}' for c in counts.tolist()],
            userId=user,
        )


def _community(em: Emitter) -> None:
    p, g = em.p, em.g
    if p.engagement < 0.2 or g.random() >= 0.5 * p.engagement:
        return
    email = (
        p.signup_email
        if p.signup_email and g.random() < 0.5
        else p.work_email
        if p.work_email and g.random() < 0.6
        else p.personal_email
    )
    if email is None:
        return
    joined = em.uniform(p.start_day, max(p.start_day + 1, p.quit_day))
    written = em.written_email(email, typo_rate=0.04)
    em.forum_email = written
    em.sink.event(
        COMMUNITY,
        joined,
        em.mid(),
        "track",
        event="Community Joined",
        email=written,
        traits=_community_profile(em),
    )
    for day in em.poisson_days(0.04 * p.engagement, joined, p.quit_day):
        em.sink.event(
            COMMUNITY,
            day,
            em.mid(),
            "track",
            event="Community Post" if g.random() < 0.4 else "Community Reply",
            email=written,
            properties={"channel": ("help", "show-and-tell", "announcements")[g.integers(3)]},
        )


def _github(em: Emitter) -> None:
    p, g = em.p, em.g
    active_from, end = p.start_day, p.quit_day
    if g.random() < 0.35 * (0.5 + p.engagement):
        _delivery(em, "star", em.uniform(active_from, end), action="created")
    if g.random() < 0.15 * (0.5 + p.engagement):
        _delivery(em, "fork", em.uniform(active_from, end))
    if "learn" in p.stage_days:
        a = p.stage_days["learn"]
        for day in em.poisson_days(0.012 * p.engagement, a, end):
            _delivery(em, "issues", day, action="opened")
        for day in em.poisson_days(0.02 * p.engagement, a, end):
            _delivery(em, "issue_comment", day, action="created")
        for day in em.poisson_days(0.004 * p.engagement, a, end):
            _delivery(em, "pull_request", day, action="opened")
        for day in em.poisson_days(0.004 * p.engagement, a, end):
            _delivery(em, "discussion", day, action="created")


def _delivery(
    em: Emitter, kind: str, day: float, action: str | None = None, repo: str | None = None
) -> None:
    """A GitHub webhook delivery in the shape GitHub sends."""
    g = em.g
    if em.sink.micros(day) >= em.sink.end_us:
        return
    repo = repo or vocab.REPOS[g.integers(len(vocab.REPOS))]
    login = em.gh()
    when = em.iso(day)
    if not em.profile_sent:
        em.profile_sent = True
        em.sink.github_profiles.append(_github_profile(em, login, when))
    number = int(g.integers(1, 5000))
    sender = {"login": login, "id": zlib.crc32(login.lower().encode()), "type": "User"}
    repository = {"full_name": repo, "html_url": f"https://github.com/{repo}"}
    payload: dict[str, object] = {"repository": repository, "sender": sender}
    if action:
        payload["action"] = action
    url = f"https://github.com/{repo}/issues/{number}"
    if kind == "star":
        payload["starred_at"] = when
    elif kind == "fork":
        payload["forkee"] = {"full_name": f"{login}/{repo.split('/')[1]}", "created_at": when}
    elif kind in ("issues", "issue_comment"):
        payload["issue"] = {
            "number": number,
            "title": "Question about the SDK",
            "html_url": url,
            "created_at": when,
            "updated_at": when,
        }
        if kind == "issue_comment":
            payload["comment"] = {"id": number * 7, "created_at": when, "body": "Thanks!"}
    elif kind == "pull_request":
        payload["number"] = number
        payload["pull_request"] = {
            "number": number,
            "title": "Fix typo in README",
            "html_url": url,
            "created_at": when,
            "updated_at": when,
            "merged": False,
        }
    elif kind == "discussion":
        payload["discussion"] = {
            "number": number,
            "title": "How do I paginate?",
            "created_at": when,
            "updated_at": when,
        }
    em.sink.github.append((kind, em.mid(), payload))


def _github_org(account: Account, when: str) -> dict[str, object]:
    """The organisation a GitHub connector fetches for an ``@org`` a profile names
    (``GET /orgs/{org}``). Most companies show their website there; one in five (chosen by
    the login, so no random draw shifts the rest of the company) leave it empty."""
    login = account.github_org
    shown = zlib.crc32(login.encode()) % 5 != 0
    return {
        "login": login,
        "id": zlib.crc32(f"org:{login}".encode()),
        "type": "Organization",
        "name": account.name,
        "blog": f"https://www.{account.domain}" if shown else "",
        "html_url": f"https://github.com/{login}",
        "updated_at": when,
    }


def _github_profile(em: Emitter, login: str, when: str) -> dict[str, object]:
    """The public profile a GitHub connector fetches for a login it first sees in a webhook
    (``GET /users/{login}``). As on GitHub, most developers show a display name, fewer
    their employer (as ``@org``, a name, or a legal name), and some a public email, which
    GitHub only allows for an address the account has verified."""
    p, g = em.p, em.later_g
    profile: dict[str, object] = {
        "login": login,
        "id": zlib.crc32(login.lower().encode()),
        "type": "User",
        "html_url": f"https://github.com/{login}",
        "name": em.written_name(g) if g.random() < 0.7 else None,
        "company": None,
        "blog": "",
        "email": None,
        "updated_at": when,
    }
    if p.account is not None and g.random() < 0.4:
        name, org = p.account.name, p.account.github_org
        written = int(g.integers(3))
        profile["company"] = (f"@{org}", name, f"{name}, Inc.")[written]
        if written == 0:
            em.sink.github_orgs.setdefault(org, _github_org(p.account, when))
        p.account_evidence.add("github_profile")
    elif p.account is None and g.random() < 0.15:
        profile["company"] = ("Freelance", "Self-employed", "Open source")[int(g.integers(3))]
    if g.random() < 0.2:
        public = (
            p.personal_email
            if p.personal_email and (p.work_email is None or g.random() < 0.7)
            else p.work_email
        )
        if public:
            profile["email"] = em.written_email(public, g=g)
    return profile


def _buyer(em: Emitter) -> None:
    p, g = em.p, em.g
    for day in em.poisson_days(0.02, p.start_day, p.quit_day):
        _page(em, day, "Pricing" if g.random() < 0.5 else "Website", "Pricing", signed_in=False)
    if p.account is not None and p.work_email and g.random() < 0.15 + 0.3 * p.account.need:
        day = em.uniform(p.start_day, p.quit_day)
        traits = {
            "email": em.written_email(p.work_email),
            "name": em.written_name(),
            "title": p.title,
            "company": p.account.name,
        }
        p.account_evidence.add("form")
        em.sink.event(WEB, day, em.mid(), "identify", anonymousId=em.anon(0), traits=traits)
        em.sink.event(
            WEB,
            day + 0.001,
            em.mid(),
            "track",
            event="Demo Requested",
            anonymousId=em.anon(0),
            email=p.work_email,
            properties={"form": "contact-sales"},
        )
        em.sink.records["form_leads"].append({"person": p, "day": day})


def _program_touches(em: Emitter) -> None:
    p, g = em.p, em.g
    for program, day in p.touches:
        if em.sink.micros(day) >= em.sink.end_us:
            continue
        external = f"{program.key}-{p.ref}-{int(day * 100)}"
        row: dict[str, object] = {
            "external_id": external,
            "system": "demo",
            "program_key": program.key,
            "occurred_at": em.start + timedelta(days=day),
        }
        if program.reached_by == "email":
            email = (
                p.work_email
                if p.work_email and g.random() < 0.7
                else (p.personal_email or p.work_email)
            )
            if email is None:
                continue
            community = program.kind == "community"
            before = (set(em.keys), set(p.account_evidence)) if community else None
            written = em.written_email(email, typo_rate=0.04)
            if before is not None:
                written = _forum_member(em, written, day, before)
            elif program.key == "analyst_report":
                _gated_download(em, written, day)
            row |= {"email": written, "action": _action(program.kind)}
            if program.kind == "email":
                _newsletter_signup(em, written, day)
            if program.kind in ("event", "webinar", "sponsorship"):
                em.sink.event(
                    EVENTS,
                    day,
                    em.mid(),
                    "track",
                    event="Event Registered",
                    email=written,
                    properties={"event": program.name},
                    traits=_registration(em),
                )
                if g.random() < 0.7:
                    em.sink.event(
                        EVENTS,
                        day + 0.5,
                        em.mid(),
                        "track",
                        event="Event Attended",
                        email=written,
                        properties={"event": program.name},
                    )
                    row["action"] = "attended"
        elif program.reached_by == "github" and p.github:
            row |= {"github": p.github, "action": "starred"}
            _delivery(em, "star", day, action="created", repo="acme/examples")
        else:
            device = _page(
                em,
                day,
                "Docs" if program.channel == "docs" else "Website",
                program.name,
                signed_in=p.user_id is not None and p.reached("evaluate", day),
                campaign=program.key,
            )
            row |= {"anonymous_id": device, "action": "clicked"}
        em.sink.records["touchpoints"].append(row)


def _newsletter_signup(em: Emitter, email: str, day: float) -> None:
    """Most newsletter readers subscribed through the form on the website, which sends an
    ``identify`` with the address from the browser they read the docs with (as
    analytics.js does on a form submit); the rest came from a booth scan or a list."""
    g = em.later_g
    if email in em.subscribed or g.random() >= 0.7:
        return
    em.subscribed.add(email)
    signed_up = max(em.p.start_day, day - float(g.uniform(1, 60)))
    em.sink.event(
        WEB,
        signed_up,
        em.mid(),
        "identify",
        anonymousId=em.anon(0),
        traits={"email": email},
        context={"page": {"path": "/newsletter"}},
    )


def _forum_member(em: Emitter, drafted: str, day: float, before: tuple[set[str], set[str]]) -> str:
    """A community program's members are forum accounts: its list names the address the
    account uses, not one drawn afresh. The address ``drafted`` for the list (drawn as
    before, so every other draw stays as it was) is used only by someone the program
    reached before they joined the forum, who joins now with the profile forums show;
    otherwise what drafting it recorded (``before``: truth keys and evidence) is undone."""
    if em.forum_email is not None:
        em.keys, em.p.account_evidence = before
        return em.forum_email
    g = em.later_g
    em.forum_email = drafted
    profile: dict[str, object] = {"name": em.written_name(g)}
    if em.p.github and g.random() < 0.8:
        profile["github"] = em.p.github
        em.keys.add(f"github:{normalise_github(em.p.github)}")
    if em.sink.micros(day) < em.sink.end_us:
        em.sink.event(COMMUNITY, day, em.mid(), "track", event="Community Joined",
                      email=drafted, traits=profile)  # fmt: skip
    return drafted


def _gated_download(em: Emitter, email: str, day: float) -> None:
    """An analyst report is downloaded through a form on the website that asks what such
    forms ask (name, company, job title) and, like any form analytics.js watches, sends an
    ``identify`` from the browser the reader is on."""
    p, g = em.p, em.later_g
    traits: dict[str, object] = {"email": email, "name": em.written_name(g), "title": p.title}
    if p.account is not None:
        traits["company"] = p.account.name
        p.account_evidence.add("form")
    em.sink.event(WEB, max(p.start_day, day - 0.01), em.mid(), "identify",
                  anonymousId=em.anon(0), traits=traits,
                  context={"page": {"path": "/resources/analyst-report"}})  # fmt: skip


def _community_profile(em: Emitter) -> dict[str, object]:
    """What a forum profile holds: a name, and usually the GitHub account people sign in
    to the forum with."""
    profile: dict[str, object] = {"name": em.written_name()}
    if em.p.github and em.g.random() < 0.8:
        profile["github"] = em.gh()
    return profile


def _registration(em: Emitter) -> dict[str, object]:
    """What an event registration form asks: name, company and job title."""
    form: dict[str, object] = {"name": em.written_name(), "title": em.p.title}
    if em.p.account is not None:
        form["company"] = em.p.account.name
        em.p.account_evidence.add("form")
    return form


def _action(kind: str) -> str:
    return {
        "event": "registered",
        "webinar": "registered",
        "sponsorship": "visited_booth",
        "community": "joined",
        "email": "clicked",
        "content": "downloaded",
    }.get(kind, "engaged")
