"""Whether an opportunity may leave a stage going forward: its exit criteria, evaluated
against the opportunity, its qualification and its latest technical validation.

A stage's ``exit_criteria`` (configuration) hold three kinds of criterion:

- ``required_fields``: opportunity fields that must be filled (``amount``,
  ``close_date``, ``owner``, ``next_step``, ``primary_contact``, ``competitor``,
  ``use_case``, ``economic_buyer_contact``);
- ``min_qualification``: a minimum score (0 unknown, 1 partial, 2 validated) per
  MEDDPICC or BANT element, read from the ``qualification`` table;
- ``min_technical_fit``: the latest ``technical_validations`` row of the opportunity
  (else the account's latest one not tied to another opportunity) must reach this fit.

Each unmet criterion comes back as structured data (``Unmet.as_dict``) with a sentence
that says what to do, so the API, the CLI and the stage history carry the same list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.sales import Stage
from devfunnel.store.query import chunked
from devfunnel.store.schema.pipeline import qualification, technical_validations

#: Exit-criteria field names and the opportunity columns that hold them.
FIELD_COLUMNS = {
    "amount": "amount_minor",
    "close_date": "close_date",
    "owner": "owner_id",
    "next_step": "next_step",
    "primary_contact": "primary_contact_id",
    "competitor": "competitor",
    "use_case": "use_case",
    "economic_buyer_contact": "economic_buyer_contact_id",
}
SCORE_WORDS = {0: "unknown", 1: "partial", 2: "validated"}


@dataclass(frozen=True)
class Unmet:
    """One exit criterion of ``stage`` that does not hold."""

    stage: str
    criterion: str
    name: str
    required: Any
    actual: Any
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "criterion": self.criterion,
            "name": self.name,
            "required": self.required,
            "actual": self.actual,
            "message": self.message,
        }


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: Which validation is "latest": the newest, and of two at the same moment the greater id,
#: so the one-by-one and the set-wise reads pick the same row.
_LATEST = (technical_validations.c.validated_at.desc(), technical_validations.c.id.desc())


def qualification_scores(conn: sa.Connection, opportunity_id: Any) -> dict[str, int]:
    q = qualification.c
    rows = conn.execute(sa.select(q.element, q.score).where(q.opportunity_id == opportunity_id))
    return {element: int(score) for element, score in rows}


def latest_technical_fit(conn: sa.Connection, opportunity: Mapping[str, Any]) -> float | None:
    """The technical fit of the opportunity's latest validation, else the account's
    latest one that is not about another opportunity."""
    t = technical_validations.c
    for where in (
        t.opportunity_id == opportunity["id"],
        sa.and_(t.account_id == opportunity["account_id"], t.opportunity_id.is_(None)),
    ):
        fit = conn.execute(
            sa.select(t.technical_fit).where(where).order_by(*_LATEST).limit(1)
        ).scalar()
        if fit is not None:
            return float(fit)
    return None


def qualification_scores_of(
    conn: sa.Connection, opportunity_ids: Collection[Any]
) -> dict[Any, dict[str, int]]:
    """:func:`qualification_scores` of many opportunities, in one query per chunk."""
    q = qualification.c
    found: dict[Any, dict[str, int]] = defaultdict(dict)
    for part in chunked(sorted(set(opportunity_ids), key=str)):
        for opportunity_id, element, score in conn.execute(
            sa.select(q.opportunity_id, q.element, q.score).where(q.opportunity_id.in_(part))
        ):
            found[opportunity_id][element] = int(score)
    return found


def latest_technical_fits(
    conn: sa.Connection, opportunities: Sequence[Mapping[Any, Any]]
) -> dict[Any, float | None]:
    """:func:`latest_technical_fit` of many opportunities (rows with ``id`` and
    ``account_id``): the latest validation per opportunity, then for those without one
    the latest per account not tied to an opportunity; each picked by a window over the
    same order as the one-by-one read."""
    t = technical_validations.c
    own = _latest_fits(conn, t.opportunity_id, [o["id"] for o in opportunities], sa.true())
    lacking = [o for o in opportunities if o["id"] not in own]
    accounts = _latest_fits(
        conn, t.account_id, [o["account_id"] for o in lacking], t.opportunity_id.is_(None)
    )
    return {
        o["id"]: own[o["id"]] if o["id"] in own else accounts.get(o["account_id"])
        for o in opportunities
    }


def _latest_fits(
    conn: sa.Connection, key: sa.Column[Any], ids: Collection[Any], where: sa.ColumnElement[bool]
) -> dict[Any, float]:
    """The latest technical fit per value of ``key`` among ``ids``."""
    t = technical_validations.c
    latest: dict[Any, float] = {}
    for part in chunked(sorted(set(ids), key=str)):
        ranked = (
            sa.select(
                key.label("key"),
                t.technical_fit,
                sa.func.row_number().over(partition_by=key, order_by=_LATEST).label("n"),
            )
            .where(key.in_(part), where)
            .subquery()
        )
        rows = conn.execute(sa.select(ranked.c.key, ranked.c.technical_fit).where(ranked.c.n == 1))
        latest.update((k, float(fit)) for k, fit in rows)
    return latest


def unmet_criteria(
    conn: sa.Connection, opportunity: Mapping[str, Any], stage: Stage
) -> list[Unmet]:
    """The exit criteria of ``stage`` that ``opportunity`` (an ``opportunities`` row)
    does not meet."""
    criteria = stage.exit_criteria
    scores = qualification_scores(conn, opportunity["id"]) if criteria.min_qualification else {}
    fit = (
        latest_technical_fit(conn, opportunity) if criteria.min_technical_fit is not None else None
    )
    return judge(opportunity, stage, scores, fit)


def judge(
    opportunity: Mapping[Any, Any], stage: Stage, scores: Mapping[str, int], fit: float | None
) -> list[Unmet]:
    """The rule itself, on inputs already read: ``scores`` are the opportunity's
    qualification scores and ``fit`` its latest technical fit (see
    :func:`latest_technical_fit`). Both the per-opportunity gate of a move and the
    board's set-wise :func:`gate_statuses` call it, so they cannot disagree."""
    criteria = stage.exit_criteria
    unmet: list[Unmet] = []
    for name in criteria.required_fields:
        if _blank(opportunity.get(FIELD_COLUMNS[name])):
            unmet.append(
                Unmet(
                    stage.id,
                    "required_field",
                    name,
                    "set",
                    None,
                    f"set {name} (required to leave {stage.id})",
                )
            )
    if criteria.min_qualification:
        for element, minimum in criteria.min_qualification.items():
            actual = scores.get(element, 0)
            if actual < minimum:
                unmet.append(
                    Unmet(
                        stage.id,
                        "min_qualification",
                        element,
                        minimum,
                        actual,
                        f"qualify {element} to at least {minimum} ({SCORE_WORDS[minimum]}); "
                        f"it is {actual} ({SCORE_WORDS.get(actual, actual)})",
                    )
                )
    if criteria.min_technical_fit is not None and (fit is None or fit < criteria.min_technical_fit):
        shown = "there is no technical validation" if fit is None else f"it is {fit:g}"
        unmet.append(
            Unmet(
                stage.id,
                "min_technical_fit",
                "technical_fit",
                criteria.min_technical_fit,
                fit,
                f"record a technical validation with a fit of at least "
                f"{criteria.min_technical_fit:g}; {shown}",
            )
        )
    return unmet


