"""Accounts, people and the identities that resolve to them.

A person is a connected component of identities: identity edges observed in the data
(an event carrying both ``userId`` and ``anonymousId``, an ``alias`` call, an
``identify`` with an email) plus merges a person or the matcher accepted, minus pairs
someone said must never merge. Because the edges are kept, a merge can be undone by
recomputing components without it.
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
from devfunnel.vocabulary import IDENTITY_KINDS, PERSONAS

accounts = sa.Table(
    "accounts", metadata,
    id_column(),
    sa.Column("name", sa.String(300), nullable=False),
    #: Primary registrable domain (public-suffix aware), unique among live accounts.
    sa.Column("domain", sa.String(253), unique=True),
    sa.Column("industry", sa.String(100)),
    sa.Column("employees", sa.Integer),
    minor("annual_revenue"),
    currency(nullable=True),
    sa.Column("country", sa.String(2)),
    sa.Column("region", sa.String(16)),
    sa.Column("segment", sa.String(32)),
    sa.Column("tech_stack", Json),
    sa.Column("named_account", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("owner_id", sa.Uuid, sa.ForeignKey("users.id"), index=True),
    #: How the account came to exist: crm, email_domain, group, manual, stripe.
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("attributes", Json),
    #: Set when merged into another account; the row stays so old references resolve.
    sa.Column("merged_into", sa.Uuid),
    created_at(),
    updated_at(),
)  # fmt: skip

account_keys = sa.Table(
    "account_keys", metadata,
    #: What identifies the account in some system: domain (registrable, public-suffix
    #: aware), group (Segment groupId), hubspot, salesforce, stripe.
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(253), primary_key=True),
    ref("account_id", "accounts", nullable=False),
    #: manual keys win over anything the resolver derives.
    sa.Column("source", sa.String(32), nullable=False),
    created_at(),
    one_of("kind", ("domain", "group", "hubspot", "salesforce", "stripe", "crm")),
)  # fmt: skip

people = sa.Table(
    "people", metadata,
    id_column(),
    ref("account_id", "accounts"),
    #: How the account was chosen: email_domain, group, crm, manual (manual is never changed
    #: by the resolver).
    sa.Column("account_source", sa.String(32)),
    sa.Column("name", sa.String(300)),
    sa.Column("email", sa.String(320), index=True),
    sa.Column("title", sa.String(300)),
    sa.Column("persona", sa.String(16), nullable=False, server_default="unknown"),
    sa.Column("github_login", sa.String(100)),
    sa.Column("country", sa.String(2)),
    sa.Column("is_internal", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_bot", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("first_seen", Timestamp),
    sa.Column("last_seen", Timestamp),
    sa.Column("event_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("traits", Json),
    #: Set when merged into another person; the row stays so the id is never reused and
    #: old references (a lead, an opportunity contact) still resolve.
    sa.Column("merged_into", sa.Uuid),
    created_at(),
    updated_at(),
    one_of("persona", PERSONAS),
)  # fmt: skip

identities = sa.Table(
    "identities", metadata,
    id_column(),
    soft_ref("person_id", nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    #: Normalised value: lower-cased email, GitHub login, user id as sent.
    sa.Column("value", sa.String(512), nullable=False),
    #: "kind:value", the form events and edges refer to identities by.
    sa.Column("key", sa.String(560), nullable=False, unique=True),
    sa.Column("first_seen", Timestamp),
    sa.Column("last_seen", Timestamp),
    sa.Column("source", sa.String(64), nullable=False),
    created_at(),
    one_of("kind", IDENTITY_KINDS),
)  # fmt: skip

identity_edges = sa.Table(
    "identity_edges", metadata,
    #: Both ends as "kind:value"; stored with a < b so each edge exists once.
    sa.Column("a", sa.String(560), primary_key=True),
    sa.Column("b", sa.String(560), primary_key=True),
    #: What showed the two are one person: same_event, alias, identify, crm, stripe, github.
    sa.Column("evidence", sa.String(32), nullable=False),
    sa.Column("first_seen", Timestamp, nullable=False),
)  # fmt: skip

merge_suggestions = sa.Table(
    "merge_suggestions", metadata,
    id_column(),
    soft_ref("person_a", nullable=False, index=True),
    soft_ref("person_b", nullable=False, index=False),
    sa.Column("probability", sa.Double, nullable=False),
    sa.Column("match_weight", sa.Double, nullable=False),
    #: Per comparison: the values compared, the level matched and its Bayes factor.
    sa.Column("evidence", Json, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decided_by", sa.Uuid),
    sa.Column("decided_at", Timestamp),
    created_at(),
    one_of("status", ("pending", "accepted", "rejected", "auto_merged", "stale")),
)  # fmt: skip

merges = sa.Table(
    "merges", metadata,
    id_column(),
    #: The surviving person and the one absorbed (whose id is never reused).
    sa.Column("winner_id", sa.Uuid, nullable=False, index=True),
    sa.Column("loser_id", sa.Uuid, nullable=False, index=True),
    #: Identity keys that moved, so an unmerge can put them back.
    sa.Column("identity_keys", Json, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("suggestion_id", sa.Uuid),
    sa.Column("merged_by", sa.Uuid),
    sa.Column("merged_at", Timestamp, nullable=False),
    sa.Column("undone_at", Timestamp),
    sa.Column("undone_by", sa.Uuid),
    one_of("kind", ("automatic", "manual")),
)  # fmt: skip

github_orgs = sa.Table(
    "github_orgs", metadata,
    #: GitHub organisations as the GitHub connector fetches them (``GET /orgs/{org}``) for
    #: the ``@org`` people name as their employer: the website says whose organisation it
    #: is, which the handle alone cannot ("@nobleinsights" beside nobleinsights.com and
    #: nobleinsights.io). Organisations, not people: nothing personal is kept here.
    sa.Column("login", sa.String(100), primary_key=True),  # lower-cased
    sa.Column("github_id", sa.BigInteger),
    sa.Column("name", sa.String(300)),
    sa.Column("website", sa.String(500)),
    #: The website's registrable domain, when it is a company's (not free mail or GitHub's).
    sa.Column("domain", sa.String(253), index=True),
    sa.Column("profile_updated_at", Timestamp),
    created_at(),
    updated_at(),
)  # fmt: skip

merge_blocks = sa.Table(
    "merge_blocks", metadata,
    #: "Never merge these two": identity keys (kind:value), ordered a < b, so the rule
    #: outlives the person ids it was made about.
    sa.Column("key_a", sa.String(560), primary_key=True),
    sa.Column("key_b", sa.String(560), primary_key=True),
    sa.Column("reason", sa.Text),
    sa.Column("blocked_by", sa.Uuid),
    created_at(),
)  # fmt: skip

erasures = sa.Table(
    "erasures", metadata,
    id_column(),
    #: SHA-256 of each erased identity key: later events with the same identity start a new
    #: person instead of reviving the erased history, without keeping the personal data.
    sa.Column("key_hashes", Json, nullable=False),
    sa.Column("erased_by", sa.Uuid),
    sa.Column("erased_at", Timestamp, nullable=False),
    sa.Column("counts", Json, nullable=False),
)  # fmt: skip
