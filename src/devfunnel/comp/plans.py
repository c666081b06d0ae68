"""Commission plans from configuration, versioned in the store.

Commissions must be computed with the plan that was in force when a deal closed, so each
change of a plan's definition in ``devfunnel.toml`` becomes a new version here instead of
rewriting history.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.comp import commission_plans


def sync_plans(store: Store, settings: Settings) -> list[str]:
    """Record a new version of every configured plan whose definition changed; return their
    keys."""
    now = datetime.now(UTC)
    changed = []
    with store.transaction() as conn:
        latest: dict[str, tuple[int, dict[str, object]]] = {}
        c = commission_plans.c
        for key, version, definition in conn.execute(
            sa.select(c.key, c.version, c.definition).order_by(c.key, c.version)
        ):
            latest[key] = (version, definition)
        for plan in settings.commissions.plans:
            definition = plan.model_dump(mode="json")
            current = latest.get(plan.id)
            if current is not None and current[1] == definition:
                continue
            version = current[0] + 1 if current else 1
            conn.execute(
                commission_plans.insert().values(
                    id=new_id(),
                    key=plan.id,
                    version=version,
                    definition=definition,
                    effective_from=now,
                    created_at=now,
                )
            )
            changed.append(plan.id)
    return changed
