"""Settings for running devfunnel: database, server, ingest limits, identity, secrets."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Strict = ConfigDict(extra="forbid", strict=True, validate_default=True)

_DB_SCHEMES = ("duckdb", "postgresql", "postgres", "postgresql+psycopg")


class CompanySettings(BaseModel):
    """Who the company is; used in the UI, currency display and fiscal periods."""

    model_config = Strict

    name: str = "Acme Developer Platform"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    timezone: str = "UTC"
    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] = 1
    #: Email domains of the company's own staff: their activity is never scored.
    internal_domains: list[str] = Field(default_factory=lambda: ["acme.dev"])

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like 'Europe/Berlin')"
            ) from None
        return value


class DatabaseSettings(BaseModel):
    """Which database holds the records; one URL picks the backend."""

    model_config = Strict

    #: ``duckdb:///path/to/file.duckdb`` (embedded) or ``postgresql+psycopg://user@host/db``.
    url: str = "duckdb:///devfunnel.duckdb"

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in _DB_SCHEMES:
            raise ValueError(
                f"unsupported database URL scheme {scheme or value!r}; use "
                "duckdb:///path.duckdb or postgresql+psycopg://user@host/db"
            )
        return value


class ServerSettings(BaseModel):
    """How ``devfunnel serve`` listens."""

    model_config = Strict

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    #: Signs session cookies. Left empty, a random secret is generated and kept in the
    #: database; set it explicitly when several server processes share one database.
    secret_key: SecretStr | None = None
    #: Origin the app is reached at, for links in alerts and CRM notes. With ``https://``
    #: session cookies are marked Secure.
    public_url: str = "http://127.0.0.1:8000"
    #: A sign-in lasts this many hours; then the user signs in again.
    session_hours: Annotated[int, Field(ge=1, le=720)] = 12
    #: Run background work (resolution, scoring, alerts) inside the server process.
    run_worker: bool = True

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "the secret key must have at least 32 characters (for example the output "
                "of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return value


class IngestSettings(BaseModel):
    """Limits and behaviour of event intake, matching Segment's published limits."""

    model_config = Strict

    max_event_bytes: Annotated[int, Field(ge=1024)] = 32 * 1024
    max_batch_bytes: Annotated[int, Field(ge=1024)] = 500 * 1024
    #: Correct client clocks from ``sentAt`` the way Segment does.
    correct_clock_skew: bool = True
    #: How long the acknowledgement path may wait to group concurrent requests into one
    #: commit; 0 commits each request alone.
    group_commit_ms: Annotated[int, Field(ge=0, le=1000)] = 2


class IdentitySettings(BaseModel):
    """How people and accounts are resolved from identities."""

    model_config = Strict

    #: Extra domains to treat as free mail, beyond the maintained list shipped with devfunnel.
    extra_free_mail_domains: list[str] = Field(default_factory=list)
    #: Pairs at or above this match probability merge without review.
    auto_merge_probability: Annotated[float, Field(gt=0.5, le=1.0)] = 0.90
    #: Pairs at or above this (and below auto-merge) wait for a person to review.
    review_probability: Annotated[float, Field(gt=0.0, le=1.0)] = 0.50
    #: The matcher runs in the background at most this often, when people were added.
    match_every_minutes: Annotated[int, Field(ge=1)] = 60
    #: GitHub logins matching any of these regular expressions belong to bots, not people.
    bot_patterns: list[str] = Field(
        default_factory=lambda: [
            r"\[bot\]$",
            r"-bot$",
            r"^dependabot",
            r"^renovate",
            r"^github-actions",
        ]
    )

    @model_validator(mode="after")
    def _thresholds(self) -> IdentitySettings:
        if self.review_probability >= self.auto_merge_probability:
            raise ValueError(
                f"identity.review_probability ({self.review_probability:g}) must be "
                "below identity.auto_merge_probability "
                f"({self.auto_merge_probability:g})"
            )
        return self

    @field_validator("bot_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"bot pattern {pattern!r} is not a valid regular expression: {exc}"
                ) from None
        return patterns


class WebhookSettings(BaseModel):
    """Secrets that verify webhook signatures (also ``DEVFUNNEL_*_WEBHOOK_SECRET``)."""

    model_config = Strict

    github_secret: SecretStr | None = None
    stripe_secret: SecretStr | None = None
    #: Stripe signatures older than this are refused (replay protection).
    stripe_tolerance_seconds: Annotated[int, Field(ge=1)] = 300


class WorkerSettings(BaseModel):
    """How background work runs."""

    model_config = Strict

    #: Seconds the in-process worker waits between checks when there is nothing to do.
    poll_seconds: Annotated[float, Field(gt=0)] = 1.0


class LoggingSettings(BaseModel):
    """Log verbosity."""

    model_config = Strict

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
