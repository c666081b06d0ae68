"""The alert kinds devfunnel raises, and how each is described to people."""

from __future__ import annotations

from typing import Final

#: Conditions devfunnel watches for; a destination may subscribe to some of them.
ALERT_KINDS: Final = ("became_pqa", "lead_sla_breached", "handoff_waiting", "deal_quiet")
#: The kind of the summary alert a digest destination receives instead of single alerts.
DIGEST: Final = "digest"

LABELS: Final = {
    "became_pqa": "Product-qualified account",
    "lead_sla_breached": "Lead SLA breached",
    "handoff_waiting": "Handoff waiting past due",
    "deal_quiet": "Deal and developers gone quiet",
    DIGEST: "Digest",
}

DESTINATION_KINDS: Final = ("slack", "webhook")
