"""Raw signals as they arrived, and the programs and touchpoints that drove them.

Events keep the identities they were sent with (``user_id``, ``anonymous_id``, ``email``,
``github_login``) rather than a resolved person id: resolution maps identities to people
in ``identities``, so merging or unmerging people never rewrites the event log.
Each event's strongest identity is precomputed as ``identity_key`` so that resolving an
event to its person is one equality join. This is
also what lets the acknowledgement path do nothing but validate and append.
"""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import (
    Json,
    Timestamp,
    created_at,
    currency,
    id_column,
    keys_and_indexes_on_postgresql_only,
    metadata,
    minor,
    one_of,
    ref,
    soft_ref,
)
from devfunnel.vocabulary import CHANNELS, EVENT_TYPES

ingest_batches = sa.Table(
    "ingest_batches", metadata,
    id_column(),
    #: Where the batch came from: "segment:<key name>", "github", "stripe", "import:<file>".
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("received_at", Timestamp, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("duplicate_count", sa.Integer, nullable=False),
    #: Work queue for resolution and scoring: pending until the worker has processed it.
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("processed_at", Timestamp),
    sa.Column("error", sa.Text),
    one_of("status", ("pending", "processing", "done", "failed")),
)  # fmt: skip

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
    #: Indexed (on PostgreSQL): resolution and the scoring watermark read a few new batches.
    soft_ref("batch_id", nullable=False, index=True),
    #: Scope of messageId de-duplication: the write key, webhook or file the event came from.
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("message_id", sa.String(256), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    #: Track event name, or page/screen name.
    sa.Column("event", sa.String(256)),
    sa.Column("user_id", sa.String(256)),
    sa.Column("anonymous_id", sa.String(256)),
    #: Lower-cased email found in traits, properties or context, if any.
    sa.Column("email", sa.String(320)),
    sa.Column("github_login", sa.String(100)),
    sa.Column("group_id", sa.String(256)),
    sa.Column("previous_id", sa.String(256)),
    #: The identity the event resolves through, "kind:value", chosen at intake by
    #: precedence user_id > email > github > anonymous_id; joined to ``identities.key``.
    sa.Column("identity_key", sa.String(560), index=True),
    #: When it happened (after clock-skew correction) and when we received it.
    sa.Column("timestamp", Timestamp, nullable=False),
    sa.Column("sent_at", Timestamp),
    sa.Column("received_at", Timestamp, nullable=False),
    sa.Column("properties", Json),
    sa.Column("traits", Json),
    sa.Column("context", Json),
    sa.UniqueConstraint("source", "message_id"),
    one_of("type", EVENT_TYPES),
)  # fmt: skip
keys_and_indexes_on_postgresql_only(events)

webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    id_column(),
    #: github or stripe
    sa.Column("source", sa.String(16), nullable=False),
    #: The sender's delivery or event id; a redelivery is stored once.
    sa.Column("delivery_id", sa.String(128), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("payload", Json, nullable=False),
    #: When the sender says it happened (Stripe ``created``), for applying in order.
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("received_at", Timestamp, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("processed_at", Timestamp),
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("source", "delivery_id"),
    one_of("status", ("pending", "done", "failed", "ignored")),
)  # fmt: skip

features = sa.Table(
    "features", metadata,
    id_column(),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    #: Track events that show use of the feature.
    sa.Column("events", Json),
    created_at(),
)  # fmt: skip

programs = sa.Table(
    "programs", metadata,
    id_column(),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    #: Which team runs it: devrel, marketing, product.
    sa.Column("team", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    #: Campaign, content, event, sponsorship, community, ads, feature launch...
    sa.Column("kind", sa.String(32), nullable=False),
    ref("feature_id", "features"),
    #: utm_campaign value that marks a touch as this program's.
    sa.Column("utm_campaign", sa.String(128)),
    sa.Column("starts_on", sa.Date),
    sa.Column("ends_on", sa.Date),
    sa.Column("owner_id", sa.Uuid, sa.ForeignKey("users.id")),
    created_at(),
    one_of("team", ("devrel", "marketing", "product", "sales")),
    one_of("channel", CHANNELS),
)  # fmt: skip

program_costs = sa.Table(
    "program_costs", metadata,
    id_column(),
    ref("program_id", "programs", nullable=False),
    #: First day of the month the cost was incurred in.
    sa.Column("month", sa.Date, nullable=False),
    minor("amount", nullable=False),
    currency(),
    sa.Column("note", sa.String(300)),
    created_at(),
    sa.UniqueConstraint("program_id", "month"),
)  # fmt: skip

touchpoints = sa.Table(
    "touchpoints", metadata,
    id_column(),
    ref("program_id", "programs", nullable=False),
    #: The identity touched, as "kind:value"; resolved to a person through identities.
    sa.Column("identity_key", sa.String(560), nullable=False, index=True),
    sa.Column("occurred_at", Timestamp, nullable=False),
    #: registered, attended, clicked, viewed, replied, downloaded, ...
    sa.Column("action", sa.String(32), nullable=False),
    soft_ref("event_id"),
    sa.Column("source", sa.String(128), nullable=False),
    #: "<system>:<id>" of the imported record; re-imports update the same touchpoint.
    sa.Column("external_key", sa.String(160), unique=True),
    created_at(),
)  # fmt: skip
