"""One open lead or opportunity per person and account: a new lead that would duplicate
one is not created, and the caller is told which record it matched.

Order of the checks, strongest first: an open lead of the same person; an open
opportunity at the same account; an open lead at the same account. Open leads are
``new``, ``working`` or ``qualified``; open opportunities have status ``open``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from devfunnel.store.schema.pipeline import leads, opportunities

OPEN_LEAD_STATUSES = ("new", "working", "qualified")


@dataclass(frozen=True)
class Duplicate:
    """The open record a new lead would duplicate: ``kind`` lead or opportunity, matched
    ``on`` the same person or the same account."""

    kind: str
    id: uuid.UUID
    on: str

    @property
    def sentence(self) -> str:
        return f"an open {self.kind} of the same {self.on} already exists ({self.id})"


def find_duplicate(
    conn: sa.Connection, person_id: uuid.UUID | None, account_id: uuid.UUID | None
) -> Duplicate | None:
    """The open lead or opportunity a lead for this person and account would duplicate."""
    lc, oc = leads.c, opportunities.c
    is_open = lc.status.in_(OPEN_LEAD_STATUSES)
    if person_id is not None:
        found = conn.execute(
            sa.select(lc.id).where(lc.person_id == person_id, is_open).order_by(lc.created_at)
        ).first()
        if found is not None:
            return Duplicate("lead", found.id, "person")
    if account_id is not None:
        found = conn.execute(
            sa.select(oc.id)
            .where(oc.account_id == account_id, oc.status == "open")
            .order_by(oc.created_at)
        ).first()
        if found is not None:
            return Duplicate("opportunity", found.id, "account")
        found = conn.execute(
            sa.select(lc.id).where(lc.account_id == account_id, is_open).order_by(lc.created_at)
        ).first()
        if found is not None:
            return Duplicate("lead", found.id, "account")
    return None


class OpenRecords:
    """Open leads and opportunities held in memory, for checking many new leads at once
    (``find`` answers as ``find_duplicate`` would; ``add`` records a lead just created)."""

    def __init__(self, conn: sa.Connection) -> None:
        lc, oc = leads.c, opportunities.c
        self.person_leads: dict[uuid.UUID, uuid.UUID] = {}
        self.account_leads: dict[uuid.UUID, uuid.UUID] = {}
        self.account_opportunities: dict[uuid.UUID, uuid.UUID] = {}
        for row in conn.execute(
            sa.select(lc.id, lc.person_id, lc.account_id)
            .where(lc.status.in_(OPEN_LEAD_STATUSES))
            .order_by(lc.created_at.desc())
        ):
            self.add(row.id, row.person_id, row.account_id)
        for opp_id, account_id in conn.execute(
            sa.select(oc.id, oc.account_id)
            .where(oc.status == "open")
            .order_by(oc.created_at.desc())
        ):
            self.account_opportunities[account_id] = opp_id

    def add(
        self, lead_id: uuid.UUID, person_id: uuid.UUID | None, account_id: uuid.UUID | None
    ) -> None:
        if person_id is not None:
            self.person_leads[person_id] = lead_id
        if account_id is not None:
            self.account_leads[account_id] = lead_id

    def find(self, person_id: uuid.UUID | None, account_id: uuid.UUID | None) -> Duplicate | None:
        if person_id is not None and person_id in self.person_leads:
            return Duplicate("lead", self.person_leads[person_id], "person")
        if account_id is not None:
            if account_id in self.account_opportunities:
                return Duplicate("opportunity", self.account_opportunities[account_id], "account")
            if account_id in self.account_leads:
                return Duplicate("lead", self.account_leads[account_id], "account")
        return None
