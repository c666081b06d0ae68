"""CRM write-back: which connections exist, and which devfunnel field goes to which CRM field.

Scores and handoff packets are pushed to HubSpot and Salesforce through their public REST
APIs. A connection is on when its token is set (and, for Salesforce, its instance URL);
the field mappings are checked on load, so a misspelt devfunnel field fails at start-up
instead of silently never being pushed.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

Strict = ConfigDict(extra="forbid", strict=True, validate_default=True)

#: What devfunnel knows about an account (from ``account_scores``), pushable to the CRM's
#: company or account record and, for context, to its open deals or opportunities.
ACCOUNT_FIELDS: Final = (
    "momentum",
    "fit",
    "grade",
    "journey_stage",
    "active_developers",
    "pqa",
    "pqa_since",
    "why",
)
#: What devfunnel knows about a person (from ``person_scores``), pushable to a contact.
PERSON_FIELDS: Final = ("engagement", "journey_stage", "pql", "why")

_HUBSPOT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
_SALESFORCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


def _check_mapping(
    mapping: dict[str, str], known: tuple[str, ...], pattern: re.Pattern[str], crm: str
) -> dict[str, str]:
    """Refuse unknown devfunnel fields, malformed CRM names and two fields sharing one name."""
    for field, target in mapping.items():
        if field not in known:
            raise ValueError(f"unknown devfunnel field {field!r}; fields: {', '.join(known)}")
        if not pattern.match(target):
            raise ValueError(f"{field} = {target!r} is not a valid {crm} field name")
    targets = list(mapping.values())
    for target in targets:
        if targets.count(target) > 1:
            raise ValueError(f"{crm} field {target!r} is mapped from more than one field")
    return mapping


class HubSpotSettings(BaseModel):
    """HubSpot CRM (v3 objects API) with a private app's access token."""

    model_config = Strict

    #: Private app access token; also ``DEVFUNNEL_CRM_HUBSPOT_TOKEN``. Unset: no push.
    token: SecretStr | None = None
    base_url: str = "https://api.hubapi.com"
    #: devfunnel account field -> company property (internal name).
    properties: dict[str, str] = Field(
        default_factory=lambda: {
            "momentum": "devfunnel_momentum",
            "fit": "devfunnel_fit",
            "grade": "devfunnel_grade",
            "journey_stage": "devfunnel_journey_stage",
            "pqa": "devfunnel_pqa",
            "pqa_since": "devfunnel_pqa_since",
        }
    )
    #: devfunnel person field -> contact property.
    contact_properties: dict[str, str] = Field(
        default_factory=lambda: {
            "engagement": "devfunnel_engagement",
            "journey_stage": "devfunnel_journey_stage",
            "pql": "devfunnel_pql",
        }
    )
    #: devfunnel account field -> deal property, set on the account's open deals.
    deal_properties: dict[str, str] = Field(
        default_factory=lambda: {
            "momentum": "devfunnel_momentum",
            "grade": "devfunnel_grade",
            "pqa": "devfunnel_pqa",
        }
    )
    #: Log each handoff packet as a note on the company (and the deal, when known).
    handoff_notes: bool = True

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("properties", "deal_properties")
    @classmethod
    def _account_mapping(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_mapping(value, ACCOUNT_FIELDS, _HUBSPOT_NAME, "HubSpot")

    @field_validator("contact_properties")
    @classmethod
    def _person_mapping(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_mapping(value, PERSON_FIELDS, _HUBSPOT_NAME, "HubSpot")

    @property
    def enabled(self) -> bool:
        return self.token is not None and bool(self.token.get_secret_value())


class SalesforceSettings(BaseModel):
    """Salesforce REST API with an OAuth access token and the org's instance URL."""

    model_config = Strict

    #: OAuth access token; also ``DEVFUNNEL_CRM_SALESFORCE_TOKEN``. Unset: no push.
    token: SecretStr | None = None
    #: The org's instance URL, e.g. ``https://acme.my.salesforce.com``.
    instance_url: str | None = None
    api_version: Annotated[str, Field(pattern=r"^v\d{2,3}\.\d$")] = "v62.0"
    #: devfunnel account field -> Account field (API name).
    fields: dict[str, str] = Field(
        default_factory=lambda: {
            "momentum": "Devfunnel_Momentum__c",
            "fit": "Devfunnel_Fit__c",
            "grade": "Devfunnel_Grade__c",
            "journey_stage": "Devfunnel_Journey_Stage__c",
            "pqa": "Devfunnel_PQA__c",
            "pqa_since": "Devfunnel_PQA_Since__c",
        }
    )
    #: devfunnel person field -> Contact field.
    contact_fields: dict[str, str] = Field(
        default_factory=lambda: {
            "engagement": "Devfunnel_Engagement__c",
            "journey_stage": "Devfunnel_Journey_Stage__c",
            "pql": "Devfunnel_PQL__c",
        }
    )
    #: devfunnel account field -> Opportunity field, set on the account's open opportunities.
    opportunity_fields: dict[str, str] = Field(
        default_factory=lambda: {
            "momentum": "Devfunnel_Momentum__c",
            "grade": "Devfunnel_Grade__c",
            "pqa": "Devfunnel_PQA__c",
        }
    )
    #: Log each handoff packet as a completed Task on the opportunity (else the account).
    handoff_tasks: bool = True

    @field_validator("instance_url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            if info.data.get("token") is not None:
                raise ValueError("instance_url is required when crm.salesforce.token is set")
            return None
        return _http_url(value)

    @field_validator("fields", "opportunity_fields")
    @classmethod
    def _account_mapping(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_mapping(value, ACCOUNT_FIELDS, _SALESFORCE_NAME, "Salesforce")

    @field_validator("contact_fields")
    @classmethod
    def _person_mapping(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_mapping(value, PERSON_FIELDS, _SALESFORCE_NAME, "Salesforce")

    @property
    def enabled(self) -> bool:
        return (
            self.token is not None
            and bool(self.token.get_secret_value())
            and self.instance_url is not None
        )


class CrmSettings(BaseModel):
    """How changes are written back to the CRM through the outbox."""

    model_config = Strict

    #: Delays between attempts to send one change; after the last, it is dead.
    retry_seconds: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [30.0, 120.0, 600.0, 1800.0, 7200.0]
    )
    #: Seconds to wait for the CRM to answer one request.
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    #: Changes sent per request where the CRM takes batches (HubSpot allows 100).
    batch_size: Annotated[int, Field(ge=1, le=100)] = 100
    #: The background worker looks for changed scores and new handoffs this often.
    sync_every_seconds: Annotated[int, Field(ge=1)] = 60
    hubspot: HubSpotSettings = Field(default_factory=HubSpotSettings)
    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)

    @field_validator("retry_seconds")
    @classmethod
    def _some(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("give at least one retry delay")
        return value


def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")
