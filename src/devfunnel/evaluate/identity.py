"""Identity quality: pairwise precision and recall of people, and people on their account.

Pairs are counted over identity keys a person can be known by (email, user id, GitHub
login): two keys form a true pair when they belong to one real person, a predicted pair
when devfunnel put them in one person. Anonymous device ids are left out of the pairs, since
nothing but an identify call can tie a device to a person; how many of them were attached
to their person is reported separately.

Account accuracy is over resolved people with a known identity (each judged against the
real person holding most of its identities): the share whose account is their true one,
where "no account" is right for people who work at none. The product's account is the
true one when any of its keys names it: a domain, or the CRM id the account was imported
with (an account known to the product only by its CRM record, or reached through a domain
alias, still counts). The generator records which signals handed to the product name
each person's account (a company email, a group call, a CRM contact, a form or a GitHub
profile stating the company). A person at an account that no signal names (a developer
seen only starring a repository, or signed up with a personal address and never in a
workspace) cannot be placed by any product, nor can one whose only signal is a company
name the product holds no account for (free text is no domain or CRM id to create one by).
Left without an account they are not counted (``account_unknowable`` says how many); an
account given to them still counts, right or wrong, so a guess is never free.

``account_accuracy`` judges every resolved record, so a fragment of a person left unmerged
(a GitHub login never joined to the work address that names the company) is judged again
here after costing recall. ``account_accuracy_by_person`` judges each real person once, by
the record holding most of their identities; it is reported beside the target, not
instead of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
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
    #: People at an account no received signal names, left without one (not counted).
    account_unknowable: int = 0
    #: The same, judging each real person once by the record holding most of their
    #: identities (fragments left unmerged are not judged again; recall counts them).
    account_accuracy_by_person: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "account_accuracy": round(self.account_accuracy, 4),
            "people_evaluated": self.people_evaluated,
            "pairs": self.pairs,
            "anonymous_attached": round(self.anonymous_attached, 4),
            "account_unknowable": self.account_unknowable,
            "account_accuracy_by_person": round(self.account_accuracy_by_person, 4),
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
    right, judged, unknowable = _placed(owner.items(), accounts)
    # Each real person once, by their main record: a fragment left unmerged is a recall
    # miss already, and judging it again as an account miss counts the one failure twice.
    by_person = _placed(((person, ref) for ref, person in home.items()), accounts)
    return IdentityQuality(
        precision=correct / claimed if claimed else 1.0,
        recall=correct / real if real else 1.0,
        account_accuracy=right / judged if judged else 1.0,
        people_evaluated=len(owner),
        pairs={"true": real, "predicted": claimed, "correct": correct},
        anonymous_attached=attached / len(anonymous) if anonymous else 1.0,
        account_unknowable=unknowable,
        account_accuracy_by_person=by_person[0] / by_person[1] if by_person[1] else 1.0,
    )


def _placed(
    judged_people: Iterable[tuple[Any, str]], accounts: dict[str, dict[Any, Any]]
) -> tuple[int, int, int]:
    """(right, judged, unknowable) over (resolved person, real person) pairs: right when
    the resolved person's account is the real one's (or both have none); a real person at
    an account no signal names, left without one, is not judged."""
    right = judged = unknowable = 0
    for person, ref in judged_people:
        truth = accounts["true"].get(ref, _NO_ACCOUNT)
        resolved = accounts["resolved"].get(person, frozenset())
        if truth.keys and not truth.evident and not resolved:
            unknowable += 1
            continue
        judged += 1
        right += truth.keys & resolved != frozenset() if truth.keys else not resolved
    return right, judged, unknowable


@dataclass(frozen=True)
class _TrueAccount:
    #: The keys naming the account ("domain:acme.io", "hubspot:0012"); empty: no account.
    keys: frozenset[str]
    #: Whether any signal handed to the product names it.
    evident: bool


_NO_ACCOUNT = _TrueAccount(frozenset(), True)
#: Signals that place a person even at an account the product never saw (they carry a
#: domain, a workspace or a CRM id); a stated company name only points to a known one.
_CREATING = {"email", "group", "crm"}


def _pairs(counts: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def _account_truth(conn: sa.Connection) -> dict[str, dict[Any, Any]]:
    """Each real person's true account, and the keys of each resolved person's account,
    to compare them by."""
    evidence = bool(
        conn.execute(
            sa.text(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = :schema "
                "AND table_name = 'people' AND column_name = 'account_evidence'"
            ),
            {"schema": SCHEMA},
        ).scalar_one()
    )
    known = {
        f"{kind}:{value}"
        for kind, value in conn.execute(sa.text("SELECT kind, value FROM account_keys"))
    }
    truth: dict[str, _TrueAccount] = {}
    for ref, domain, crm_key, signals in conn.execute(
        sa.text(
            f"SELECT p.ref, a.domain, a.crm_key, "
            f"{'p.account_evidence' if evidence else 'NULL'} FROM {SCHEMA}.people p "
            f"LEFT JOIN {SCHEMA}.accounts a ON a.ref = p.account_ref"
        )
    ):
        if domain is None:
            truth[ref] = _NO_ACCOUNT
            continue
        keys = {f"domain:{domain}"} | ({crm_key} if crm_key else set())
        if isinstance(signals, str | bytes):
            signals = orjson.loads(signals)
        # A demo generated before evidence was recorded: every account counts as evident.
        kinds = set(signals or ())
        evident = not evidence or bool(kinds & _CREATING) or bool(kinds and keys & known)
        truth[ref] = _TrueAccount(frozenset(keys), evident)
    resolved: dict[Any, set[str]] = {}
    for person, kind, value in conn.execute(
        sa.text(
            "SELECT p.id, k.kind, k.value FROM people p JOIN account_keys k "
            "ON k.account_id = p.account_id WHERE p.merged_into IS NULL"
        )
    ):
        resolved.setdefault(person, set()).add(f"{kind}:{value}")
    return {"true": truth, "resolved": {p: frozenset(v) for p, v in resolved.items()}}
