"""Stripe intake refuses what is not a Stripe event, naming the field, and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.errors import ValidationError
from devfunnel.ingest.webhooks import stripe
from devfunnel.store import Store
from devfunnel.store.schema.events import webhook_deliveries


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"type": "invoice.paid"}, "id"), ({"id": "evt_1"}, "type"),
     ({"id": "evt_1", "type": "x", "created": 10**15}, "created"),
     ({"id": "evt_1", "type": "x", "created": "yesterday"}, "created"),
     ({"id": "evt_1", "type": "invoice.paid",
       "data": {"object": {"id": "in_1", "customer": "cus_1", "amount_due": "lots"}}},
      "data.object.amount_due")],
)  # fmt: skip
def test_bad_events_are_refused_by_field(store: Store, payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        stripe.receive(store, [payload])
    assert raised.value.context["field"] == field
    with store.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(webhook_deliveries)).scalar_one()
            == 0
        )
