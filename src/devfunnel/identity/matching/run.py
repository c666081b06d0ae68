"""Apply the matcher: merge what is certain, queue what is likely for review.

Pairs at or above ``identity.auto_merge_probability`` merge automatically (recorded as an
``auto_merged`` suggestion with its evidence, so it can be reviewed and undone); pairs at
or above ``identity.review_probability`` wait as ``pending`` suggestions. Pairs someone
blocked or already rejected are never suggested again.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity import accounts as account_assignment
from devfunnel.identity import people as person_attributes
from devfunnel.identity.domains import DomainClassifier
from devfunnel.identity.graph import IdentityGraph
from devfunnel.identity.matching.model import ScoredPair, score_pairs
from devfunnel.identity.matching.records import build_records
from devfunnel.identity.merging import PlannedMerge, merge_people_batch
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.identity import merge_blocks, merge_suggestions

log = logging.getLogger(__name__)


@dataclass
class MatchReport:
    compared_people: int = 0
    scored_pairs: int = 0
    merged: int = 0
    suggested: int = 0
    skipped_blocked: int = 0
    touched_people: list[uuid.UUID] = field(default_factory=list)


def run_matching(store: Store, settings: Settings) -> MatchReport:
    """Score every comparable pair of people and act on the result."""
    report = MatchReport()
    identity = settings.identity
    classifier = DomainClassifier(identity.extra_free_mail_domains)
    with store.read() as conn:
        records = build_records(conn, classifier)
    report.compared_people = records.table.num_rows
    pairs = score_pairs(records.table, identity.review_probability)
    report.scored_pairs = len(pairs)
    now = datetime.now(UTC)
    with store.exclusive("identity-resolution") as conn:
        blocked = _blocked_pairs(conn, records.keys)
        decided = _decided_pairs(conn)
        # People already merged in this run form components; blocks hold across them.
        graph = IdentityGraph(blocks=[(str(a), str(b)) for a, b in map(tuple, blocked)])
        survivor: dict[str, uuid.UUID] = {}
        suggestions = []
        planned: list[PlannedMerge] = []
        for pair in sorted(pairs, key=lambda p: -p.probability):
            a, b = uuid.UUID(pair.a), uuid.UUID(pair.b)
            if frozenset((a, b)) in blocked:
                report.skipped_blocked += 1
                continue
            if frozenset((a, b)) in decided:
                continue
            merged = pair.probability >= identity.auto_merge_probability
            suggestion = new_id()
            if merged:
                ra, rb = (
                    graph.find(pair.a) if pair.a in graph else pair.a,
                    (graph.find(pair.b) if pair.b in graph else pair.b),
                )
                if ra == rb:
                    continue
                live_a, live_b = survivor.get(ra, uuid.UUID(ra)), survivor.get(rb, uuid.UUID(rb))
                if not graph.union(pair.a, pair.b):
                    report.skipped_blocked += 1
                    continue
                winner, loser = min(live_a, live_b), max(live_a, live_b)
                survivor[graph.find(pair.a)] = winner
                planned.append(PlannedMerge(winner, loser, suggestion))
                report.merged += 1
            else:
                report.suggested += 1
            suggestions.append({
                "id": suggestion, "person_a": a, "person_b": b,
                "probability": pair.probability, "match_weight": pair.match_weight,
                "evidence": pair.evidence, "status": "auto_merged" if merged else "pending",
                "decided_at": now if merged else None, "created_at": now})  # fmt: skip
        merge_people_batch(store, conn, planned, kind="automatic", now=now)
        for part in _chunks(suggestions, 500):
            conn.execute(merge_suggestions.insert(), part)
        winners = sorted(set(survivor.values()))
        person_attributes.refresh(store, conn, settings, winners, now)
        account_assignment.assign(store, conn, settings, [], winners, now)
    report.touched_people = winners
    log.info(
        "matched %d people: %d merged, %d suggested",
        report.compared_people,
        report.merged,
        report.suggested,
    )
    return report


def _blocked_pairs(
    conn: sa.Connection, keys: dict[uuid.UUID, list[str]]
) -> set[frozenset[uuid.UUID]]:
    owner = {key: person for person, ks in keys.items() for key in ks}
    blocked = set()
    for key_a, key_b in conn.execute(sa.select(merge_blocks.c.key_a, merge_blocks.c.key_b)):
        a, b = owner.get(key_a), owner.get(key_b)
        if a is not None and b is not None and a != b:
            blocked.add(frozenset((a, b)))
    return blocked


def _decided_pairs(conn: sa.Connection) -> set[frozenset[uuid.UUID]]:
    s = merge_suggestions.c
    return {frozenset((a, b)) for a, b in conn.execute(sa.select(s.person_a, s.person_b))}


def _chunks(rows: list[dict[str, object]], size: int) -> list[list[dict[str, object]]]:
    it = iter(rows)
    return [chunk for chunk in iter(lambda: list(itertools.islice(it, size)), [])]


__all__ = ["MatchReport", "ScoredPair", "run_matching"]
