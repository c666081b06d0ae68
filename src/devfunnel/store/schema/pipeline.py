"""Leads, opportunities and everything sellers record about them, including handoffs.

Stage names are the company's (configuration), so they are not check-constrained here;
the pipeline service validates them against the configured stages.
"""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    Timestamp,
    created_at,
    currency,
    id_column,
    metadata,
    minor,
    one_of,
    ref,
    soft_ref,
    updated_at,
)
from devfunnel.vocabulary import LEAD_SOURCES, OPPORTUNITY_TYPES, QUALIFICATION_ELEMENTS

leads = sa.Table(
    "leads", metadata,
    id_column(),
    soft_ref("person_id", index=True),
    ref("account_id", "accounts"),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner_id", sa.Uuid, sa.ForeignKey("users.id"), index=True),
    #: Which routing rule assigned it (account_owner, a rule id, or round_robin:<team>).
    sa.Column("routed_by", sa.String(96)),
    sa.Column("routed_at", Timestamp),
    #: The team the lead was routed to (a routing.teams id), and why, in words.
    sa.Column("routed_team", sa.String(64)),
    sa.Column("routing_reason", sa.Text),
    sa.Column("sla_due_at", Timestamp),
    sa.Column("first_touch_at", Timestamp),
    sa.Column("breached_at", Timestamp),
    sa.Column("escalated_at", Timestamp),
    #: The manager an SLA breach was escalated to.
    sa.Column("escalated_to", sa.Uuid),
    sa.Column("converted_opportunity_id", sa.Uuid),
    sa.Column("disqualified_reason", sa.String(300)),
    #: Scores and journey stage at creation, for explaining why it became a lead.
    sa.Column("snapshot", Json),
    #: "<system>:<id>" of the record this was imported from; re-imports update it.
    sa.Column("external_key", sa.String(160), unique=True),
    sa.Column("created_by", sa.Uuid),
    created_at(),
    updated_at(),
    one_of("source", LEAD_SOURCES),
    one_of("status", ("new", "working", "qualified", "disqualified", "converted")),
)  # fmt: skip

opportunities = sa.Table(
    "opportunities", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("stage", sa.String(64), nullable=False, index=True),
    minor("amount"),
    currency(),
    sa.Column("close_date", sa.Date),
    sa.Column("owner_id", sa.Uuid, sa.ForeignKey("users.id"), index=True),
    soft_ref("primary_contact_id"),
    soft_ref("economic_buyer_contact_id"),
    sa.Column("next_step", sa.String(500)),
    sa.Column("use_case", sa.String(500)),
    sa.Column("competitor", sa.String(200)),
    #: Seller's overrides of the stage defaults; null means "use the stage's".
    sa.Column("forecast_category", sa.String(64)),
    sa.Column("probability", sa.Double),
    sa.Column("status", sa.String(8), nullable=False, index=True),
    sa.Column("closed_at", Timestamp),
    sa.Column("lost_reason", sa.String(300)),
    sa.Column("lead_id", sa.Uuid, sa.ForeignKey("leads.id")),
    #: What was promised to the customer while selling (a list of sentences), carried
    #: into onboarding and success handoffs.
    sa.Column("commitments", Json),
    #: "<system>:<id>" of the CRM record; re-imports update the same opportunity.
    sa.Column("external_key", sa.String(160), unique=True),
    created_at(),
    updated_at(),
    one_of("type", OPPORTUNITY_TYPES),
    one_of("status", ("open", "won", "lost")),
)  # fmt: skip

stage_history = sa.Table(
    "stage_history", metadata,
    id_column(),
    ref("opportunity_id", "opportunities", nullable=False),
    sa.Column("from_stage", sa.String(64)),
    sa.Column("to_stage", sa.String(64), nullable=False),
    sa.Column("changed_at", Timestamp, nullable=False),
    sa.Column("changed_by", sa.Uuid),
    #: Set when an admin moved the deal past unmet exit criteria: why, and what was unmet.
    sa.Column("override_reason", sa.Text),
    sa.Column("unmet_criteria", Json),
)  # fmt: skip

opportunity_changes = sa.Table(
    "opportunity_changes", metadata,
    id_column(),
    ref("opportunity_id", "opportunities", nullable=False),
    #: amount, close_date, owner, forecast_category, probability
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("old_value", sa.String(200)),
    sa.Column("new_value", sa.String(200)),
    sa.Column("changed_at", Timestamp, nullable=False),
    sa.Column("changed_by", sa.Uuid),
)  # fmt: skip

