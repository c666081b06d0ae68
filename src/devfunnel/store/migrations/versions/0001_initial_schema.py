"""Initial schema: every record of the domain (see docs/architecture.md).

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 14:54:13.260029
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Foreign keys are enforced on PostgreSQL only; see store/schema/columns.py.
    op.create_table(
        "account_score_history",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("momentum", sa.Double(), nullable=False),
        sa.Column("fit", sa.Double(), nullable=False),
        sa.Column("active_developers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_account_score_history")),
    )
    op.create_table(
        "alert_destinations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=256), nullable=True),
        sa.Column(
            "alert_kinds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("digest", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('slack', 'webhook')", name=op.f("ck_alert_destinations_kind_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_destinations")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=256), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alerts_dedupe_key")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope IN ('ingest', 'read', 'write', 'admin')", name=op.f("ck_api_keys_scope_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "actor_kind IN ('user', 'api_key', 'cli', 'system')",
            name=op.f("ck_audit_log_actor_kind_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_occurred_at"), "audit_log", ["occurred_at"], unique=False)
    op.create_table(
        "commission_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_plans")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_commission_plans_key_version")),
    )
    op.create_table(
        "crm_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("crm_object_id", sa.String(length=128), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'dead')", name=op.f("ck_crm_outbox_status_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_crm_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_crm_outbox_status"), "crm_outbox", ["status"], unique=False)
    op.create_table(
        "erasures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "key_hashes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("erased_by", sa.Uuid(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=256), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=256), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("anonymous_id", sa.String(length=256), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("github_login", sa.String(length=100), nullable=True),
        sa.Column("group_id", sa.String(length=256), nullable=True),
        sa.Column("previous_id", sa.String(length=256), nullable=True),
        sa.Column("identity_key", sa.String(length=560), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "type IN ('track', 'identify', 'group', 'page', 'screen', 'alias')",
            name=op.f("ck_events_type_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")).ddl_if(dialect="postgresql"),
        sa.UniqueConstraint(
            "source", "message_id", name=op.f("uq_events_source_message_id")
        ).ddl_if(dialect="postgresql"),
    )
    if op.get_bind().dialect.name == "postgresql":  # see store/schema/columns.py
        op.create_index(op.f("ix_events_identity_key"), "events", ["identity_key"], unique=False)
    op.create_table(
        "features",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_features")),
        sa.UniqueConstraint("key", name=op.f("uq_features_key")),
    )
    op.create_table(
        "identities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.Column("key", sa.String(length=560), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('email', 'user_id', 'anonymous_id', 'github')",
            name=op.f("ck_identities_kind_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("key", name=op.f("uq_identities_key")),
    )
    op.create_index(op.f("ix_identities_person_id"), "identities", ["person_id"], unique=False)
    op.create_table(
        "identity_edges",
        sa.Column("a", sa.String(length=560), nullable=False),
        sa.Column("b", sa.String(length=560), nullable=False),
        sa.Column("evidence", sa.String(length=32), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("a", "b", name=op.f("pk_identity_edges")),
    )
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'done', 'failed')",
            name=op.f("ck_ingest_batches_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batches")),
    )
    op.create_index(op.f("ix_ingest_batches_status"), "ingest_batches", ["status"], unique=False)
    op.create_table(
        "journey_transitions",
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint(
            "subject_kind", "subject_id", "stage", name=op.f("pk_journey_transitions")
        ),
    )
    op.create_table(
        "merge_blocks",
        sa.Column("key_a", sa.String(length=560), nullable=False),
        sa.Column("key_b", sa.String(length=560), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("blocked_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_a", "key_b", name=op.f("pk_merge_blocks")),
    )
    op.create_table(
        "merge_suggestions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_a", sa.Uuid(), nullable=False),
        sa.Column("person_b", sa.Uuid(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("match_weight", sa.Double(), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected', 'auto_merged', 'stale')",
            name=op.f("ck_merge_suggestions_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_suggestions")),
    )
    op.create_index(
        op.f("ix_merge_suggestions_person_a"), "merge_suggestions", ["person_a"], unique=False
    )
    op.create_table(
        "merges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("winner_id", sa.Uuid(), nullable=False),
        sa.Column("loser_id", sa.Uuid(), nullable=False),
        sa.Column(
            "identity_keys",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("suggestion_id", sa.Uuid(), nullable=True),
        sa.Column("merged_by", sa.Uuid(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("kind IN ('automatic', 'manual')", name=op.f("ck_merges_kind_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merges")),
    )
    op.create_index(op.f("ix_merges_loser_id"), "merges", ["loser_id"], unique=False)
    op.create_index(op.f("ix_merges_winner_id"), "merges", ["winner_id"], unique=False)
    op.create_table(
        "person_scores",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("engagement", sa.Double(), nullable=False),
        sa.Column("journey_stage", sa.String(length=64), nullable=True),
        sa.Column("pql", sa.Boolean(), nullable=False),
        sa.Column(
            "why",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_scores")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("out_of_office_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'sales_manager', 'seller', 'devrel', 'product', 'customer_success', 'viewer')",
            name=op.f("ck_users_role_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed', 'ignored')",
            name=op.f("ck_webhook_deliveries_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "source", "delivery_id", name=op.f("uq_webhook_deliveries_source_delivery_id")
        ),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_status"), "webhook_deliveries", ["status"], unique=False
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("annual_revenue_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("segment", sa.String(length=32), nullable=True),
        sa.Column(
            "tech_stack",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("named_account", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("domain", name=op.f("uq_accounts_domain")),
    )
    op.create_index(op.f("ix_accounts_owner_id"), "accounts", ["owner_id"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("destination_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'dead', 'digested')",
            name=op.f("ck_alert_deliveries_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["alert_destinations.id"],
            name=op.f("fk_alert_deliveries_destination_id_alert_destinations"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint(
            "alert_id", "destination_id", name=op.f("uq_alert_deliveries_alert_id_destination_id")
        ),
    )
    op.create_index(
        op.f("ix_alert_deliveries_alert_id"), "alert_deliveries", ["alert_id"], unique=False
    )
    op.create_index(
        op.f("ix_alert_deliveries_status"), "alert_deliveries", ["status"], unique=False
    )
    op.create_table(
        "commission_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_key", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_commission_assignments_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_assignments")),
    )
    op.create_index(
        op.f("ix_commission_assignments_user_id"),
        "commission_assignments",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "forecast_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column(
            "amounts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "rolls_up",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forecast_submissions_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_submissions")),
    )
    op.create_index(
        op.f("ix_forecast_submissions_user_id"), "forecast_submissions", ["user_id"], unique=False
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("feature_id", sa.Uuid(), nullable=True),
        sa.Column("utm_campaign", sa.String(length=128), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('product', 'docs', 'github', 'community', 'events', 'marketing', 'sales', 'billing', 'support')",
            name=op.f("ck_programs_channel_valid"),
        ),
        sa.CheckConstraint(
            "team IN ('devrel', 'marketing', 'product', 'sales')",
            name=op.f("ck_programs_team_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"], ["features.id"], name=op.f("fk_programs_feature_id_features")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_programs_owner_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("key", name=op.f("uq_programs_key")),
    )
    op.create_index(op.f("ix_programs_feature_id"), "programs", ["feature_id"], unique=False)
    op.create_table(
        "quotas",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("measure", sa.String(length=16), server_default="bookings", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quotas_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
        sa.UniqueConstraint(
            "user_id",
            "period_start",
            "measure",
            name=op.f("uq_quotas_user_id_period_start_measure"),
        ),
    )
    op.create_index(op.f("ix_quotas_user_id"), "quotas", ["user_id"], unique=False)
    op.create_table(
        "account_keys",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=253), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('domain', 'group', 'hubspot', 'salesforce', 'stripe', 'crm')",
            name=op.f("ck_account_keys_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_keys_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_account_keys")),
    )
    op.create_index(
        op.f("ix_account_keys_account_id"), "account_keys", ["account_id"], unique=False
    )
    op.create_table(
        "account_scores",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("momentum", sa.Double(), nullable=False),
        sa.Column("fit", sa.Double(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("journey_stage", sa.String(length=64), nullable=True),
        sa.Column("active_developers", sa.Integer(), nullable=False),
        sa.Column("pqa", sa.Boolean(), nullable=False),
        sa.Column("pqa_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "why",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_scores_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_scores")),
    )
    op.create_table(
        "feedback_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("feature_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("sentiment", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_loop_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_by", sa.Uuid(), nullable=True),
        sa.Column("external_key", sa.String(length=160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('feature_request', 'bug', 'praise', 'complaint', 'question')",
            name=op.f("ck_feedback_items_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'planned', 'in_progress', 'shipped', 'declined')",
            name=op.f("ck_feedback_items_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_feedback_items_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["feature_id"], ["features.id"], name=op.f("fk_feedback_items_feature_id_features")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_items")),
        sa.UniqueConstraint("external_key", name=op.f("uq_feedback_items_external_key")),
    )
    op.create_index(
        op.f("ix_feedback_items_account_id"), "feedback_items", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_feedback_items_feature_id"), "feedback_items", ["feature_id"], unique=False
    )
    op.create_table(
        "health_snapshots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("health", sa.Double(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("churn_risk", sa.Double(), nullable=True),
        sa.Column(
            "components",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "expansion_signals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_health_snapshots_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_snapshots")),
        sa.UniqueConstraint(
            "account_id", "taken_on", name=op.f("uq_health_snapshots_account_id_taken_on")
        ),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("routed_by", sa.String(length=96), nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_touch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("converted_opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("disqualified_reason", sa.String(length=300), nullable=True),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("external_key", sa.String(length=160), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('pql', 'pqa', 'form', 'import', 'manual', 'event', 'referral')",
            name=op.f("ck_leads_source_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('new', 'working', 'qualified', 'disqualified', 'converted')",
            name=op.f("ck_leads_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_leads_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("external_key", name=op.f("uq_leads_external_key")),
    )
    op.create_index(op.f("ix_leads_account_id"), "leads", ["account_id"], unique=False)
    op.create_index(op.f("ix_leads_owner_id"), "leads", ["owner_id"], unique=False)
    op.create_index(op.f("ix_leads_person_id"), "leads", ["person_id"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("account_source", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("persona", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("github_login", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("is_internal", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_bot", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "persona IN ('developer', 'business', 'unknown')", name=op.f("ck_people_persona_valid")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_people_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_account_id"), "people", ["account_id"], unique=False)
    op.create_index(op.f("ix_people_email"), "people", ["email"], unique=False)
    op.create_table(
        "program_costs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_program_costs_program_id_programs")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_costs")),
        sa.UniqueConstraint("program_id", "month", name=op.f("uq_program_costs_program_id_month")),
    )
    op.create_index(
        op.f("ix_program_costs_program_id"), "program_costs", ["program_id"], unique=False
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("plan", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mrr_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused')",
            name=op.f("ck_subscriptions_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_subscriptions_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_subscriptions_source_external_id")
        ),
    )
    op.create_index(
        op.f("ix_subscriptions_account_id"), "subscriptions", ["account_id"], unique=False
    )
    op.create_table(
        "touchpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("identity_key", sa.String(length=560), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("external_key", sa.String(length=160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_touchpoints_program_id_programs")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoints")),
        sa.UniqueConstraint("external_key", name=op.f("uq_touchpoints_external_key")),
    )
    op.create_index(
        op.f("ix_touchpoints_identity_key"), "touchpoints", ["identity_key"], unique=False
    )
    op.create_index(op.f("ix_touchpoints_program_id"), "touchpoints", ["program_id"], unique=False)
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("amount_due_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_invoices_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_invoices_subscription_id_subscriptions"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_invoices_source_external_id")),
    )
    op.create_index(op.f("ix_invoices_account_id"), "invoices", ["account_id"], unique=False)
    op.create_table(
        "mrr_movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mrr_delta_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('new', 'expansion', 'contraction', 'churn', 'reactivation')",
            name=op.f("ck_mrr_movements_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_mrr_movements_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_mrr_movements_subscription_id_subscriptions"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mrr_movements")),
    )
    op.create_index(
        op.f("ix_mrr_movements_account_id"), "mrr_movements", ["account_id"], unique=False
    )
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("primary_contact_id", sa.Uuid(), nullable=True),
        sa.Column("economic_buyer_contact_id", sa.Uuid(), nullable=True),
        sa.Column("next_step", sa.String(length=500), nullable=True),
        sa.Column("use_case", sa.String(length=500), nullable=True),
        sa.Column("competitor", sa.String(length=200), nullable=True),
        sa.Column("forecast_category", sa.String(length=64), nullable=True),
        sa.Column("probability", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lost_reason", sa.String(length=300), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("external_key", sa.String(length=160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'won', 'lost')", name=op.f("ck_opportunities_status_valid")
        ),
        sa.CheckConstraint(
            "type IN ('new', 'expansion', 'renewal')", name=op.f("ck_opportunities_type_valid")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_opportunities_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_opportunities_lead_id_leads")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_opportunities_owner_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint("external_key", name=op.f("uq_opportunities_external_key")),
    )
    op.create_index(
        op.f("ix_opportunities_account_id"), "opportunities", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_opportunities_owner_id"), "opportunities", ["owner_id"], unique=False)
    op.create_index(op.f("ix_opportunities_stage"), "opportunities", ["stage"], unique=False)
    op.create_index(op.f("ix_opportunities_status"), "opportunities", ["status"], unique=False)
    op.create_table(
        "commission_ledger",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("credit_minor", sa.BigInteger(), nullable=False),
        sa.Column("commission_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('earned', 'clawback', 'adjustment')",
            name=op.f("ck_commission_ledger_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_commission_ledger_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["commission_plans.id"],
            name=op.f("fk_commission_ledger_plan_id_commission_plans"),
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_commission_ledger_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_ledger")),
    )
    op.create_index(
        op.f("ix_commission_ledger_opportunity_id"),
        "commission_ledger",
        ["opportunity_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_commission_ledger_user_id"), "commission_ledger", ["user_id"], unique=False
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("external_key", sa.String(length=160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('call', 'email', 'meeting', 'note', 'chat', 'demo')",
            name=op.f("ck_conversations_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_conversations_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_conversations_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_conversations_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("external_key", name=op.f("uq_conversations_external_key")),
    )
    op.create_index(
        op.f("ix_conversations_account_id"), "conversations", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_conversations_opportunity_id"), "conversations", ["opportunity_id"], unique=False
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("from_user_id", sa.Uuid(), nullable=True),
        sa.Column("to_user_id", sa.Uuid(), nullable=True),
        sa.Column("to_team", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "packet",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("completeness", sa.Double(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_stage_reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'rejected', 'returned')",
            name=op.f("ck_handoffs_state_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_handoffs_account_id_accounts")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["users.id"], name=op.f("fk_handoffs_from_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_handoffs_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["users.id"], name=op.f("fk_handoffs_to_user_id_users")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(op.f("ix_handoffs_account_id"), "handoffs", ["account_id"], unique=False)
    op.create_index(
        op.f("ix_handoffs_opportunity_id"), "handoffs", ["opportunity_id"], unique=False
    )
    op.create_index(op.f("ix_handoffs_state"), "handoffs", ["state"], unique=False)
    op.create_index(op.f("ix_handoffs_to_user_id"), "handoffs", ["to_user_id"], unique=False)
    op.create_table(
        "opportunity_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(length=200), nullable=True),
        sa.Column("new_value", sa.String(length=200), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_changes_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_changes")),
    )
    op.create_index(
        op.f("ix_opportunity_changes_opportunity_id"),
        "opportunity_changes",
        ["opportunity_id"],
        unique=False,
    )
    op.create_table(
        "qualification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("framework", sa.String(length=16), nullable=False),
        sa.Column("element", sa.String(length=32), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "element IN ('metrics', 'economic_buyer', 'decision_criteria', 'decision_process', 'paper_process', 'identify_pain', 'champion', 'competition', 'budget', 'authority', 'need', 'timeline')",
            name=op.f("ck_qualification_element_valid"),
        ),
        sa.CheckConstraint("score IN (0, 1, 2)", name=op.f("ck_qualification_score_valid")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_qualification_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification")),
        sa.UniqueConstraint(
            "opportunity_id", "element", name=op.f("uq_qualification_opportunity_id_element")
        ),
    )
    op.create_index(
        op.f("ix_qualification_opportunity_id"), "qualification", ["opportunity_id"], unique=False
    )
    op.create_table(
        "stage_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=True),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column(
            "unmet_criteria",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_stage_history_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_history")),
    )
    op.create_index(
        op.f("ix_stage_history_opportunity_id"), "stage_history", ["opportunity_id"], unique=False
    )
    op.create_table(
        "technical_validations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("active_developers", sa.Integer(), nullable=False),
        sa.Column(
            "built",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("api_volume_30d", sa.BigInteger(), nullable=True),
        sa.Column(
            "blockers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("technical_fit", sa.Double(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("validated_by", sa.Uuid(), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_technical_validations_account_id_accounts"),
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_technical_validations_opportunity_id_opportunities"),
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technical_validations")),
    )
    op.create_index(
        op.f("ix_technical_validations_account_id"),
        "technical_validations",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_technical_validations_opportunity_id"),
        "technical_validations",
        ["opportunity_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_technical_validations_opportunity_id"), table_name="technical_validations"
    )
    op.drop_index(op.f("ix_technical_validations_account_id"), table_name="technical_validations")
    op.drop_table("technical_validations")
    op.drop_index(op.f("ix_stage_history_opportunity_id"), table_name="stage_history")
    op.drop_table("stage_history")
    op.drop_index(op.f("ix_qualification_opportunity_id"), table_name="qualification")
    op.drop_table("qualification")
    op.drop_index(op.f("ix_opportunity_changes_opportunity_id"), table_name="opportunity_changes")
    op.drop_table("opportunity_changes")
    op.drop_index(op.f("ix_handoffs_to_user_id"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_state"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_opportunity_id"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_account_id"), table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_index(op.f("ix_conversations_opportunity_id"), table_name="conversations")
    op.drop_index(op.f("ix_conversations_account_id"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index(op.f("ix_commission_ledger_user_id"), table_name="commission_ledger")
    op.drop_index(op.f("ix_commission_ledger_opportunity_id"), table_name="commission_ledger")
    op.drop_table("commission_ledger")
    op.drop_index(op.f("ix_opportunities_status"), table_name="opportunities")
    op.drop_index(op.f("ix_opportunities_stage"), table_name="opportunities")
    op.drop_index(op.f("ix_opportunities_owner_id"), table_name="opportunities")
    op.drop_index(op.f("ix_opportunities_account_id"), table_name="opportunities")
    op.drop_table("opportunities")
    op.drop_index(op.f("ix_mrr_movements_account_id"), table_name="mrr_movements")
    op.drop_table("mrr_movements")
    op.drop_index(op.f("ix_invoices_account_id"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_index(op.f("ix_touchpoints_program_id"), table_name="touchpoints")
    op.drop_index(op.f("ix_touchpoints_identity_key"), table_name="touchpoints")
    op.drop_table("touchpoints")
    op.drop_index(op.f("ix_subscriptions_account_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index(op.f("ix_program_costs_program_id"), table_name="program_costs")
    op.drop_table("program_costs")
    op.drop_index(op.f("ix_people_email"), table_name="people")
    op.drop_index(op.f("ix_people_account_id"), table_name="people")
    op.drop_table("people")
    op.drop_index(op.f("ix_leads_person_id"), table_name="leads")
    op.drop_index(op.f("ix_leads_owner_id"), table_name="leads")
    op.drop_index(op.f("ix_leads_account_id"), table_name="leads")
    op.drop_table("leads")
    op.drop_table("health_snapshots")
    op.drop_index(op.f("ix_feedback_items_feature_id"), table_name="feedback_items")
    op.drop_index(op.f("ix_feedback_items_account_id"), table_name="feedback_items")
    op.drop_table("feedback_items")
    op.drop_table("account_scores")
    op.drop_index(op.f("ix_account_keys_account_id"), table_name="account_keys")
    op.drop_table("account_keys")
    op.drop_index(op.f("ix_quotas_user_id"), table_name="quotas")
    op.drop_table("quotas")
    op.drop_index(op.f("ix_programs_feature_id"), table_name="programs")
    op.drop_table("programs")
    op.drop_index(op.f("ix_forecast_submissions_user_id"), table_name="forecast_submissions")
    op.drop_table("forecast_submissions")
    op.drop_index(op.f("ix_commission_assignments_user_id"), table_name="commission_assignments")
    op.drop_table("commission_assignments")
    op.drop_index(op.f("ix_alert_deliveries_status"), table_name="alert_deliveries")
    op.drop_index(op.f("ix_alert_deliveries_alert_id"), table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_accounts_owner_id"), table_name="accounts")
    op.drop_table("accounts")
    op.drop_index(op.f("ix_webhook_deliveries_status"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("users")
    op.drop_table("person_scores")
    op.drop_index(op.f("ix_merges_winner_id"), table_name="merges")
    op.drop_index(op.f("ix_merges_loser_id"), table_name="merges")
    op.drop_table("merges")
    op.drop_index(op.f("ix_merge_suggestions_person_a"), table_name="merge_suggestions")
    op.drop_table("merge_suggestions")
    op.drop_table("merge_blocks")
    op.drop_table("journey_transitions")
    op.drop_index(op.f("ix_ingest_batches_status"), table_name="ingest_batches")
    op.drop_table("ingest_batches")
    op.drop_table("identity_edges")
    op.drop_index(op.f("ix_identities_person_id"), table_name="identities")
    op.drop_table("identities")
    op.drop_table("features")
    op.drop_index(op.f("ix_events_identity_key"), table_name="events", if_exists=True)
    op.drop_table("events")
    op.drop_table("erasures")
    op.drop_index(op.f("ix_crm_outbox_status"), table_name="crm_outbox")
    op.drop_table("crm_outbox")
    op.drop_table("commission_plans")
    op.drop_index(op.f("ix_audit_log_occurred_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("app_state")
    op.drop_table("api_keys")
    op.drop_table("alerts")
    op.drop_table("alert_destinations")
    op.drop_table("account_score_history")
