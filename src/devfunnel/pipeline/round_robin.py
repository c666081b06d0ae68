"""Round robin within a team, weighted by capacity, skipping members who are away or at
their daily cap.

The weighting is smooth weighted round robin (the algorithm nginx uses): each eligible
member's running credit grows by their capacity, the one with the most credit gets the
lead and gives back the team's total eligible capacity. Over any stretch, assignments
follow the capacities (1.0, 1.0, 0.5 gives 2:2:1) without bursts, a member who was away
does not come back owed a pile of leads, and a newly added member starts level.

The credits are durable (``app_state``, one key per team) and are read and written by
``route_lead`` under ``store.exclusive("routing")``, so concurrent routers, threads or
processes, never hand out the same turn twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.sales import Team
from devfunnel.pipeline.common import load_json
from devfunnel.pipeline.directory import UserRef, users_by_email
from devfunnel.store.schema.admin import app_state
from devfunnel.store.schema.pipeline import leads

STATE_PREFIX = "routing.round_robin."


@dataclass
class Pick:
    """Who round robin chose in a team (``None`` when nobody could take a lead), the
    members skipped and why, and the credits to store if the choice is kept."""

    team: str
    user: UserRef | None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    credits: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        skipped = "; ".join(f"{email} {why}" for email, why in self.skipped)
        if self.user is None:
            return f"nobody in team {self.team} can take it ({skipped or 'no members'})"
        text = f"round robin in team {self.team} picked {self.user.email}"
        return f"{text} (skipped: {skipped})" if skipped else text


def day_bounds(settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """The company's calendar day holding ``now`` (``company.timezone``), for daily caps."""
    zone = ZoneInfo(settings.company.timezone)
    local = now.astimezone(zone).date()
    start = datetime.combine(local, time(), tzinfo=zone)
    return start, start + timedelta(days=1)


def assigned_today(
    conn: sa.Connection, settings: Settings, users: list[UserRef], now: datetime
) -> dict[str, int]:
    """Leads routed to each user during the company's current day."""
    if not users:
        return {}
    start, end = day_bounds(settings, now)
    lc = leads.c
    rows = conn.execute(
        sa.select(lc.owner_id, sa.func.count())
        .where(lc.owner_id.in_([u.id for u in users]), lc.routed_at >= start, lc.routed_at < end)
        .group_by(lc.owner_id)
    )
    by_id = {owner: int(n) for owner, n in rows}
    return {u.email.lower(): by_id.get(u.id, 0) for u in users}


def load_credits(conn: sa.Connection, team_id: str) -> dict[str, float]:
    value = conn.execute(
        sa.select(app_state.c.value).where(app_state.c.key == STATE_PREFIX + team_id)
    ).scalar()
    data: Any = load_json(value)
    credits = data.get("credits") if isinstance(data, dict) else None
    return {str(k): float(v) for k, v in (credits or {}).items()}


def save_credits(
    conn: sa.Connection, team_id: str, credits: dict[str, float], now: datetime
) -> None:
    key = STATE_PREFIX + team_id
    conn.execute(app_state.delete().where(app_state.c.key == key))
    conn.execute(app_state.insert().values(key=key, value={"credits": credits}, updated_at=now))


def pick(conn: sa.Connection, settings: Settings, team: Team, now: datetime) -> Pick:
    """Choose the next member of ``team`` for a lead; nothing is written (``save_credits``
    with ``Pick.credits`` keeps the choice)."""
    result = Pick(team.id, None)
    known = users_by_email(conn, [m.email for m in team.members])
    counts = assigned_today(conn, settings, list(known.values()), now)
    eligible: list[tuple[int, float, UserRef]] = []
    for index, member in enumerate(team.members):
        email = member.email.lower()
        user = known.get(email)
        if user is None:
            result.skipped.append((email, "is not a devfunnel user"))
        elif not user.active:
            result.skipped.append((email, "is inactive"))
        elif user.away(now):
            until = user.out_of_office_until
            result.skipped.append((email, f"is out of office until {until:%Y-%m-%d %H:%M} UTC"))
        elif member.daily_cap is not None and counts.get(email, 0) >= member.daily_cap:
            result.skipped.append((email, f"is at their daily cap of {member.daily_cap}"))
        else:
            eligible.append((index, member.capacity, user))
    credits = load_credits(conn, team.id)
    if not eligible:
        result.credits = credits
        return result
    total = sum(capacity for _, capacity, _ in eligible)
    for _, capacity, user in eligible:
        email = user.email.lower()
        credits[email] = credits.get(email, 0.0) + capacity
    # Most credit wins; ties go to the member listed first.
    _, _, chosen = max(eligible, key=lambda e: (credits[e[2].email.lower()], -e[0]))
    credits[chosen.email.lower()] -= total
    # Keep only current members, rounded so the stored state does not drift.
    members = {m.email.lower() for m in team.members}
    result.credits = {k: round(v, 9) for k, v in credits.items() if k in members}
    result.user = chosen
    return result