qualification = sa.Table(
    "qualification", metadata,
    id_column(),
    ref("opportunity_id", "opportunities", nullable=False),
    sa.Column("framework", sa.String(16), nullable=False),
    sa.Column("element", sa.String(32), nullable=False),
    #: 0 unknown, 1 partial, 2 validated.
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("evidence", sa.Text),
    sa.Column("evidence_url", sa.String(2000)),
    soft_ref("contact_id"),
    sa.Column("updated_by", sa.Uuid),
    updated_at(),
    sa.UniqueConstraint("opportunity_id", "element"),
    sa.CheckConstraint("score IN (0, 1, 2)", name="score_valid"),
    one_of("element", QUALIFICATION_ELEMENTS),
)  # fmt: skip

technical_validations = sa.Table(
    "technical_validations", metadata,
    id_column(),
    ref("opportunity_id", "opportunities"),
    ref("account_id", "accounts", nullable=False),
    sa.Column("active_developers", sa.Integer, nullable=False),
    #: What the developers built: integrations, SDKs, use cases.
    sa.Column("built", Json),
    sa.Column("api_volume_30d", sa.BigInteger),
    #: Blockers seen: error bursts, support issues, open GitHub issues.
    sa.Column("blockers", Json),
    #: 0-100.
    sa.Column("technical_fit", sa.Double, nullable=False),
    sa.Column("notes", sa.Text),
    sa.Column("validated_by", sa.Uuid),
    sa.Column("validated_at", Timestamp, nullable=False),
    #: Points per component of the technical fit, so the number comes with its why.
    sa.Column("fit_reasons", Json),
    #: derived (computed from events) or person (confirmed, with notes, by someone).
    sa.Column("source", sa.String(16), server_default="derived"),
)  # fmt: skip

handoffs = sa.Table(
    "handoffs", metadata,
    id_column(),
    #: Handoff kind id from configuration (devrel_to_sales, sdr_to_ae, ...).
    sa.Column("kind", sa.String(64), nullable=False),
    ref("account_id", "accounts", nullable=False),
    ref("opportunity_id", "opportunities"),
    sa.Column("from_user_id", sa.Uuid, sa.ForeignKey("users.id")),
    sa.Column("to_user_id", sa.Uuid, sa.ForeignKey("users.id"), index=True),
    sa.Column("to_team", sa.String(64)),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    #: Assembled from the data at creation; refreshed when returned and re-sent.
    sa.Column("packet", Json, nullable=False),
    sa.Column("completeness", sa.Double, nullable=False),
    sa.Column("due_at", Timestamp, nullable=False),
    sa.Column("accepted_at", Timestamp),
    sa.Column("rejected_at", Timestamp),
    sa.Column("returned_at", Timestamp),
    sa.Column("reason", sa.Text),
    sa.Column("last_reminded_at", Timestamp),
    sa.Column("next_stage_reached_at", Timestamp),
    #: When the receiver's clock started: creation, or the last re-send after a return.
    sa.Column("sent_at", Timestamp),
    #: What created it: manual, pqa (an account became PQA), won (an opportunity was won).
    sa.Column("trigger", sa.String(32)),
    sa.Column("created_by", sa.Uuid),
    created_at(),
    updated_at(),
    one_of("state", ("pending", "accepted", "rejected", "returned")),
)  # fmt: skip

conversations = sa.Table(
    "conversations", metadata,
    id_column(),
    ref("account_id", "accounts", nullable=False),
    ref("opportunity_id", "opportunities"),
    soft_ref("person_id"),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id")),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(300)),
    sa.Column("body", sa.Text),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("external_key", sa.String(160), unique=True),
    created_at(),
    one_of("kind", ("call", "email", "meeting", "note", "chat", "demo")),
)  # fmt: skip

forecast_submissions = sa.Table(
    "forecast_submissions", metadata,
    id_column(),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    #: e.g. "2026-Q4" or "2026-11".
    sa.Column("period", sa.String(8), nullable=False),
    #: Amount per forecast category, in minor units: {"commit": 1200000, ...}.
    sa.Column("amounts", Json, nullable=False),
    currency(),
    #: Manager submissions roll up their team's; these are the submissions they include.
    sa.Column("rolls_up", Json),
    sa.Column("notes", sa.Text),
    sa.Column("submitted_at", Timestamp, nullable=False),
)  # fmt: skip
