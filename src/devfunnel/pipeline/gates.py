"""Stage gates: which of a stage's exit criteria an opportunity does not meet yet.

A stage's ``exit_criteria`` (``[[pipeline.stages]]``) must hold before an opportunity
leaves it going forward: required fields filled, a minimum qualification score per
element, and a technical validation with at least a minimum technical fit.

:func:`unmet_criteria` is the pure rule: given the stage, the opportunity's fields, its
qualification scores and its technical fit, it lists what is missing, in the order the
configuration states it (fields, then elements, then technical fit). An empty list means
the gate is open. The pipeline's stage moves call it to refuse (or, with an admin's
override, record) a move; :func:`check_exit` reads the same inputs from the store, and
:func:`gate_status` adds the stage the opportunity would move to, for display.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.sales import Stage
from devfunnel.errors import ValidationError
from devfunnel.pipeline.qualification import LABELS, current_scores, find_opportunity
from devfunnel.pipeline.technical_validation import latest_fit

#: Opportunity fields an exit criterion may require, and the column that holds each.
FIELD_COLUMNS: dict[str, str] = {
    "amount": "amount_minor", "close_date": "close_date", "owner": "owner_id",
    "next_step": "next_step", "primary_contact": "primary_contact_id",
    "competitor": "competitor", "use_case": "use_case",
    "economic_buyer_contact": "economic_buyer_contact_id",
}  # fmt: skip

CriterionKind = Literal["required_field", "min_qualification", "min_technical_fit"]


@dataclass(frozen=True)
class UnmetCriterion:
    """One exit criterion an opportunity does not meet.

    ``name`` is the field (``amount``), the qualification element (``champion``) or
    ``technical_fit``; ``required`` and ``actual`` are the minimum and the value now
    (``None`` for a required field, or for a technical fit with no validation at all).
    """

    kind: CriterionKind
    name: str
    required: float | None
    actual: float | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GateStatus:
    """The exit criteria of an opportunity's current stage, and the stage it would enter."""

    stage: str
    next_stage: str | None
    unmet: list[UnmetCriterion] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.unmet

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "next_stage": self.next_stage,
            "passed": self.passed,
            "unmet": [u.as_dict() for u in self.unmet],
        }


def stage_of(settings: Settings, stage_id: str) -> Stage:
    try:
        return settings.pipeline.stage(stage_id)
    except KeyError:
        known = ", ".join(s.id for s in settings.pipeline.stages)
        raise ValidationError(
            f"unknown stage {stage_id!r}; configured stages: {known}", field="stage", value=stage_id
        ) from None


def unmet_criteria(
    settings: Settings,
    stage_id: str,
    opportunity: Mapping[Any, Any],
    qualification_scores: Mapping[str, int],
    technical_fit: float | None,
) -> list[UnmetCriterion]:
    """What keeps an opportunity from leaving ``stage_id`` going forward.

    ``opportunity`` maps the opportunity's columns (``amount_minor``, ``owner_id``, ...; a
    row's ``_mapping`` will do) or the field names of ``FIELD_COLUMNS``; a field counts as
    filled unless it is missing, ``None`` or blank text. ``qualification_scores`` maps
    elements to 0-2 (a missing element is 0). ``technical_fit`` is the fit (0-100) of the
    opportunity's current technical validation, ``None`` when there is none.
    Raises ValidationError for a stage that is not configured.
    """
    criteria = stage_of(settings, stage_id).exit_criteria
    unmet: list[UnmetCriterion] = []
    for name in criteria.required_fields:
        column = FIELD_COLUMNS[name]
        value = opportunity.get(column, opportunity.get(name))
        if value is None or (isinstance(value, str) and not value.strip()):
            unmet.append(
                UnmetCriterion(
                    "required_field", name, None, None, f"{name.replace('_', ' ')} is not filled"
                )
            )
    for element, minimum in criteria.min_qualification.items():
        score = int(qualification_scores.get(element, 0))
        if score < minimum:
            unmet.append(
                UnmetCriterion(
                    "min_qualification",
                    element,
                    float(minimum),
                    float(score),
                    f"{LABELS[element]} is scored {score}; the stage needs {minimum}",
                )
            )
    minimum_fit = criteria.min_technical_fit
    if minimum_fit is not None and (technical_fit is None or technical_fit < minimum_fit):
        unmet.append(
            UnmetCriterion(
                "min_technical_fit",
                "technical_fit",
                float(minimum_fit),
                technical_fit,
                "no technical validation yet"
                if technical_fit is None
                else f"technical fit is {technical_fit:.0f}; the stage needs {minimum_fit:g}",
            )
        )
    return unmet


def check_exit(
    conn: sa.Connection,
    settings: Settings,
    opportunity_id: uuid.UUID | str,
    stage_id: str | None = None,
) -> list[UnmetCriterion]:
    """:func:`unmet_criteria` for a stored opportunity, leaving ``stage_id`` (default: the
    stage it is in), with its recorded qualification and latest technical validation."""
    opp = find_opportunity(conn, opportunity_id)
    return unmet_criteria(
        settings,
        stage_id or opp.stage,
        opp._mapping,
        current_scores(conn, opp.id),
        latest_fit(conn, opp.id),
    )


def next_stage(settings: Settings, stage_id: str) -> str | None:
    """The stage an opportunity moves to going forward: the next open stage, or the won
    stage from the last open one; ``None`` from a closed stage."""
    stages = settings.pipeline.stages
    current = stage_of(settings, stage_id)
    if current.outcome != "open":
        return None
    open_ids = [s.id for s in stages if s.outcome == "open"]
    position = open_ids.index(current.id)
    if position + 1 < len(open_ids):
        return open_ids[position + 1]
    return next(s.id for s in stages if s.outcome == "won")


def gate_status(
    conn: sa.Connection, settings: Settings, opportunity_id: uuid.UUID | str
) -> GateStatus:
    """The gate between an opportunity's stage and the next one."""
    opp = find_opportunity(conn, opportunity_id)
    return GateStatus(
        stage=opp.stage,
        next_stage=next_stage(settings, opp.stage),
        unmet=check_exit(conn, settings, opp.id, opp.stage),
    )
