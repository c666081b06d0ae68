"""One opportunity's qualification picture, as the API and the CLI show it.

Joint qualification is both sides at once: what sellers recorded (MEDDPICC and BANT),
what the developers show (the technical validation), whether that is enough to leave the
current stage (the gate), and the modelled chance of winning with its why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from devfunnel.config import Settings
from devfunnel.pipeline import gates, technical_validation
from devfunnel.pipeline.qualification import ElementScore, find_opportunity, read_qualification
from devfunnel.scoring.success.predictions import Prediction, prediction_for
from devfunnel.store import Store


@dataclass
class OpportunityQualification:
    opportunity: dict[str, Any]
    frameworks: dict[str, list[ElementScore]]
    technical_validation: technical_validation.TechnicalValidation | None
    gate: gates.GateStatus
    success: Prediction | None
    stage_probability: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "opportunity": self.opportunity,
            **{name: [e.as_dict() for e in els] for name, els in self.frameworks.items()},
            "technical_validation": (
                self.technical_validation.as_dict() if self.technical_validation else None
            ),
            "gate": self.gate.as_dict(),
            "success": self.success.as_dict() if self.success else None,
            "stage_probability": self.stage_probability,
        }


def opportunity_qualification(
    store: Store, settings: Settings, reference: str | uuid.UUID
) -> OpportunityQualification:
    """Everything about qualifying one opportunity (by id or external key)."""
    with store.read() as conn:
        opp = find_opportunity(conn, reference)
        elements = read_qualification(conn, settings, opp.id)
        frameworks: dict[str, list[ElementScore]] = {
            f: [] for f in settings.qualification.frameworks
        }
        for element in elements:
            frameworks[element.framework].append(element)
        stage = next((s for s in settings.pipeline.stages if s.id == opp.stage), None)
        return OpportunityQualification(
            opportunity={
                "id": opp.id,
                "name": opp.name,
                "account_id": opp.account_id,
                "stage": opp.stage,
                "status": opp.status,
                "type": opp.type,
                "owner_id": opp.owner_id,
                "external_key": opp.external_key,
            },
            frameworks=frameworks,
            technical_validation=technical_validation.latest(conn, opp.id),
            gate=gates.gate_status(conn, settings, opp.id),
            success=prediction_for(conn, opp.id),
            stage_probability=stage.probability if stage else None,
        )
