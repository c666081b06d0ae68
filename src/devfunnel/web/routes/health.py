"""Liveness and readiness: is the database reachable and its schema current."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from devfunnel import __version__
from devfunnel.store import migrate
from devfunnel.web.deps import StoreDep
from devfunnel.web.openapi import problem_responses

router = APIRouter(prefix="/api/v1", tags=["health"])


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "ok", "version": "0.1.0", "database": "duckdb:///devfunnel.duckdb",
        "backend": "duckdb", "schema_revision": "0006"}]})  # fmt: skip
    status: Literal["ok"]
    version: str
    database: str
    backend: str
    schema_revision: str | None


@router.get(
    "/health",
    response_model=Health,
    summary="Service and database health",
    responses=problem_responses(
        {
            503: "the database duckdb:///empty.duckdb has no devfunnel schema; this version "
            "needs 0006. Run `devfunnel init` to create or migrate it."
        }
    ),
)
def health(store: StoreDep) -> Health:
    """Open to all (for load balancers and monitors): the version, the database (password
    hidden) and its schema revision; 503 when the database is unreachable or its schema
    is not current."""
    migrate.require_current(store)
    return Health(
        status="ok",
        version=__version__,
        database=store.describe(),
        backend=store.kind,
        schema_revision=migrate.current_revision(store),
    )
