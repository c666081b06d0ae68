"""Qualification records: what sellers know about an opportunity, element by element.

Each element of an enabled framework (MEDDPICC, BANT; ``qualification.frameworks``) has a
score (0 unknown, 1 partial, 2 validated), evidence (a note, a link), the person it
concerns, and who updated it when. Table ``qualification`` holds the current value of each
element; every change made here is audited (``qualification.update``, with before and
after), so the value an element had at any moment can be read back
(:func:`scores_as_of`), which the success-probability model needs to learn only from
what was known at the time.

Writes check the caller with ``admin.permissions.require_edit`` against the opportunity's
owner: sellers change their own deals, managers and admins any.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.identity.keys import normalise_email
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.identity import identities, people
from devfunnel.store.schema.pipeline import opportunities, qualification
from devfunnel.vocabulary import QUALIFICATION_FRAMEWORKS, QUALIFICATION_SCORES

AUDIT_ACTION = "qualification.update"

LABELS = {
    "metrics": "Metrics", "economic_buyer": "Economic buyer",
    "decision_criteria": "Decision criteria", "decision_process": "Decision process",
    "paper_process": "Paper process", "identify_pain": "Identify pain", "champion": "Champion",
    "competition": "Competition", "budget": "Budget", "authority": "Authority", "need": "Need",
    "timeline": "Timeline",
}  # fmt: skip
SCORE_WORDS = {0: "unknown", 1: "partial", 2: "validated"}


@dataclass(frozen=True)
class ElementScore:
    """One qualification element of an opportunity as it stands."""

    framework: str
    element: str
    label: str
    score: int
    evidence: str | None = None
    evidence_url: str | None = None
    contact_id: uuid.UUID | None = None
    updated_by: uuid.UUID | None = None
    updated_at: datetime | None = None

    @property
    def score_word(self) -> str:
        return SCORE_WORDS[self.score]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"score_word": self.score_word}


def enabled_elements(settings: Settings) -> list[tuple[str, str]]:
    """``(framework, element)`` for every element of the enabled frameworks, in order."""
    return [
        (framework, element)
        for framework in settings.qualification.frameworks
        for element in QUALIFICATION_FRAMEWORKS[framework]
    ]


def framework_of(settings: Settings, element: str) -> str:
    """The enabled framework an element belongs to; a clear error for anything else."""
    for framework, name in enabled_elements(settings):
        if name == element:
            return framework
    known = [e for _, e in enabled_elements(settings)]
    raise ValidationError(
        f"unknown qualification element {element!r}; elements: {', '.join(known)}",
        field="element",
        value=element,
    )


def find_opportunity(conn: sa.Connection, reference: str | uuid.UUID) -> sa.Row[Any]:
    """An opportunity by id, or by its external key (``hubspot:opp-42``)."""
    o = opportunities.c
    try:
        as_id = reference if isinstance(reference, uuid.UUID) else uuid.UUID(str(reference))
        where = o.id == as_id
    except ValueError:
        where = o.external_key == str(reference)
    row = conn.execute(sa.select(opportunities).where(where)).first()
    if row is None:
        raise NotFound(f"no opportunity {reference}", opportunity=str(reference))
    return row


def read_qualification(
    conn: sa.Connection, settings: Settings, opportunity_id: uuid.UUID
) -> list[ElementScore]:
    """Every enabled element of the opportunity; elements never recorded score 0."""
    return read_qualifications(conn, settings, [opportunity_id])[opportunity_id]


def read_qualifications(
    conn: sa.Connection, settings: Settings, opportunity_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[ElementScore]]:
    """:func:`read_qualification` of several opportunities in one query (a page listing
    deals), by opportunity id."""
    wanted = list(dict.fromkeys(opportunity_ids))
    stored: dict[tuple[uuid.UUID, str], Any] = {}
    if wanted:
        rows = conn.execute(
            sa.select(qualification).where(qualification.c.opportunity_id.in_(wanted))
        )
        stored = {(row.opportunity_id, row.element): row for row in rows}
    elements = enabled_elements(settings)
    out: dict[uuid.UUID, list[ElementScore]] = {}
    for opportunity_id in wanted:
        scores = out[opportunity_id] = []
        for framework, element in elements:
            row = stored.get((opportunity_id, element))
            scores.append(
                ElementScore(
                    framework=framework,
                    element=element,
                    label=LABELS[element],
                    score=int(row.score) if row else 0,
                    evidence=row.evidence if row else None,
                    evidence_url=row.evidence_url if row else None,
                    contact_id=row.contact_id if row else None,
                    updated_by=row.updated_by if row else None,
                    updated_at=row.updated_at if row else None,
                )
            )
    return out


def current_scores(conn: sa.Connection, opportunity_id: uuid.UUID) -> dict[str, int]:
    """Recorded scores by element (elements never recorded are absent: score 0)."""
    q = qualification.c
    rows = conn.execute(sa.select(q.element, q.score).where(q.opportunity_id == opportunity_id))
    return {element: int(score) for element, score in rows}


def set_element(
    store: Store,
    settings: Settings,
    principal: Principal,
    opportunity: str | uuid.UUID,
    element: str,
    score: Any,
    *,
    evidence: str | None = None,
    evidence_url: str | None = None,
    contact: str | uuid.UUID | None = None,
    now: datetime | None = None,
) -> ElementScore:
    """Record one element (replacing its score, evidence and contact), audited.

    ``contact`` is a person's id or an email they are known by. Raises ValidationError
    for an unknown element, a score outside 0-2 or an unknown contact, NotFound for an
    unknown opportunity, Forbidden when the caller may not change the opportunity.
    """
    framework = framework_of(settings, element)
    if isinstance(score, bool) or not isinstance(score, int) or score not in QUALIFICATION_SCORES:
        raise ValidationError(
            f"score must be 0 (unknown), 1 (partial) or 2 (validated), not {score!r}",
            field="score",
            value=score,
        )
    evidence = (evidence or "").strip() or None
    if evidence is not None and len(evidence) > 4000:
        raise ValidationError("evidence is longer than 4000 characters", field="evidence")
    evidence_url = (evidence_url or "").strip() or None
    if evidence_url is not None and (
        len(evidence_url) > 2000 or not evidence_url.startswith(("https://", "http://"))
    ):
        raise ValidationError(
            "evidence_url must be an http(s) link of at most 2000 characters",
            field="evidence_url",
            value=evidence_url[:200],
        )
    now = now or datetime.now(UTC)
    with store.transaction() as conn:
        opp = find_opportunity(conn, opportunity)
        require_edit(principal, [opp.owner_id], what=f"opportunity {opp.name!r}")
        contact_id = find_contact(conn, contact) if contact is not None else None
        q = qualification.c
        before = conn.execute(
            sa.select(qualification).where(q.opportunity_id == opp.id, q.element == element)
        ).first()
        values = {
            "framework": framework,
            "score": score,
            "evidence": evidence,
            "evidence_url": evidence_url,
            "contact_id": contact_id,
            "updated_by": principal.user_id,
            "updated_at": now,
        }
        if before is None:
            conn.execute(
                qualification.insert().values(
                    id=new_id(), opportunity_id=opp.id, element=element, **values
                )
            )
        else:
            conn.execute(qualification.update().where(q.id == before.id).values(**values))
        audit.record(
            conn,
            principal.actor,
            AUDIT_ACTION,
            entity_kind="opportunity",
            entity_id=opp.id,
            before=_audited(element, before._mapping if before else None),
            after=_audited(element, values),
        )
    return ElementScore(
        framework=framework,
        element=element,
        label=LABELS[element],
        score=score,
        evidence=evidence,
        evidence_url=evidence_url,
        contact_id=contact_id,
        updated_by=principal.user_id,
        updated_at=now,
    )


def find_contact(conn: sa.Connection, reference: str | uuid.UUID) -> uuid.UUID:
    """A live person by id (following merges) or by an email identity."""
    text = str(reference).strip()
    person_id: uuid.UUID | None = None
    try:
        person_id = reference if isinstance(reference, uuid.UUID) else uuid.UUID(text)
    except ValueError:
        email = normalise_email(text) if "@" in text else None
        if email:
            person_id = conn.execute(
                sa.select(identities.c.person_id).where(identities.c.key == f"email:{email}")
            ).scalar()
    for _ in range(16):  # follow merges to the surviving person
        if person_id is None:
            break
        found = conn.execute(
            sa.select(people.c.merged_into).where(people.c.id == person_id)
        ).first()
        if found is None:
            person_id = None
        elif found.merged_into is None:
            return person_id
        else:
            person_id = found.merged_into
    raise ValidationError(
        f"unknown contact {text!r}: no person with that id or email",
        field="contact",
        value=text,
    )


def _audited(element: str, row: Mapping[Any, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "element": element,
        "score": int(row["score"]),
        "evidence": row.get("evidence"),
        "evidence_url": row.get("evidence_url"),
        "contact_id": str(row["contact_id"]) if row.get("contact_id") else None,
        "updated_at": row["updated_at"].isoformat() if row.get("updated_at") else None,
    }


def scores_as_of(
    conn: sa.Connection, moments: Iterable[tuple[uuid.UUID, datetime]]
) -> dict[tuple[uuid.UUID, datetime], dict[str, int]]:
    """Each opportunity's scores as they stood at a moment.

    An element counts at moment T from the latest of: its current row, if last updated by
    T; an audited change made by T (at the time the change states, else when audited).
    Anything recorded later (an import today of a deal closed last year) is not known at T.
    """
    wanted = list(moments)
    ids = sorted({opp for opp, _ in wanted})
    history: dict[uuid.UUID, list[tuple[datetime, str, int]]] = {i: [] for i in ids}
    q = qualification.c
    for part in chunked(ids):
        for row in conn.execute(
            sa.select(q.opportunity_id, q.element, q.score, q.updated_at).where(
                q.opportunity_id.in_(part)
            )
        ):
            history[row.opportunity_id].append((row.updated_at, row.element, int(row.score)))
        a = audit_log.c
        for change in conn.execute(
            sa.select(a.entity_id, a.occurred_at, a.after).where(
                a.action == AUDIT_ACTION, a.entity_id.in_(part)
            )
        ):
            after = change.after or {}
            if "element" in after and "score" in after:
                stated = after.get("updated_at")
                when = datetime.fromisoformat(stated) if stated else change.occurred_at
                history[change.entity_id].append((when, str(after["element"]), int(after["score"])))
    out: dict[tuple[uuid.UUID, datetime], dict[str, int]] = {}
    for opp, at in wanted:
        scores: dict[str, tuple[datetime, int]] = {}
        for when, element, score in history.get(opp, []):
            if when <= at and (element not in scores or when >= scores[element][0]):
                scores[element] = (when, score)
        out[(opp, at)] = {element: score for element, (_, score) in scores.items()}
    return out
