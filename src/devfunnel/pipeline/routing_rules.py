"""The routing configuration as people read it: the order of steps, each rule's
conditions and target, and each team's members with their capacity, daily cap, how many
leads they got today and whether they are available now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devfunnel.config import Settings
from devfunnel.pipeline.common import utc_now
from devfunnel.pipeline.directory import users_by_email
from devfunnel.pipeline.round_robin import assigned_today
from devfunnel.pipeline.routing import describe
from devfunnel.store import Store


@dataclass(frozen=True)
class Member:
    email: str
    capacity: float
    daily_cap: int | None
    assigned_today: int
    #: available, out_of_office, inactive, at_daily_cap or not_a_user
    availability: str
    out_of_office_until: datetime | None


@dataclass(frozen=True)
class TeamView:
    id: str
    label: str
    role: str
    manager: str | None
    members: list[Member]


@dataclass(frozen=True)
class RuleView:
    id: str
    description: str
    when: list[dict[str, Any]]
    conditions: list[str]
    team: str | None
    user: str | None


@dataclass(frozen=True)
class RoutingOverview:
    respect_account_owner: bool
    rules: list[RuleView]
    fallback_team: str
    sla_minutes: dict[str, int]
    escalate_after_minutes: int
    teams: list[TeamView]


def routing_overview(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> RoutingOverview:
    at = utc_now(now)
    config = settings.routing
    rules = [
        RuleView(
            r.id,
            r.description,
            [c.model_dump() for c in r.when],
            [describe(c) for c in r.when],
            r.team,
            r.user,
        )
        for r in config.rules
    ]
    teams = []
    with store.read() as conn:
        for team in config.teams:
            known = users_by_email(conn, [m.email for m in team.members])
            counts = assigned_today(conn, settings, list(known.values()), at)
            members = []
            for m in team.members:
                user = known.get(m.email.lower())
                count = counts.get(m.email.lower(), 0)
                if user is None:
                    state = "not_a_user"
                elif not user.active:
                    state = "inactive"
                elif user.away(at):
                    state = "out_of_office"
                elif m.daily_cap is not None and count >= m.daily_cap:
                    state = "at_daily_cap"
                else:
                    state = "available"
                members.append(
                    Member(
                        m.email,
                        m.capacity,
                        m.daily_cap,
                        count,
                        state,
                        user.out_of_office_until if user else None,
                    )
                )
            teams.append(TeamView(team.id, team.label, team.role, team.manager, members))
    return RoutingOverview(
        config.respect_account_owner,
        rules,
        config.fallback_team,
        dict(config.sla_minutes),
        config.escalate_after_minutes,
        teams,
    )
