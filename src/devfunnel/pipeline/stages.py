"""Stage moves: forward only through exit criteria, closing with an outcome, all history
kept.

- An unknown stage is refused naming the valid ones; a move to the stage it is in, or
  from one closed stage to the other, is refused as a conflict (reopen it first).
- Forward moves must meet the exit criteria of the stage left and of every stage
  skipped (``exit_criteria.stages_left``); otherwise they are refused with the list of
  what is missing, unless an admin overrides with a reason
  (``gate_override.check_override``), which is stored in ``stage_history``
  (``override_reason``, ``unmet_criteria``) and audited as ``opportunity.gate_override``.
- Backward moves and losses are never gated. Moving to the lost stage needs a
  ``lost_reason``.
- Moving to a won or lost stage sets ``status`` and ``closed_at`` and clears the seller's
  probability and forecast-category overrides (the outcome decides them now); moving back
  to an open stage reopens the opportunity. Override changes are tracked like edits.
- Winning an opportunity starts the onboarding handoff its kind configures
  (``auto_create_on = "won"``), when someone can receive it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.errors import Conflict, DevfunnelError, ValidationError
from devfunnel.ids import new_id
from devfunnel.pipeline.common import jsonable, utc_now
from devfunnel.pipeline.exit_criteria import Unmet, stages_left, unmet_criteria
from devfunnel.pipeline.gate_override import check_override
from devfunnel.pipeline.opportunities import track_changes
from devfunnel.pipeline.opportunity_records import (
    OpportunityView,
    opportunity_row,
    opportunity_view,
    require_stage,
)
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunities, stage_history

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MoveResult:
    """The opportunity after the move, the stages it moved between, the criteria that
    were unmet (non-empty only when an admin overrode them), and any handoff started."""

    opportunity: OpportunityView
    from_stage: str
    to_stage: str
    unmet: list[Unmet]
    overridden: bool
    handoff_id: uuid.UUID | None = None


def move_opportunity(
    store: Store,
    settings: Settings,
    opportunity_id: uuid.UUID | str,
    stage: str,
    principal: Principal,
    *,
    override_reason: str | None = None,
    lost_reason: str | None = None,
    now: datetime | None = None,
) -> MoveResult:
    at = utc_now(now)
    require_stage(settings, stage)
    target = next(s for s in settings.pipeline.stages if s.id == stage)
    with store.transaction() as conn:
        before = opportunity_row(conn, opportunity_id)
        require_edit(principal, [before["owner_id"]], what=f"opportunity {before['name']!r}")
        current = before["stage"]
        _check_path(settings, before, stage)
        if target.outcome == "lost" and not (lost_reason or "").strip():
            raise ValidationError(
                f"lost_reason is required to move to {stage}: say why the opportunity was lost",
                field="lost_reason",
            )
        unmet = [
            u
            for s in stages_left(settings, current, stage)
            for u in unmet_criteria(conn, before, s)
        ]
        check_override(principal, unmet, override_reason, f"move from {current} to {stage}", stage)
        values: dict[str, Any] = {"stage": stage, "status": target.outcome, "updated_at": at}
        if target.outcome == "open":
            values |= {"closed_at": None, "lost_reason": None}
        else:
            values |= {"closed_at": at, "probability": None, "forecast_category": None}
            values["lost_reason"] = (
                lost_reason.strip()[:300] if target.outcome == "lost" and lost_reason else None
            )
        conn.execute(
            opportunities.update().where(opportunities.c.id == before["id"]).values(**values)
        )
        track_changes(conn, before, {**before, **values}, principal.user_id, at)
        conn.execute(
            stage_history.insert().values(
                id=new_id(),
                opportunity_id=before["id"],
                from_stage=current,
                to_stage=stage,
                changed_at=at,
                changed_by=principal.user_id,
                override_reason=override_reason.strip() if unmet and override_reason else None,
                unmet_criteria=[u.as_dict() for u in unmet] or None,
            )
        )
        audit.record(
            conn,
            principal.actor,
            "opportunity.move",
            entity_kind="opportunity",
            entity_id=before["id"],
            before=jsonable({"stage": current, "status": before["status"]}),
            after=jsonable({"stage": stage, "status": target.outcome}),
            reason=values.get("lost_reason"),
        )
        if unmet:
            audit.record(
                conn,
                principal.actor,
                "opportunity.gate_override",
                entity_kind="opportunity",
                entity_id=before["id"],
                before={"stage": current},
                after={"stage": stage, "unmet_criteria": [u.as_dict() for u in unmet]},
                reason=override_reason,
            )
        moved = opportunity_view(conn, settings, before["id"])
    handoff = _won_handoff(store, settings, moved, at) if target.outcome == "won" else None
    return MoveResult(moved, current, stage, unmet, bool(unmet), handoff)


def _check_path(settings: Settings, before: dict[str, Any], stage: str) -> None:
    current = before["stage"]
    if current == stage:
        raise Conflict(f"opportunity {before['id']} is already in {stage}", stage=stage)
    outcomes = {s.id: s.outcome for s in settings.pipeline.stages}
    if outcomes.get(current, "open") != "open" and outcomes[stage] != "open":
        raise Conflict(
            f"opportunity {before['id']} is closed ({current}); reopen it by moving it to an "
            f"open stage before moving it to {stage}",
            stage=stage,
        )


def _won_handoff(
    store: Store, settings: Settings, opportunity: OpportunityView, at: datetime
) -> uuid.UUID | None:
    """Start the onboarding handoff for a won opportunity; a failure to do so (nobody to
    receive it) is logged, not raised: the win stands, and the worker tries again."""
    from devfunnel.pipeline.auto_handoffs import handoff_for_won

    try:
        return handoff_for_won(store, settings, opportunity.id, now=at)
    except DevfunnelError as exc:
        log.warning("no handoff for won opportunity %s: %s", opportunity.id, exc.detail)
        return None
