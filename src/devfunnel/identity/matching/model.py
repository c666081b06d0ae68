"""The Fellegi-Sunter model of "same person?" for people deterministic keys did not join.

Built with Splink on DuckDB (an in-memory database of its own, whatever the store's
backend). Each comparison has levels from strong to weak agreement; a level's weight is
log2(m/u), where m is how often true matches reach the level and u how often random pairs
do. The u probabilities are estimated from the data: by random sampling, and for rare
agreements by counting over every pair (names from their frequencies, equalities by
joins). The m probabilities are stated here, from what a duplicate person typically looks
like in developer data, because unlabelled expectation maximisation is unstable on records
this sparse (many have only an email, or only a GitHub login); only the logins
comparison's m follows from how many hold a login. Every scored pair keeps the level
reached on each comparison and its Bayes factor, so a suggestion can show its evidence.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

log = logging.getLogger(__name__)

_NO_HANDLES = "len(handle_keys_l) = 0 AND len(handle_keys_r) = 0"
_NAME_MISSING = "(full_name_l IS NULL OR full_name_r IS NULL)"
#: One side's whole name is unknown: no name, or a first name alone ("Mohammed" on a
#: GitHub profile), which a handle spelling "mohammedbrocksen" says more than. Only for
#: a whole name: a shared "mohammed" would count the first name twice.
_SURNAME_MISSING = "(last_name_l IS NULL OR last_name_r IS NULL)"
#: Nothing says which company this side is at.
_NO_COMPANY_L = "(company_domain_l IS NULL AND company_name_l IS NULL)"
_NO_COMPANY_R = "(company_domain_r IS NULL AND company_name_r IS NULL)"
#: Both sides hold an identity of this kind ("github", "user").
_BOTH_HOLD = "list_contains(held_l, '{kind}') AND list_contains(held_r, '{kind}')"
#: Both names have a surname: without one, a name is a first name.
_BOTH_SURNAMES = "last_name_l IS NOT NULL AND last_name_r IS NOT NULL"
#: The same number (four digits or more) in both people's handles ("janedoe1987").
_SAME_NUMBER = "length(handle_digits_l) >= 4 AND handle_digits_l = handle_digits_r"
#: Both handles carry a number and the numbers differ: evidence of two people.
_OTHER_NUMBER = "length(handle_digits_l) >= 4 AND length(handle_digits_r) >= 4"
#: A shared handle stem long enough to mean something ("janedoe", not "jane"). Handles are
#: mostly spelled from names, so with both names known this would count the name again.
_SHARED_HANDLE = (
    f"{_NAME_MISSING} AND "
    "len(list_filter(list_intersect(handle_keys_l, handle_keys_r), x -> length(x) >= 5)) > 0"
)
#: A handle spelling the other's whole name ("janedoelittle"), or a long handle both use,
#: when one side's name is unknown: "jdoe" or "janed" are many people, "janedoelittle" few.
_HANDLE_IS_FULL_NAME = (
    f"{_SURNAME_MISSING} AND (list_has_any(handle_keys_l, full_name_keys_r) OR "
    "list_has_any(handle_keys_r, full_name_keys_l) OR "
    "len(list_filter(list_intersect(handle_keys_l, handle_keys_r), x -> length(x) >= 10)) > 0)"
)
#: A handle spelling the other's name, when one side's name is unknown.
_HANDLE_IS_NAME = (
    f"{_NAME_MISSING} AND "
    "(list_has_any(handle_keys_l, name_keys_r) OR list_has_any(handle_keys_r, name_keys_l))"
)
#: One handle abbreviates the other ("kmellski" or "karinm" for "karinmellski").
_ABBREVIATES = (
    f"{_NAME_MISSING} AND (list_has_any(abbreviation_keys_l, handle_keys_r) OR "
    "list_has_any(abbreviation_keys_r, handle_keys_l))"
)
#: A mistyped address: same domain, same length and first letter, two neighbouring letters
#: swapped ("jtio" for "jito"), or one letter replaced in a long address. "olga" and "olek",
#: "mikhail" and "mikhailp", "anna" and "anne" are different mailboxes.
_EMAIL_TYPO = (
    "email_domain_l = email_domain_r AND length(email_local_l) >= 4 AND "
    "length(email_local_l) = length(email_local_r) AND "
    "substr(email_local_l, 1, 1) = substr(email_local_r, 1, 1) AND "
    "damerau_levenshtein(email_local_l, email_local_r) = 1 AND "
    "(length(email_local_l) >= 8 OR "
    "list_sort(string_split(email_local_l, '')) = list_sort(string_split(email_local_r, '')))"
)
#: Both names known and the handles only repeat them: the name comparison counts it.
_HANDLES_ECHO_NAMES = (
    "full_name_l IS NOT NULL AND full_name_r IS NOT NULL AND "
    "(len(list_intersect(handle_keys_l, handle_keys_r)) > 0 OR "
    "list_has_any(handle_keys_l, name_keys_r) OR list_has_any(handle_keys_r, name_keys_l))"
)


@dataclass
class ScoredPair:
    """Two people the model compared, how likely they are one, and why."""

    a: str
    b: str
    probability: float
    match_weight: float
    evidence: list[dict[str, Any]]


def _level(level: Any, m: float, label: str) -> Any:
    return level.configure(m_probability=m, label_for_charts=label)


def _comparisons() -> list[Any]:
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="full name",
        comparison_levels=[
            cll.NullLevel("full_name"),
            # A whole name is a first name and a surname: "Henry" and "Henry" share only
            # a first name, which the level for that says (hundreds of Henrys, one Henry
            # Paretti), and a one-letter difference between two first names is no typo
            # in a whole name.
            _level(
                cll.And(cll.ExactMatchLevel("full_name"), cll.CustomLevel(_BOTH_SURNAMES)),
                0.60,
                "same name",
            ),
            _level(
                cll.And(cll.JaroWinklerLevel("full_name", 0.92), cll.CustomLevel(_BOTH_SURNAMES)),
                0.12,
                "name with a typo",
            ),
            _level(
                cll.And(
                    cll.ExactMatchLevel("last_name"),
                    cll.CustomLevel("substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)"),
                ),
                0.12,
                "same surname and initial",
            ),
            _level(cll.ExactMatchLevel("last_name"), 0.06, "same surname"),
            _level(
                cll.CustomLevel(
                    "(last_name_l IS NULL OR last_name_r IS NULL) AND first_name_l = first_name_r"
                ),
                0.05,
                "same first name, one surname missing",
            ),
            _level(cll.ElseLevel(), 0.05, "different names"),
        ],
    )
    email = cl.CustomComparison(
        output_column_name="email",
        comparison_description="primary email address",
        comparison_levels=[
            cll.NullLevel("email_local"),
            _level(cll.CustomLevel(_EMAIL_TYPO), 0.30, "typo at the same domain"),
            _level(cll.ElseLevel(), 0.70, "different addresses"),
        ],
    )
    handle = cl.CustomComparison(
        output_column_name="handle",
        comparison_description="GitHub and email handles",
        comparison_levels=[
            cll.CustomLevel(_NO_HANDLES).configure(is_null_level=True),
            _level(
                cll.ExactMatchLevel("handle_digits"),
                0.30,
                "same number in a handle",
            ),
            _level(cll.CustomLevel(_HANDLE_IS_FULL_NAME), 0.25, "handle spells a whole name"),
            _level(cll.CustomLevel(_SHARED_HANDLE), 0.15, "shared handle"),
            _level(cll.CustomLevel(_HANDLE_IS_NAME), 0.10, "handle spells the other's name"),
            _level(cll.CustomLevel(_ABBREVIATES), 0.10, "one handle abbreviates the other"),
            _level(cll.CustomLevel(_OTHER_NUMBER), 0.02, "different numbers in handles"),
            cll.CustomLevel(_HANDLES_ECHO_NAMES).configure(
                is_null_level=True, label_for_charts="handles repeat the names"
            ),
            _level(cll.ElseLevel(), 0.15, "unrelated handles"),
        ],
    )
    company = cl.CustomComparison(
        output_column_name="company",
        comparison_description="company domain",
        comparison_levels=[
            cll.CustomLevel(f"{_NO_COMPANY_L} AND {_NO_COMPANY_R}").configure(is_null_level=True),
            _level(
                cll.CustomLevel(
                    "company_domain_l = company_domain_r OR company_name_l = company_name_r"
                ),
                0.50,
                "same company",
            ),
            # Not neutral: a duplicate is typically a GitHub login or a personal address
            # beside a work identity, so one side without a company is common among
            # duplicates (about half) and less so among any two people (u says how much).
            _level(
                cll.CustomLevel(f"{_NO_COMPANY_L} OR {_NO_COMPANY_R}"),
                0.45,
                "one company unknown",
            ),
            _level(cll.ElseLevel(), 0.05, "different companies"),
        ],
    )
    title = cl.CustomComparison(
        output_column_name="title",
        comparison_description="job title",
        comparison_levels=[
            cll.NullLevel("title"),
            _level(cll.ExactMatchLevel("title"), 0.75, "same title"),
            _level(cll.ElseLevel(), 0.25, "different titles"),
        ],
    )
    held = cl.CustomComparison(
        output_column_name="logins",
        comparison_description="identities a person holds one of",
        comparison_levels=[
            # Deterministic keys joined equal ones, so these are two different logins (or
            # product accounts): some people keep a second, most have one. m and u are
            # both set from how many records hold one (_held_from_counts).
            cll.CustomLevel("held_l IS NULL OR held_r IS NULL").configure(is_null_level=True),
            _level(cll.CustomLevel(_BOTH_HOLD.format(kind="github")), 0.03, "two GitHub logins"),
            _level(cll.CustomLevel(_BOTH_HOLD.format(kind="user")), 0.05, "two product accounts"),
            _level(cll.ElseLevel(), 0.92, "no second login or account"),
        ],
    )
    return [name, email, handle, company, title, held]


def _settings(records: int = 0) -> SettingsCreator:
    # Until estimated from the data: about one record in twenty has a duplicate.
    prior = min(0.01, 0.1 / records) if records else 0.0001
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior,
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=[
            block_on("company_domain"),
            block_on("company_name"),
            block_on("last_name", "first_name"),
            block_on("handle_digits"),
            # Equalities on exploded arrays, so DuckDB joins by hash instead of comparing
            # every pair: a handle meets a handle or a name's handle, or an abbreviation.
            block_on("spelled_keys", arrays_to_explode=["spelled_keys"]),
            block_on("short_keys", arrays_to_explode=["short_keys"]),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


#: Random pairs sampled to estimate u.
_U_PAIRS = 5_000_000


def _decontaminated(model: dict[str, Any], sampled_pairs: float) -> dict[str, Any]:
    """Remove the true matches hiding in the random sample from each level's u.

    A random pair is a match with probability lambda, so what sampling observes is
    u_obs = (1 - lambda) u + lambda m. For ordinary levels the correction is negligible;
    for the rarest agreements (two people sharing a handle number) u_obs comes almost
    entirely from true matches and would make decisive evidence look weak.

    For those rare levels the sample holds a few dozen pairs, and subtracting the expected
    true matches from so few would let chance decide the weight: a sample with ten more
    such pairs than expected once cost a whole level four bits, and the demo a tenth of
    its merges, depending only on the order rows were stored in. So the excess over the
    expected true matches counts only when it is larger than chance (two standard
    deviations of a Poisson count); otherwise non-matches agreeing at that level were too
    rare for the sample to see, and u is the floor, one in the number of pairs sampled.
    """
    prior = float(model["probability_two_random_records_match"])
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or m is None or u is None:
                continue
            level["u_probability"] = _u_without_matches(u * sampled_pairs, sampled_pairs, m, prior)
    return model


def _u_without_matches(observed: float, pairs: float, m: float, prior: float) -> float:
    """u of a level seen ``observed`` times in ``pairs`` pairs, less the true matches."""
    expected = prior * m * pairs
    if observed <= expected + 2.0 * math.sqrt(expected) + 1.0:
        return 1.0 / pairs
    return max(1.0 / pairs, (observed / pairs - prior * m) / (1 - prior))


#: Handle levels whose agreement is an equality, so every pair reaching them can be found
#: with a join instead of a sample: the label, and the candidate pairs as equi-joins of
#: (left column, right column, least key length), arrays exploded.
_CENSUS_LEVELS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "same number in a handle": (("handle_digits", "handle_digits", 0),),
    "handle spells a whole name": (
        ("handle_keys", "full_name_keys", 0),
        ("handle_keys", "handle_keys", 10),
    ),
}


def _candidate_pairs(joins: tuple[tuple[str, str, int], ...]) -> str:
    """Pairs of records (``a`` < ``b``) that share a value between the given columns.

    Each array is exploded into one row per value, so DuckDB joins by hash: comparing
    list columns inside a join condition made it test every pair of records, which at
    twelve thousand records took a minute of the demo.
    """
    parts = []
    for left, right, least in joins:
        exploded = []
        for column in (left, right):
            values = f"unnest({column})" if column.endswith("_keys") else column
            exploded.append(f"SELECT unique_id, {values} AS v FROM people_records")
        length = f" WHERE length(x.v) >= {least}" if least else ""
        parts.append(
            f"SELECT DISTINCT least(x.unique_id, y.unique_id) AS a, "
            "greatest(x.unique_id, y.unique_id) "
            f"AS b FROM ({exploded[0]}) x JOIN ({exploded[1]}) y ON x.v = y.v "
            f"AND x.unique_id <> y.unique_id{length}"
        )
    return " UNION ".join(parts)


def _census_u(model: dict[str, Any], connection: duckdb.DuckDBPyConnection) -> None:
    """u of the rarest handle levels from every pair of records, not a sample.

    A sample of five million pairs cannot tell a level reached by one non-matching pair in
    a hundred million from one reached by one in five million: with none seen, u is one in
    the number sampled. With ten thousand records (fifty million pairs) that cost "same
    number in a handle" four bits, and a person's GitHub login and personal address,
    linked at a few hundred accounts, stayed apart at a few thousand. These levels are
    equalities, so the pairs reaching them are counted over all records by a join, and
    the same correction for true matches applies, over all pairs.
    """
    records = connection.execute("SELECT count(*) FROM people_records").fetchone()
    n = float(records[0]) if records else 0.0
    pairs = n * (n - 1) / 2
    if pairs < _U_PAIRS:
        return  # the sample already holds about every pair
    columns = [c for (c,) in connection.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'people_records' ORDER BY ordinal_position"
    ).fetchall()]  # fmt: skip
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    prior = float(model["probability_two_random_records_match"])
    handle = next(c for c in model["comparisons"] if c["output_column_name"] == "handle")
    earlier: list[str] = []
    for level in handle["comparison_levels"]:
        condition = level["sql_condition"]
        joins = _CENSUS_LEVELS.get(level.get("label_for_charts", ""))
        if joins is not None and level.get("m_probability") is not None:
            unless = "".join(f" AND NOT coalesce(({c}), false)" for c in earlier)
            found = connection.execute(
                f"SELECT count(*) FROM (SELECT {sides} FROM ({_candidate_pairs(joins)}) c "
                "JOIN people_records l ON l.unique_id = c.a "
                "JOIN people_records r ON r.unique_id = c.b) "
                f"WHERE ({condition}){unless}"
            ).fetchone()
            observed = float(found[0]) if found else 0.0
            level["u_probability"] = _u_without_matches(
                observed, pairs, float(level["m_probability"]), prior
            )
        earlier.append(condition)


#: Pairs these rules find are near-certain matches; how many there are, divided by the share
#: of all matches they are believed to find, estimates the prior.
_DETERMINISTIC = (
    "l.handle_digits = r.handle_digits",
    "l.full_name = r.full_name AND l.company_domain = r.company_domain",
)


def _any_deterministic_match(connection: duckdb.DuckDBPyConnection) -> bool:
    """With none (a tiny company), the prior cannot be estimated and keeps its default."""
    found = connection.execute(
        "SELECT 1 FROM people_records l JOIN people_records r ON l.unique_id < r.unique_id "
        "AND ((l.handle_digits = r.handle_digits) OR (l.full_name = r.full_name AND "
        "l.company_domain = r.company_domain)) LIMIT 1"
    ).fetchone()
    return found is not None


def _name_u_from_frequencies(
    model: dict[str, Any], connection: duckdb.DuckDBPyConnection, floor: float
) -> None:
    """u of "same name" from how common first names and surnames are.

    Two people share a whole name by chance about as often as they share a first name
    times a surname. Counted over records, this barely moves when a few people appear
    twice, whereas the random sample sees a few dozen same-name pairs, most of them true
    matches, and what is left after removing them swung the weight of a shared name by
    five bits from one sample to the next.
    """
    shares = connection.execute(
        "WITH named AS (SELECT first_name, last_name FROM people_records "
        "WHERE first_name IS NOT NULL AND last_name IS NOT NULL), "
        "f AS (SELECT count(*) AS c FROM named GROUP BY first_name), "
        "l AS (SELECT count(*) AS c FROM named GROUP BY last_name) "
        "SELECT (SELECT sum(c * (c - 1)) FROM f), (SELECT sum(c * (c - 1)) FROM l), "
        "(SELECT count(*) FROM named)"
    ).fetchone()
    if not shares or not shares[2] or shares[2] < 2:
        return
    # Pairs of two records, not a record with itself: at ten thousand records a surname
    # is shared by chance about once in two thousand pairs, and counting each record's
    # pair with itself would add a fifth to that.
    first, last, n = (float(x) for x in shares)
    chance = (first / (n * (n - 1))) * (last / (n * (n - 1)))
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] != "name":
            continue
        for level in comparison["comparison_levels"]:
            if level.get("label_for_charts") == "same name":
                level["u_probability"] = max(floor, chance)


def _u_of(model: dict[str, Any], comparison: str, label: str) -> Any:
    """The level ``label`` of ``comparison`` (a dict to update), or an empty dict."""
    found: dict[str, Any] = next(
        (c for c in model["comparisons"] if c["output_column_name"] == comparison), {}
    )
    levels = found.get("comparison_levels", [])
    return next((lv for lv in levels if lv.get("label_for_charts") == label), {})


def _whole_name_no_rarer_than_a_name(model: dict[str, Any]) -> None:
    """A handle spelling someone's whole name ("edgarmarshov") is a whole name shared, and
    two people share one by chance as often as the name frequencies say.

    Counted over pairs of records, such pairs are so few that true matches explain them
    all and u fell to one in all pairs: 24 bits, five more than two records with the same
    name get, which carried a login and a work address of two namesakes at different
    companies over the evidence of the companies.
    """
    name = _u_of(model, "name", "same name")
    spelled = _u_of(model, "handle", "handle spells a whole name")
    if name.get("u_probability") is not None and spelled.get("u_probability") is not None:
        spelled["u_probability"] = max(spelled["u_probability"], name["u_probability"])
    # Likewise a handle spelling the other's shortened name ("ebroska", "catherinee") or
    # abbreviating the other's handle shares an initial and a name, no rarer than two
    # people sharing a surname and an initial; at 500 accounts the sample saw too few such
    # pairs and gave them 19 bits, merging Emilia and Emily Broska.
    initial = _u_of(model, "name", "same surname and initial").get("u_probability")
    if initial is not None:
        for label in ("handle spells the other's name", "one handle abbreviates the other"):
            level = _u_of(model, "handle", label)
            if level.get("u_probability") is not None:
                level["u_probability"] = max(level["u_probability"], initial)


#: Of people holding a GitHub login (a product account), the share holding a second one.
_SECOND_HELD = 0.05


def _held_from_counts(model: dict[str, Any], connection: duckdb.DuckDBPyConnection) -> None:
    """m and u of "two GitHub logins" and "two product accounts" from how many hold one.

    Two records of one person both hold a login only when the person keeps a second, so
    m is the share holding one times the share of those with a second; u is the share of
    pairs in which both hold one. Their ratio is the second-login share over the login
    share: evidence against wherever logins are common, about three bits among developers
    of whom a third have one. A stated m against a sampled u turned into evidence *for*
    where few have one (a sample seeing none floors u at one in the pairs sampled).
    """
    counts = connection.execute(
        "SELECT count(*), count(*) FILTER (list_contains(held, 'github')), "
        "count(*) FILTER (list_contains(held, 'user')), "
        "count(*) FILTER (list_contains(held, 'github') AND list_contains(held, 'user')) "
        "FROM people_records"
    ).fetchone()
    if not counts or counts[0] < 2:
        return
    n, github, user, both = (float(x) for x in counts)

    def pairs(k: float) -> float:
        return k * (k - 1) / 2

    total = pairs(n)
    floor = 1.0 / total
    two_logins = max(floor, pairs(github) / total)
    # The first level takes the pairs where both hold both.
    two_accounts = max(floor, (pairs(user) - pairs(both)) / total)
    m_logins = max(floor, _SECOND_HELD * github / n)
    m_accounts = max(floor, _SECOND_HELD * user / n)
    for label, m, u in (
        ("two GitHub logins", m_logins, two_logins),
        ("two product accounts", m_accounts, two_accounts),
        ("no second login or account", 1.0 - m_logins - m_accounts,
         max(floor, 1.0 - two_logins - two_accounts)),
    ):  # fmt: skip
        level = _u_of(model, "logins", label)
        level["m_probability"], level["u_probability"] = m, u


def score_pairs(records: pa.Table, threshold: float, *, seed: int = 7) -> list[ScoredPair]:
    """Train the model on ``records`` and return pairs at or above ``threshold``."""
    if records.num_rows < 2:
        return []
    # Splink orients every pair by unique id and samples for u by a hash of it; person ids
    # are new on every load, so the records are numbered in their (sorted) order instead,
    # and the same records always give the same model.
    people = records.column("unique_id").to_pylist()
    numbers = pa.array([f"{n:09d}" for n in range(records.num_rows)], pa.string())
    records = records.set_column(records.schema.get_field_index("unique_id"), "unique_id", numbers)
    connection = duckdb.connect()
    try:
        api = DuckDBAPI(connection)
        frame = api.register(records, table_name="people_records")
        linker = Linker(frame, _settings(records.num_rows), log_level=logging.WARNING)
        training = linker.training
        if _any_deterministic_match(connection):
            training.estimate_probability_two_random_records_match(list(_DETERMINISTIC), recall=0.3)
        # Splink picks the sample by a hash of each record's number and the seed.
        training.estimate_u_using_random_sampling(max_pairs=_U_PAIRS, seed=seed)
        model = _decontaminated(linker.misc.save_model_to_json(), _U_PAIRS)
        _name_u_from_frequencies(model, connection, 1.0 / _U_PAIRS)
        _census_u(model, connection)
        _whole_name_no_rarer_than_a_name(model)
        _held_from_counts(model, connection)
        linker = Linker(frame, model, log_level=logging.WARNING)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        table = predictions.as_duckdbpyrelation().to_arrow_table()
    finally:
        connection.close()
    return [_pair(row, people) for row in table.to_pylist()]


_COMPARED = {
    "name": ("full_name",),
    "email": ("email_local", "email_domain"),
    "handle": ("handle_keys", "name_keys", "abbreviation_keys", "handle_digits"),
    "company": ("company_domain", "company_name"),
    "title": ("title",),
    "logins": ("held",),
}


def _pair(row: dict[str, Any], people: list[str]) -> ScoredPair:
    evidence = []
    for comparison, columns in _COMPARED.items():
        weight = row.get(f"mw_{comparison}")
        evidence.append(
            {
                "comparison": comparison,
                "level": row.get(f"gamma_{comparison}"),
                "match_weight": None if weight is None else round(float(weight), 3),
                "bayes_factor": None if weight is None else round(2.0 ** float(weight), 6),
                "left": {c: row.get(f"{c}_l") for c in columns},
                "right": {c: row.get(f"{c}_r") for c in columns},
            }
        )
    return ScoredPair(
        a=people[int(row["unique_id_l"])],
        b=people[int(row["unique_id_r"])],
        probability=float(row["match_probability"]),
        match_weight=float(row["match_weight"]),
        evidence=evidence,
    )
