"""Leads from scores: a person who becomes a PQL, an account that becomes a PQA.

Scores are written by the scoring service (``person_scores.pql``,
``account_scores.pqa`` with ``pqa_since``); this reads them and creates the leads sales
should act on, each with a snapshot of the scores and their ``why``. With no scores yet
it does nothing.

- A PQL lead names the person and their account. A PQA lead names the account and its
  most engaged scored developer, if any.
- Duplicates are not created: an open lead of the person, or an open opportunity or lead
  at the account, already covers it (``pipeline/dedupe.py``).
- Neither is re-created while an earlier one of the same source is recent: for a person,
  a PQL lead created within ``scoring.window_days``; for an account, a PQA lead created
  since it became PQA (``pqa_since``) or within ``scoring.window_days``. So a lead that
  sales disqualified does not come straight back.
- Internal people, bots and merged people and accounts never become leads.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from devfunnel.admin.permissions import Principal
from devfunnel.config import Settings
from devfunnel.pipeline.common import SYSTEM_PRINCIPAL, as_utc, utc_now
from devfunnel.pipeline.dedupe import OpenRecords
from devfunnel.pipeline.facts import scores
from devfunnel.pipeline.leads import insert_lead
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.pipeline import leads
from devfunnel.store.schema.scores import account_scores, person_scores


@dataclass
class ScoredLeads:
    """What a run created, and what it skipped as duplicates (by ``kind:on``)."""

    created: list[uuid.UUID] = field(default_factory=list)
    duplicates: Counter[str] = field(default_factory=Counter)
    recent: int = 0


def leads_from_scores(
    store: Store,
    settings: Settings,
    *,
    principal: Principal = SYSTEM_PRINCIPAL,
    now: datetime | None = None,
) -> ScoredLeads:
    """Create leads for PQL people and PQA accounts that have none (not routed here)."""
    at = utc_now(now)
    window = at - timedelta(days=settings.scoring.window_days)
    report = ScoredLeads()
    with store.exclusive("leads") as conn:
        open_records = OpenRecords(conn)
        for person_id, account_id in _pql_people(conn, window):
            _create(conn, principal, report, open_records, "pql", person_id, account_id, at)
        for account_id, pqa_since in _pqa_accounts(conn):
            if _recent_pqa(conn, account_id, pqa_since, window):
                report.recent += 1
                continue
            top = _top_developer(conn, account_id)
            _create(conn, principal, report, open_records, "pqa", top, account_id, at)
    return report


def _create(
    conn: sa.Connection,
    principal: Principal,
    report: ScoredLeads,
    open_records: OpenRecords,
    source: str,
    person_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    at: datetime,
) -> None:
    duplicate = open_records.find(person_id, account_id)
    if duplicate is not None:
        report.duplicates[f"{duplicate.kind}:{duplicate.on}"] += 1
        return
    snapshot = {"reason": source, **scores(conn, person_id, account_id)}
    lead_id = insert_lead(
        conn,
        principal,
        source=source,
        person_id=person_id,
        account_id=account_id,
        at=at,
        snapshot=snapshot,
    )
    open_records.add(lead_id, person_id, account_id)
    report.created.append(lead_id)


def _pql_people(conn: sa.Connection, window: datetime) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    """PQL people with no PQL lead created within the window."""
    ps, pc, lc = person_scores.c, people.c, leads.c
    recent = sa.exists().where(
        lc.person_id == ps.person_id, lc.source == "pql", lc.created_at >= window
    )
    rows = conn.execute(
        sa.select(ps.person_id, pc.account_id)
        .select_from(person_scores.join(people, pc.id == ps.person_id))
        .where(
            ps.pql.is_(True),
            pc.merged_into.is_(None),
            pc.is_internal.is_(False),
            pc.is_bot.is_(False),
            ~recent,
        )
        .order_by(ps.engagement.desc(), ps.person_id)
    )
    return [(r.person_id, r.account_id) for r in rows]


def _pqa_accounts(conn: sa.Connection) -> list[tuple[uuid.UUID, datetime | None]]:
    s, a = account_scores.c, accounts.c
    rows = conn.execute(
        sa.select(s.account_id, s.pqa_since)
        .select_from(account_scores.join(accounts, a.id == s.account_id))
        .where(s.pqa.is_(True), a.merged_into.is_(None))
        .order_by(s.momentum.desc(), s.account_id)
    )
    return [(r.account_id, as_utc(r.pqa_since)) for r in rows]


def _recent_pqa(
    conn: sa.Connection, account_id: uuid.UUID, since: datetime | None, window: datetime
) -> bool:
    lc = leads.c
    start = min(since, window) if since is not None else window
    found = conn.execute(
        sa.select(lc.id)
        .where(lc.account_id == account_id, lc.source == "pqa", lc.created_at >= start)
        .limit(1)
    ).first()
    return found is not None


def _top_developer(conn: sa.Connection, account_id: uuid.UUID) -> uuid.UUID | None:
    ps, pc = person_scores.c, people.c
    return conn.execute(
        sa.select(ps.person_id)
        .select_from(person_scores.join(people, pc.id == ps.person_id))
        .where(
            pc.account_id == account_id,
            pc.merged_into.is_(None),
            pc.is_internal.is_(False),
            pc.is_bot.is_(False),
        )
        .order_by(ps.engagement.desc(), ps.person_id)
        .limit(1)
    ).scalar()
