"""Words that are the product's, not the company's: fixed sets the configuration refers to.

A company configures its stages, weights and rules; it does not invent new qualification
frameworks or Segment call types. Keeping those sets here lets configuration validation,
the store's check constraints and the services agree on one spelling (see
``docs/glossary.md``).
"""

from __future__ import annotations

from typing import Final

#: Segment-spec call types, as stored in ``events.type``.
EVENT_TYPES: Final = ("track", "identify", "group", "page", "screen", "alias")

#: Where a signal came from, as stored in ``events.channel``.
CHANNELS: Final = ("product", "docs", "github", "community", "events", "marketing", "sales",
                   "billing", "support")  # fmt: skip

#: Stripe's subscription statuses, as stored in ``subscriptions.status``.
SUBSCRIPTION_STATUSES: Final = ("trialing", "active", "past_due", "unpaid", "canceled",
                                "incomplete", "incomplete_expired", "paused")  # fmt: skip

#: Kinds of identity a person can be known by (``identities.kind``).
IDENTITY_KINDS: Final = ("email", "user_id", "anonymous_id", "github")

#: MEDDPICC elements, in the order sellers say them.
MEDDPICC: Final = ("metrics", "economic_buyer", "decision_criteria", "decision_process",
                   "paper_process", "identify_pain", "champion", "competition")  # fmt: skip

#: BANT elements.
BANT: Final = ("budget", "authority", "need", "timeline")

QUALIFICATION_FRAMEWORKS: Final = {"meddpicc": MEDDPICC, "bant": BANT}
QUALIFICATION_ELEMENTS: Final = MEDDPICC + BANT

#: Score per qualification element: 0 unknown, 1 partial, 2 validated.
QUALIFICATION_SCORES: Final = (0, 1, 2)

#: Roles of people who use devfunnel.
ROLES: Final = (
    "admin",
    "sales_manager",
    "seller",
    "devrel",
    "product",
    "customer_success",
    "viewer",
)

#: Scopes an API key can hold; each includes the ones before it except ``ingest``.
API_KEY_SCOPES: Final = ("ingest", "read", "write", "admin")

#: Opportunity types.
OPPORTUNITY_TYPES: Final = ("new", "expansion", "renewal")

#: Opportunity fields an exit criterion may require to be filled.
OPPORTUNITY_FIELDS: Final = ("amount", "close_date", "owner", "next_step", "primary_contact",
                             "competitor", "use_case", "economic_buyer_contact")  # fmt: skip

#: Sections a handoff packet can carry; each is assembled from data, never typed by hand.
HANDOFF_PACKET_FIELDS: Final = ("developers", "built", "journey", "momentum", "fit",
                                "technical_validation", "meddpicc", "bant", "business_case",
                                "commitments", "risks", "conversation_history", "opportunities",
                                "subscription", "health")  # fmt: skip

#: Lead sources, each with its own speed-to-lead SLA.
LEAD_SOURCES: Final = ("pql", "pqa", "form", "import", "manual", "event", "referral")

#: Types of person at an account, from the account's point of view.
PERSONAS: Final = ("developer", "business", "unknown")
