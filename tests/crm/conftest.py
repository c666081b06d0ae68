"""A seeded company known to both CRMs, and the two CRMs as local HTTP servers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from devfunnel.config import Settings, load_settings
from devfunnel.store import Store
from tests.crm.fakes import TOKEN, FakeHubSpot, FakeSalesforce
from tests.helpers.local_http import LocalServer
from tests.helpers.records import NOW, Seed

SF_ACCOUNT, SF_DEAL, SF_CONTACT = "001A000001AbCdE", "006A000001XyZaB", "003A000001QwErT"


@dataclass
class World:
    acme: uuid.UUID
    deal: uuid.UUID
    sf_deal: uuid.UUID
    jane: uuid.UUID
    handoff: uuid.UUID
    seed: Seed


@pytest.fixture
def hubspot() -> FakeHubSpot:
    fake = FakeHubSpot()
    fake.records["companies"]["101"] = {"name": "Acme Inc"}
    fake.records["deals"]["9001"] = {"dealname": "Acme platform"}
    fake.records["contacts"]["301"] = {"email": "jane@acme.io"}
    return fake


@pytest.fixture
def salesforce() -> FakeSalesforce:
    fake = FakeSalesforce()
    fake.records["Account"][SF_ACCOUNT] = {"Name": "Acme Inc"}
    fake.records["Opportunity"][SF_DEAL] = {"Name": "Acme expansion"}
    fake.records["Contact"][SF_CONTACT] = {"Email": "jane@acme.io"}
    return fake


@pytest.fixture
def hubspot_server(hubspot: FakeHubSpot) -> Iterator[LocalServer]:
    server = LocalServer(hubspot).start()
    yield server
    server.stop()


@pytest.fixture
def salesforce_server(salesforce: FakeSalesforce) -> Iterator[LocalServer]:
    server = LocalServer(salesforce).start()
    yield server
    server.stop()


def crm_environ(hubspot_url: str | None, salesforce_url: str | None) -> dict[str, str]:
    env = {
        "DEVFUNNEL_SERVER_PUBLIC_URL": "https://devfunnel.acme.dev",
        "DEVFUNNEL_CRM_RETRY_SECONDS": "[1.0, 2.0, 4.0]",
    }
    if hubspot_url:
        env |= {"DEVFUNNEL_CRM_HUBSPOT_TOKEN": TOKEN, "DEVFUNNEL_CRM_HUBSPOT_BASE_URL": hubspot_url}
    if salesforce_url:
        env |= {
            "DEVFUNNEL_CRM_SALESFORCE_TOKEN": TOKEN,
            "DEVFUNNEL_CRM_SALESFORCE_INSTANCE_URL": salesforce_url,
        }
    return env


@pytest.fixture
def crm_settings(
    settings: Settings, hubspot_server: LocalServer, salesforce_server: LocalServer
) -> Settings:
    """Both CRMs connected (to the local fakes), retries after 1, 2 and 4 seconds."""
    return load_settings(None, environ=crm_environ(hubspot_server.url, salesforce_server.url))


@pytest.fixture
def world(store: Store) -> World:
    seed = Seed(store)
    owner = seed.user("ines.ae@acme.dev", "Ines Ortega")
    devrel = seed.user("dana.devrel@acme.dev", "Dana Lee", role="devrel")
    acme = seed.account(
        "Acme Inc", "acme.io", owner_id=owner, keys=[("hubspot", "101"), ("salesforce", SF_ACCOUNT)]
    )
    seed.account("Globex", "globex.com")  # not in any CRM: nothing is pushed for it
    seed.scores(acme)
    deal = seed.opportunity(acme, external_key="hubspot:9001", owner_id=owner)
    sf_deal = seed.opportunity(
        acme, name="Acme expansion", type="expansion", external_key=f"salesforce:{SF_DEAL}"
    )
    seed.opportunity(
        acme, name="Won already", status="won", stage="closed_won", external_key="hubspot:9002"
    )
    jane = seed.person(acme, "jane@acme.io", name="Jane Doe", traits={"crmContact": "hubspot:301"})
    seed.person_scores(jane)
    bob = seed.person(acme, "bob@acme.io", traits={"crmContact": f"salesforce:{SF_CONTACT}"})
    seed.person_scores(bob, engagement=12.0, pql=False, journey_stage="evaluate")
    handoff = seed.handoff(
        acme,
        opportunity_id=deal,
        from_user_id=devrel,
        to_user_id=owner,
        packet={
            "developers": [{"name": "Jane Doe", "stage": "build"}],
            "momentum": {"score": 82.5, "trend": "rising"},
        },
        created_at=NOW - timedelta(hours=2),
        updated_at=NOW - timedelta(hours=2),
    )
    return World(acme, deal, sf_deal, jane, handoff, seed)