def stages_left(settings: Settings, from_stage: str, to_stage: str) -> list[Stage]:
    """The open stages a forward move from ``from_stage`` to ``to_stage`` leaves or
    skips, whose exit criteria must all hold; empty for a backward move or a loss."""
    stages = settings.pipeline.stages
    ids = [s.id for s in stages]
    start, end = ids.index(from_stage), ids.index(to_stage)
    target = stages[end]
    if target.outcome == "lost" or end <= start:
        return []
    if target.outcome == "won":
        end = len([s for s in stages if s.outcome == "open"])
    return [s for s in stages[start:end] if s.outcome == "open"]


@dataclass(frozen=True)
class GateStatus:
    """Whether an open opportunity may move to the next stage now, and what is missing."""

    stage: str
    next_stage: str | None
    ready: bool
    missing: list[Unmet]


def gate_status(
    conn: sa.Connection, settings: Settings, opportunity: Mapping[str, Any]
) -> GateStatus:
    stages = settings.pipeline.stages
    current = opportunity["stage"]
    ids = [s.id for s in stages]
    if current not in ids or stages[ids.index(current)].outcome != "open":
        return GateStatus(current, None, False, [])
    following = stages[ids.index(current) + 1]
    missing = unmet_criteria(conn, opportunity, stages[ids.index(current)])
    return GateStatus(current, following.id, not missing, missing)


def gate_statuses(
    conn: sa.Connection, settings: Settings, opportunities: Sequence[Mapping[Any, Any]]
) -> list[GateStatus]:
    """:func:`gate_status` of many opportunities (``opportunities`` rows), in order, with
    a few queries in all instead of two or three each: the board shows hundreds."""
    stages = {s.id: s for s in settings.pipeline.stages}
    ids = [s.id for s in settings.pipeline.stages]
    gated = [
        o for o in opportunities if o["stage"] in stages and stages[o["stage"]].outcome == "open"
    ]
    scores = qualification_scores_of(
        conn, [o["id"] for o in gated if stages[o["stage"]].exit_criteria.min_qualification]
    )
    fits = latest_technical_fits(
        conn, [o for o in gated if stages[o["stage"]].exit_criteria.min_technical_fit is not None]
    )
    statuses = []
    for o in opportunities:
        stage = stages.get(o["stage"])
        if stage is None or stage.outcome != "open":
            statuses.append(GateStatus(o["stage"], None, False, []))
            continue
        missing = judge(o, stage, scores.get(o["id"], {}), fits.get(o["id"]))
        following = ids[ids.index(stage.id) + 1]
        statuses.append(GateStatus(stage.id, following, not missing, missing))
    return statuses
