"""Liveness and readiness: is the database reachable and its schema current."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from devfunnel import __version__
from devfunnel.store import migrate
from devfunnel.web.deps import StoreDep

router = APIRouter(prefix="/api/v1", tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str
    backend: str
    schema_revision: str | None


@router.get("/health", response_model=Health, summary="Service and database health")
def health(store: StoreDep) -> Health:
    migrate.require_current(store)
    return Health(
        status="ok",
        version=__version__,
        database=store.describe(),
        backend=store.kind,
        schema_revision=migrate.current_revision(store),
    )
