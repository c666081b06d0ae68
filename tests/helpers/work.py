"""A small sales world for the dashboard's work pages (pipeline, handoffs, people), made
through the product's own services, over users named ``<role>@acme.dev``.

- accounts Acme (acme.io) and Globex (globex.com), owned by ``seller@acme.dev``;
- opportunities: *Acme platform* (the seller's, in discovery, its exit criteria not met),
  *Globex API* (the seller's, in discovery, its criteria met), *Initech renewal*
  (``sam.seller@acme.dev``'s, another seller);
- pending handoffs: SDR to AE from Sam to the seller, DevRel to sales from DevRel to Sam,
  and sales to onboarding from the seller to customer success, sent three days ago (so
  past its SLA);
- people, two of whom look alike (Jane Doe at acme.io and at gmail.com), with a pending
  merge suggestion and its evidence in the matcher's shape; and a second one (Bob/Robert).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import users
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.contacts import import_contacts
from devfunnel.pipeline import handoffs, qualification
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.opportunities import create_opportunity
from devfunnel.store import Store
from devfunnel.store.schema.identity import identities, merge_suggestions

OTHER_SELLER = "sam.seller@acme.dev"


@dataclass(frozen=True)
class WorkWorld:
    acme_platform: uuid.UUID
    globex_api: uuid.UUID
    initech: uuid.UUID
    #: Handoffs by what they are: ``to_seller``, ``to_other``, ``breached``.
    handoffs: dict[str, uuid.UUID]
    #: Pending merge suggestions: ``jane`` and ``bob``.
    suggestions: dict[str, uuid.UUID]
    people: dict[str, uuid.UUID]


def person_of(store: Store, email: str) -> uuid.UUID:
    with store.read() as conn:
        found: uuid.UUID = conn.execute(
            sa.select(identities.c.person_id).where(identities.c.key == f"email:{email}")
        ).scalar_one()
    return found


def evidence(
    left: tuple[str, str, str | None],
    right: tuple[str, str, str | None],
    weights: tuple[float, float, float],
) -> list[dict[str, Any]]:
    """Evidence rows as the matcher stores them (``identity/matching/model.py``): name,
    email and company compared, given each side's (name, email, company domain)."""
    rows = []
    for n, comparison in enumerate(("name", "email", "company")):
        sides = []
        for name, email, company in (left, right):
            local, _, domain = email.partition("@")
            sides.append({"name": {"full_name": name.lower()},
                          "email": {"email_local": local, "email_domain": domain},
                          "company": {"company_domain": company}}[comparison])  # fmt: skip
        weight = weights[n]
        rows.append({"comparison": comparison, "level": 2 if weight > 0 else 0,
                     "match_weight": weight, "bayes_factor": round(2.0**weight, 6),
                     "left": sides[0], "right": sides[1]})  # fmt: skip
    return rows


def seed_work(store: Store, settings: Settings, *, now: datetime | None = None) -> WorkWorld:
    now = now or datetime.now(UTC)
    known = {u.email for u in users.list_users(store)}
    if OTHER_SELLER not in known:
        users.create_user(store, OTHER_SELLER, "seller", "correct horse battery staple", CLI,
                          name="Sam Seller")  # fmt: skip
    result = import_accounts(store, settings, [
        {"external_id": "acme.io", "name": "Acme", "domain": "acme.io",
         "owner_email": "seller@acme.dev"},
        {"external_id": "globex.com", "name": "Globex", "domain": "globex.com",
         "owner_email": "seller@acme.dev"},
        {"external_id": "initech.com", "name": "Initech", "domain": "initech.com",
         "owner_email": OTHER_SELLER},
    ])  # fmt: skip
    assert not result.errors, result.errors
    contacts = import_contacts(store, settings, [
        {"email": "jane@acme.io", "name": "Jane Doe", "account_domain": "acme.io",
         "title": "Staff Engineer"},
        {"email": "jane.doe@gmail.com", "name": "Jane Doe"},
        {"email": "bob@globex.com", "name": "Bob Smith", "account_domain": "globex.com"},
        {"email": "robert.smith@globex.com", "name": "Robert Smith",
         "account_domain": "globex.com"},
        {"email": "peter@initech.com", "name": "Peter Gibbons", "account_domain": "initech.com"},
    ])  # fmt: skip
    assert not contacts.errors, contacts.errors
    resolve_pending(store, settings)
    people = {e.split("@")[0]: person_of(store, e) for e in (
        "jane@acme.io", "jane.doe@gmail.com", "bob@globex.com", "robert.smith@globex.com",
        "peter@initech.com")}  # fmt: skip

    acme = create_opportunity(store, settings, OPERATOR, account="acme.io", name="Acme platform",
                              amount=Decimal("48000"), owner="seller@acme.dev",
                              close_date=date.today() + timedelta(days=40))  # fmt: skip
    globex = create_opportunity(store, settings, OPERATOR, account="globex.com",
                                name="Globex API", amount=Decimal("24000"),
                                owner="seller@acme.dev", primary_contact="bob@globex.com",
                                close_date=date.today() + timedelta(days=60))  # fmt: skip
    for element in ("identify_pain", "metrics"):
        qualification.set_element(store, settings, OPERATOR, globex.id, element, 1,
                                  evidence="discovery call")  # fmt: skip
    initech = create_opportunity(store, settings, OPERATOR, account="initech.com",
                                 name="Initech renewal", amount=Decimal("12000"),
                                 owner=OTHER_SELLER, type="renewal")  # fmt: skip

    made = {
        "to_seller": handoffs.create_handoff(
            store, settings, OPERATOR, kind="sdr_to_ae", opportunity=acme.id,
            to_user="seller@acme.dev", from_user=OTHER_SELLER, now=now - timedelta(hours=2)),
        "to_other": handoffs.create_handoff(
            store, settings, OPERATOR, kind="devrel_to_sales", account="initech.com",
            to_user=OTHER_SELLER, from_user="devrel@acme.dev", now=now - timedelta(hours=5)),
        "breached": handoffs.create_handoff(
            store, settings, OPERATOR, kind="sales_to_onboarding", opportunity=globex.id,
            to_user="customer_success@acme.dev", from_user="seller@acme.dev",
            now=now - timedelta(days=3)),
    }  # fmt: skip
    suggestions = {"jane": uuid.uuid4(), "bob": uuid.uuid4()}
    jane = evidence(("Jane Doe", "jane@acme.io", "acme.io"),
                    ("Jane Doe", "jane.doe@gmail.com", None), (4.1, 1.2, -0.4))  # fmt: skip
    bob = evidence(
        ("Bob Smith", "bob@globex.com", "globex.com"),
        ("Robert Smith", "robert.smith@globex.com", "globex.com"),
        (0.8, 1.5, 2.0),
    )
    with store.transaction() as conn:
        for name, (a, b, probability) in {
            "jane": (people["jane"], people["jane.doe"], 0.91),
            "bob": (people["bob"], people["robert.smith"], 0.64),
        }.items():
            conn.execute(merge_suggestions.insert().values(
                id=suggestions[name], person_a=a, person_b=b, probability=probability,
                match_weight=6.2 if name == "jane" else 1.9,
                evidence=jane if name == "jane" else bob,
                status="pending", created_at=now))  # fmt: skip
    return WorkWorld(acme.id, globex.id, initech.id, {k: v.id for k, v in made.items()},
                     suggestions, people)  # fmt: skip
