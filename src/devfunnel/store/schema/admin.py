"""Users and their sign-in sessions, API keys, the audit log, alerts, the CRM outbox,
and small app state."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    Timestamp,
    created_at,
    id_column,
    metadata,
    one_of,
    updated_at,
)
from devfunnel.vocabulary import API_KEY_SCOPES, ROLES

users = sa.Table(
    "users", metadata,
    id_column(),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200)),
    sa.Column("role", sa.String(24), nullable=False),
    #: Argon2 hash; null for users who cannot log in (imported CRM owners).
    sa.Column("password_hash", sa.String(256)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    #: Round robin skips a user until this time.
    sa.Column("out_of_office_until", Timestamp),
    sa.Column("manager_id", sa.Uuid),
    sa.Column("last_login_at", Timestamp),
    created_at(),
    updated_at(),
    one_of("role", ROLES),
)  # fmt: skip

user_sessions = sa.Table(
    "user_sessions", metadata,
    id_column(),
    #: SHA-256 of the session token; the token itself lives only in the signed cookie.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Uuid, nullable=False, index=True),
    #: Sent back in forms (hidden field) and by scripts (X-CSRF-Token) on unsafe requests.
    sa.Column("csrf_token", sa.String(64), nullable=False),
    created_at(),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.String(300)),
)  # fmt: skip

api_keys = sa.Table(
    "api_keys", metadata,
    id_column(),
    sa.Column("name", sa.String(100), nullable=False),
    #: First characters of the key, shown in lists so people can tell keys apart.
    sa.Column("prefix", sa.String(32), nullable=False),
    #: SHA-256 of the key; the key itself is shown once and never stored.
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("created_by", sa.Uuid),
    created_at(),
    sa.Column("last_used_at", Timestamp),
    sa.Column("revoked_at", Timestamp),
    one_of("scope", API_KEY_SCOPES),
)  # fmt: skip

audit_log = sa.Table(
    "audit_log", metadata,
    id_column(),
    sa.Column("occurred_at", Timestamp, nullable=False, index=True),
    #: user, api_key, cli or system
    sa.Column("actor_kind", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("actor_label", sa.String(320)),
    #: e.g. "opportunity.move", "qualification.update", "person.erase"
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("entity_kind", sa.String(32)),
    #: Indexed: a deal's qualification history is read from here for every snapshot.
    sa.Column("entity_id", sa.Uuid, index=True),
    sa.Column("before", Json),
    sa.Column("after", Json),
    sa.Column("reason", sa.Text),
    one_of("actor_kind", ("user", "api_key", "cli", "system")),
)  # fmt: skip

alert_destinations = sa.Table(
    "alert_destinations", metadata,
    id_column(),
    sa.Column("name", sa.String(100), nullable=False),
    #: slack (incoming webhook) or webhook (generic, HMAC-signed body)
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(256)),
    #: Alert kinds delivered here; null is all.
    sa.Column("alert_kinds", Json),
    sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_by", sa.Uuid),
    created_at(),
    one_of("kind", ("slack", "webhook")),
)  # fmt: skip

alerts = sa.Table(
    "alerts", metadata,
    id_column(),
    #: became_pqa, lead_sla_breached, handoff_waiting, deal_quiet, ...
    sa.Column("kind", sa.String(32), nullable=False),
    #: Same condition, same key: an alert is raised once per occurrence.
    sa.Column("dedupe_key", sa.String(256), nullable=False, unique=True),
    sa.Column("account_id", sa.Uuid),
    sa.Column("payload", Json, nullable=False),
    created_at(),
)  # fmt: skip

alert_deliveries = sa.Table(
    "alert_deliveries", metadata,
    id_column(),
    sa.Column("alert_id", sa.Uuid, sa.ForeignKey("alerts.id"), nullable=False, index=True),
    sa.Column("destination_id", sa.Uuid, sa.ForeignKey("alert_destinations.id"),
              nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", Timestamp),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", Timestamp),
    created_at(),
    sa.UniqueConstraint("alert_id", "destination_id"),
    one_of("status", ("pending", "delivered", "dead", "digested")),
)  # fmt: skip

crm_outbox = sa.Table(
    "crm_outbox", metadata,
    id_column(),
    #: hubspot or salesforce
    sa.Column("system", sa.String(16), nullable=False),
    sa.Column("object", sa.String(32), nullable=False),
    sa.Column("record_id", sa.Uuid, nullable=False),
    sa.Column("payload", Json, nullable=False),
    #: The same change is queued once and sent once, whatever the retries.
    sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", Timestamp),
    sa.Column("last_error", sa.Text),
    sa.Column("crm_object_id", sa.String(128)),
    sa.Column("sent_at", Timestamp),
    created_at(),
    one_of("status", ("pending", "sent", "dead")),
)  # fmt: skip

app_state = sa.Table(
    "app_state", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", Json, nullable=False),
    updated_at(),
)  # fmt: skip
