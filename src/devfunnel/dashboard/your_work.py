""" "Your work": what the signed-in person should look at first, by role.

- sellers, sales managers and customer success: their handoffs waiting, their accounts
  with the most developer momentum, their breached leads (sales managers: the team's);
- DevRel and product: the newest PQAs and the accounts gaining momentum in the
  evaluation stages, plus handoffs they sent that wait for an answer;
- admins and viewers: the newest PQAs and the handoffs waiting across the company.

Each section is a short list with a link to the full, filtered list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from devfunnel.admin.permissions import Principal
from devfunnel.config import Settings
from devfunnel.dashboard.account_list import AccountQuery, AccountRow, list_accounts
from devfunnel.pipeline.common import utc_now
from devfunnel.pipeline.handoff_records import HandoffView, list_handoffs
from devfunnel.pipeline.lead_records import LeadView, list_leads
from devfunnel.store import Store
from devfunnel.store.schema.scores import account_scores

SALES_ROLES = ("seller", "sales_manager", "customer_success")
SHOWN = 6
_WEEK = timedelta(days=7)


@dataclass
class WorkSection:
    key: str
    title: str
    #: Where the whole list is.
    link: str
    accounts: list[AccountRow] = field(default_factory=list)
    handoffs: list[HandoffView] = field(default_factory=list)
    leads: list[LeadView] = field(default_factory=list)
    total: int = 0
    empty: str = "Nothing here."


def your_work(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    handoffs_link: str = "/api/v1/handoffs?state=pending",
    leads_link: str = "/api/v1/leads?breached=true",
    now: datetime | None = None,
) -> list[WorkSection]:
    at = utc_now(now)
    me = principal.user_id
    role = principal.role or "viewer"
    sections: list[WorkSection] = []
    if role in SALES_ROLES and me is not None:
        mine = role != "sales_manager"
        waiting = list_handoffs(
            store,
            settings,
            state="pending",
            to_user=str(me) if mine else None,
            limit=SHOWN,
            now=at,
        )
        sections.append(
            WorkSection(
                "handoffs",
                "Handoffs waiting for you" if mine else "Handoffs waiting on the team",
                handoffs_link,
                handoffs=list(waiting.items),
                total=waiting.total,
                empty="No handoff is waiting.",
            )
        )
        query = AccountQuery(owner="me") if mine else AccountQuery(pqa=True)
        found = list_accounts(store, settings, query, me=me, limit=SHOWN)
        sections.append(
            WorkSection(
                "accounts",
                "Your accounts by developer momentum" if mine else "PQAs by momentum",
                "/accounts?" + "&".join(f"{k}={v}" for k, v in query.params().items()),
                accounts=found.items,
                total=found.total,
                empty="You own no accounts yet." if mine else "No PQA accounts.",
            )
        )
        breached = list_leads(
            store, owner=str(me) if mine else None, breached=True, status="open", limit=SHOWN
        )
        sections.append(
            WorkSection(
                "leads",
                "Your leads past their SLA" if mine else "Leads past their SLA",
                leads_link,
                leads=list(breached.items),
                total=breached.total,
                empty="No lead is past its SLA.",
            )
        )
        return sections
    sections.append(_new_pqas(store, settings, at))
    if role in ("devrel", "product"):
        evaluating = AccountQuery(
            stage=settings.journey.stage_ids()[min(1, len(settings.journey.stage_ids()) - 1)]
        )
        found = list_accounts(store, settings, evaluating, limit=SHOWN)
        sections.append(
            WorkSection(
                "evaluating",
                "Evaluating now, by momentum",
                "/accounts?" + "&".join(f"{k}={v}" for k, v in evaluating.params().items()),
                accounts=found.items,
                total=found.total,
                empty="No account is evaluating.",
            )
        )
    sent = role == "devrel" and me is not None
    waiting = list_handoffs(
        store,
        settings,
        state="pending",
        from_user=str(me) if sent else None,
        limit=SHOWN,
        now=at,
    )
    sections.append(
        WorkSection(
            "handoffs",
            "Your handoffs waiting for an answer" if sent else "Handoffs waiting",
            handoffs_link,
            handoffs=list(waiting.items),
            total=waiting.total,
            empty="No handoff is waiting.",
        )
    )
    return sections


def _new_pqas(store: Store, settings: Settings, at: datetime) -> WorkSection:
    """Accounts that became PQA in the last 7 days, strongest momentum first."""
    s = account_scores.c
    with store.read() as conn:
        recent = conn.execute(
            sa.select(sa.func.count()).where(
                s.pqa.is_(True), s.pqa_since >= at - _WEEK, s.pqa_since <= at
            )
        ).scalar_one()
    found = list_accounts(store, settings, AccountQuery(pqa=True), limit=SHOWN)
    return WorkSection(
        "pqas",
        f"PQAs ({int(recent)} new this week)",
        "/accounts?pqa=true",
        accounts=found.items,
        total=found.total,
        empty="No PQA accounts yet.",
    )
