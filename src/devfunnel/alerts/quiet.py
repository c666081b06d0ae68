"""Deals that went quiet while their developers went quiet.

A deal alone going quiet is common (a buyer on holiday); developers still building means
the evaluation goes on. The signal worth an alert is both at once. With ``q`` =
``pipeline.quiet_after_days``, an open opportunity is *quiet* at ``now`` when:

- the deal: no conversation on the opportunity or its account and no stage change since
  ``now - q`` (nor was the opportunity created since), and
- its developers: the account's people who are not business buyers, staff or bots had at
  least one event before ``now - q`` and none since. Events are read through identities
  (``events.identity_key = identities.key``), so merges and unmerges are respected.

The occurrence is keyed by the last sign of life (the later of the last deal touch and the
last developer event): if either side comes back and goes quiet again, that is a new
alert. It happened at that moment plus ``q``. The payload says how many developer events
the account's developers had in the ``q`` days up to their last one, so the drop can be
seen.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.alerts.context import account_info, count, iso, user_info
from devfunnel.alerts.occurrence import Occurrence, alert_payload
from devfunnel.config import Settings
from devfunnel.money import Money
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import identities, people
from devfunnel.store.schema.pipeline import conversations, opportunities, stage_history


def deals_gone_quiet(
    conn: sa.Connection, settings: Settings, now: datetime, cutoff: datetime
) -> list[Occurrence]:
    q = timedelta(days=settings.pipeline.quiet_after_days)
    o = opportunities.c
    deals = conn.execute(
        sa.select(
            o.id,
            o.account_id,
            o.name,
            o.stage,
            o.amount_minor,
            o.currency,
            o.owner_id,
            o.close_date,
            o.created_at,
        ).where(o.status == "open", o.created_at <= now - q)
    ).all()
    if not deals:
        return []
    touched = _last_deal_touch(conn, list(deals), now)
    quiet_deals = [d for d in deals if touched[d.id] <= now - q]
    developers = developer_activity(conn, {d.account_id for d in quiet_deals}, now, q)
    infos = account_info(conn, (d.account_id for d in quiet_deals))
    owners = user_info(conn, (d.owner_id for d in quiet_deals))
    stages = {s.id: s.label for s in settings.pipeline.stages}
    found = []
    for deal in quiet_deals:
        activity = developers.get(deal.account_id)
        if activity is None or activity["last"] > now - q:
            continue
        last_sign = max(touched[deal.id], activity["last"])
        occurred = last_sign + q
        if occurred < cutoff:
            continue
        info = infos.get(deal.account_id)
        owner = owners.get(deal.owner_id) if deal.owner_id else None
        days = settings.pipeline.quiet_after_days
        amount = (
            str(Money(deal.amount_minor, deal.currency)) if deal.amount_minor is not None else None
        )
        why = [
            f"No conversation or stage change since {touched[deal.id]:%Y-%m-%d} "
            f"({count((now - touched[deal.id]).days, 'day')}).",
            f"Its developers went quiet too: {count(activity['before'], 'event')} in the "
            f"{count(days, 'day')} up to {activity['last']:%Y-%m-%d}, none since.",
        ]
        facts: dict[str, Any] = {
            "opportunity_id": str(deal.id),
            "opportunity": deal.name,
            "stage": stages.get(deal.stage, deal.stage),
            "amount": amount,
            "close_date": deal.close_date.isoformat() if deal.close_date else None,
            "last_deal_activity": iso(touched[deal.id]),
            "last_developer_event": iso(activity["last"]),
            "developer_events_before": activity["before"],
            "developer_events_recent": 0,
            "developers": activity["people"],
            "quiet_after_days": days,
        }
        name = info.name if info else "an account"
        found.append(
            Occurrence(
                "deal_quiet",
                f"deal_quiet:{deal.id}:{iso(last_sign)}",
                deal.account_id,
                alert_payload(
                    settings,
                    "deal_quiet",
                    title=f"{deal.name} ({name}) went quiet, and so did its developers",
                    summary=f"No deal activity for {count((now - touched[deal.id]).days, 'day')} "
                    f"and no developer events for {count((now - activity['last']).days, 'day')}.",
                    account=info.as_json() if info else None,
                    owner=owner.as_json() if owner else None,
                    why=why,
                    path=f"accounts/{deal.account_id}",
                    occurred_at=occurred,
                    facts=facts,
                ),
            )
        )
    return found


def _last_deal_touch(
    conn: sa.Connection, deals: list[Any], now: datetime
) -> dict[uuid.UUID, datetime]:
    """The latest of creation, conversations (on the deal or its account) and stage moves."""
    last = {d.id: d.created_at for d in deals}
    by_account: dict[uuid.UUID, list[uuid.UUID]] = {}
    for d in deals:
        by_account.setdefault(d.account_id, []).append(d.id)
    c, h = conversations.c, stage_history.c
    ids = sorted(last)
    for part in chunked(ids):
        query = (
            sa.select(h.opportunity_id, sa.func.max(h.changed_at))
            .where(h.opportunity_id.in_(part), h.changed_at <= now)
            .group_by(h.opportunity_id)
        )
        for deal_id, at in conn.execute(query):
            last[deal_id] = max(last[deal_id], at)
    for part in chunked(sorted(by_account)):
        query = (
            sa.select(c.account_id, sa.func.max(c.occurred_at))
            .where(c.account_id.in_(part), c.occurred_at <= now)
            .group_by(c.account_id)
        )
        for account_id, at in conn.execute(query):
            for deal_id in by_account[account_id]:
                last[deal_id] = max(last[deal_id], at)
    return last


def _developer_events(columns: list[Any], account_ids: Any, now: datetime) -> sa.Select[Any]:
    """Events up to ``now`` of the accounts' developers: their people who are not business
    buyers, staff or bots, found through identities (so merges are respected)."""
    e, i, p = events.c, identities.c, people.c
    return (
        sa.select(*columns)
        .select_from(events)
        .join(identities, i.key == e.identity_key)
        .join(people, p.id == i.person_id)
        .where(
            p.account_id.in_(account_ids),
            p.merged_into.is_(None),
            p.persona != "business",
            p.is_internal.is_(sa.false()),
            p.is_bot.is_(sa.false()),
            e.timestamp <= now,
        )
    )


def developer_activity(
    conn: sa.Connection, account_ids: set[uuid.UUID], now: datetime, window: timedelta
) -> dict[uuid.UUID, dict[str, Any]]:
    """Per account, its developers' events up to ``now``: the last one, how many distinct
    people were active, and, for accounts quiet for ``window``, how many events they had in
    the ``window`` that ended with the last one (the level of activity that stopped)."""
    e, p = events.c, people.c
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for part in chunked(sorted(account_ids)):
        columns = [p.account_id, sa.func.max(e.timestamp), sa.func.count(sa.distinct(p.id))]
        query = _developer_events(columns, part, now).group_by(p.account_id)
        for account_id, last, active in conn.execute(query):
            found[account_id] = {"last": last, "before": 0, "people": int(active)}
    for account_id, activity in found.items():
        if activity["last"] <= now - window:
            query = _developer_events([sa.func.count()], [account_id], now).where(
                e.timestamp > activity["last"] - window
            )
            activity["before"] = int(conn.execute(query).scalar_one())
    return found
