"""The store's tables, one module per area; ``metadata`` holds them all for Alembic."""

from devfunnel.store.schema import (
    admin,
    comp,
    dashboard,
    events,
    identity,
    pipeline,
    predictions,
    revenue,
    scores,
    success,
)
from devfunnel.store.schema.columns import foreign_keys_on_postgresql_only, metadata

foreign_keys_on_postgresql_only(metadata)

__all__ = [
    "admin",
    "comp",
    "dashboard",
    "events",
    "identity",
    "metadata",
    "pipeline",
    "predictions",
    "revenue",
    "scores",
    "success",
]
