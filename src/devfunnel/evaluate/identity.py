"""Identity quality: pairwise precision and recall of people, and people on their account.

Pairs are counted over identity keys a person can be known by (email, user id, GitHub
login): two keys form a true pair when they belong to one real person, a predicted pair
when devfunnel put them in one person. Anonymous device ids are left out of the pairs, since
nothing but an identify call can tie a device to a person; how many of them were attached
to their person is reported separately. Account accuracy is over resolved people with a
known identity: the share whose account (matched by domain or CRM id) is their true one,
where "no account" is right for people who work at none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from devfunnel.demo.truth import SCHEMA
from devfunnel.errors import NotFound
from devfunnel.store import Store


@dataclass
class IdentityQuality:
    precision: float
    recall: float
    account_accuracy: float
    people_evaluated: int
    pairs: dict[str, int] = field(default_factory=dict)
    anonymous_attached: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "account_accuracy": round(self.account_accuracy, 4),
            "people_evaluated": self.people_evaluated,
            "pairs": self.pairs,
            "anonymous_attached": round(self.anonymous_attached, 4),
        }


def evaluate_identity(store: Store) -> IdentityQuality:
    with store.read() as conn:
        if not sa.inspect(conn).has_table("identities", schema=SCHEMA):
            raise NotFound(
                f"{store.describe()} holds no demo ground truth; evaluate runs on "
                "a database loaded with `devfunnel demo`"
            )
        rows = conn.execute(
            sa.text(
                f"SELECT i.key, i.person_id, t.person_ref FROM identities i "
                f"JOIN {SCHEMA}.identities t ON t.key = i.key"
            )
        ).all()
        accounts = _account_truth(conn)
    known = [(k, p, r) for k, p, r in rows if not k.startswith("anonymous_id:")]
    both = Counter((p, r) for _, p, r in known)
    predicted = Counter(p for _, p, _ in known)
    true = Counter(r for _, _, r in known)
    correct, claimed, real = (_pairs(c) for c in (both, predicted, true))
    anonymous = [(p, r) for k, p, r in rows if k.startswith("anonymous_id:")]
    # Each real person's main resolved person, by number of known identities.
    home: dict[str, Any] = {}
    for person, ref in (pair for pair, _ in sorted(both.items(), key=lambda item: -item[1])):
        home.setdefault(ref, person)
    attached = len([person for person, ref in anonymous if home.get(ref) == person])
    owner: dict[Any, str] = {}
    for person, ref in (pair for pair, _ in sorted(both.items(), key=lambda item: item[1])):
        owner[person] = ref  # the real person with most keys wins
    right = len(
        [
            person
            for person, ref in owner.items()
            if _same_account(
                accounts["true"].get(ref), accounts["resolved"].get(person, frozenset())
            )
        ]
    )
    return IdentityQuality(
        precision=correct / claimed if claimed else 1.0,
        recall=correct / real if real else 1.0,
        account_accuracy=right / len(owner) if owner else 1.0,
        people_evaluated=len(owner),
        pairs={"true": real, "predicted": claimed, "correct": correct},
        anonymous_attached=attached / len(anonymous) if anonymous else 1.0,
    )


def _same_account(true_domain: str | None, resolved_domains: frozenset[str]) -> bool:
    if true_domain is None:
        return not resolved_domains
    return true_domain in resolved_domains


def _pairs(counts: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def _account_truth(conn: sa.Connection) -> dict[str, dict[Any, Any]]:
    """Each real person's account domain (None: at no account), and the keys of each
    resolved person's account, to compare them by."""
    truth = {
        ref: domain
        for ref, domain in conn.execute(
            sa.text(
                f"SELECT p.ref, a.domain FROM {SCHEMA}.people p "
                f"LEFT JOIN {SCHEMA}.accounts a ON a.ref = p.account_ref"
            )
        )
    }
    resolved: dict[Any, set[Any]] = {}
    for person, value in conn.execute(
        sa.text(
            "SELECT p.id, k.value FROM people p JOIN account_keys k "
            "ON k.account_id = p.account_id AND k.kind = 'domain' "
            "WHERE p.merged_into IS NULL"
        )
    ):
        resolved.setdefault(person, set()).add(value)
    return {"true": truth, "resolved": {p: frozenset(v) for p, v in resolved.items()}}
