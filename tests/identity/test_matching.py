"""The probabilistic matcher: evidence that should merge, suggest, or leave people apart."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from devfunnel.identity.matching.model import score_pairs
from devfunnel.identity.matching.records import (
    SCHEMA,
    _abbreviations,
    _name_from_handles,
    _split_local,
    held,
)


def record(uid: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {c: None for c in SCHEMA.names}
    base.update(
        {
            "unique_id": uid,
            "handle_keys": [],
            "name_keys": [],
            "full_name_keys": [],
            "abbreviation_keys": [],
            "held": [],
        }
    )
    base.update(fields)
    # Blocking keys, as build_records derives them.
    base["spelled_keys"] = sorted({*base["handle_keys"], *base["name_keys"]})  # type: ignore[misc]
    base["short_keys"] = sorted({*base["handle_keys"], *base["abbreviation_keys"]})  # type: ignore[misc]
    return base


def population(extra: list[dict[str, object]]) -> pa.Table:
    """Background people with varied names (one in ten has a namesake elsewhere, as in a
    real population), two in three with a GitHub login, so u probabilities have something
    to learn."""
    people = []
    for i in range(400):
        first, last = f"first{i % 37}x", f"last{i % 360}y"
        people.append(
            record(
                f"bg{i}",
                full_name=f"{first} {last}",
                first_name=first,
                last_name=last,
                email_local=f"{first}.{last}",
                email_domain=f"company{i % 50}.com",
                company_domain=f"company{i % 50}.com",
                company_name=f"company{i % 50}",
                handle_digits=str(1000 + i),
                handle_keys=[f"{first}{last}"],
                name_keys=[f"{first}{last}", f"{first[0]}{last}"],
                # As among developers: many have a GitHub login, fewer a product account.
                held=["github", "user"][: i % 3],
            )
        )
    return pa.Table.from_pylist(people + extra, schema=SCHEMA)


def probability_of(pairs: list, a: str, b: str) -> float:  # type: ignore[type-arg]
    for pair in pairs:
        if {pair.a, pair.b} == {a, b}:
            return float(pair.probability)
    return 0.0


@pytest.fixture(scope="module")
def scored() -> list:  # type: ignore[type-arg]
    people = [
        # A typo in a work address, same name and company: one person.
        record(
            "typo_a",
            full_name="jane doelittle",
            first_name="jane",
            last_name="doelittle",
            email_local="jane.doelittle",
            email_domain="acme.io",
            company_domain="acme.io",
            company_name="acme",
            handle_keys=["janedoelittle"],
        ),
        record(
            "typo_b",
            full_name="jane doelittle",
            first_name="jane",
            last_name="doelittle",
            email_local="jnae.doelittle",
            email_domain="acme.io",
            company_domain="acme.io",
            company_name="acme",
            handle_keys=["jnaedoelittle"],
        ),
        # A GitHub login and a personal address sharing a long number: one person.
        record("num_a", handle_digits="90017423", handle_keys=["zorro"], held=["github"]),
        record(
            "num_b",
            email_local="zed.orro90017423",
            email_domain="gmail.com",
            handle_digits="90017423",
            handle_keys=["zedorro"],
        ),
        # Namesakes at different companies with different numbers: two people.
        record(
            "twin_a",
            full_name="sam lee",
            first_name="sam",
            last_name="lee",
            email_local="slee",
            email_domain="one.com",
            company_domain="one.com",
            handle_digits="1111",
            handle_keys=["slee"],
            held=["github", "user"],
        ),
        record(
            "twin_b",
            full_name="sam lee",
            first_name="sam",
            last_name="lee",
            email_local="slee",
            email_domain="two.com",
            company_domain="two.com",
            handle_digits="2222",
            handle_keys=["slee"],
            held=["github"],
        ),
        # Two short addresses one edit apart at one company: two colleagues, not a typo.
        record("olga", email_local="olga", email_domain="acme.io", company_domain="acme.io",
               handle_keys=["olga"]),
        record("olek", email_local="olek", email_domain="acme.io", company_domain="acme.io",
               handle_keys=["olek"]),
        # A GitHub login spelling a whole name, and the named person with a short address.
        record("login", handle_keys=["karinmellskion"]),
        record("karin", full_name="karin mellskion", first_name="karin", last_name="mellskion",
               email_local="kmellskion", email_domain="globex.com", company_domain="globex.com",
               handle_keys=["kmellskion"], name_keys=["karinmellskion", "kmellskion"],
               full_name_keys=["karinmellskion"]),
        # The same name and the handles only repeat it: the handles are no evidence against.
        record("echo_a", full_name="ravi blomquist", first_name="ravi", last_name="blomquist",
               email_local="ravi.blomquist", email_domain="gmail.com",
               handle_keys=["raviblomquist"], name_keys=["raviblomquist"], title="cto"),
        record("echo_b", full_name="ravi blomquist", first_name="ravi", last_name="blomquist",
               email_local="rblomquist", email_domain="initech.com", company_domain="initech.com",
               handle_keys=["rblomquist"], name_keys=["raviblomquist", "rblomquist"],
               title="cto"),
        record("echo_c", full_name="ravi blomquist", first_name="ravi", last_name="blomquist",
               email_local="ravi", email_domain="hooli.com", company_domain="hooli.com",
               handle_keys=["ravi"], name_keys=["raviblomquist"], title="data engineer"),
        # A GitHub profile showing a first name only, whose login spells a whole name, and
        # the person of that name at a company.
        record("mo_login", full_name="mohammed", first_name="mohammed",
               handle_keys=["mohammedbrocksen"], held=["github"]),
        record("mo_work", full_name="mohammed brocksen", first_name="mohammed",
               last_name="brocksen", email_local="mbrocksen", email_domain="epicmotors.co",
               company_domain="epicmotors.co", handle_keys=["mbrocksen"],
               name_keys=["mbrocksen", "mohammedb", "mohammedbrocksen"],
               full_name_keys=["mohammedbrocksen"]),
        # Two people known only by the same first name: no whole name in common.
        record("henry_a", full_name="henry", first_name="henry", email_local="henry",
               email_domain="nimbus.ai", company_domain="nimbus.ai", handle_keys=["henry"]),
        record("henry_b", full_name="henry", first_name="henry", handle_digits="14051",
               handle_keys=["henry"]),
    ]  # fmt: skip
    return score_pairs(population(people), 0.0001)


def evidence_of(scored: list, a: str, b: str, comparison: str) -> dict:  # type: ignore[type-arg]
    pair = next(p for p in scored if {p.a, p.b} == {a, b})
    return next(e for e in pair.evidence if e["comparison"] == comparison)  # type: ignore[no-any-return]


def test_a_one_letter_difference_in_a_short_address_is_no_typo(scored: list) -> None:  # type: ignore[type-arg]
    assert probability_of(scored, "olga", "olek") < 0.5


def test_a_login_spelling_a_whole_name_is_strong_evidence(scored: list) -> None:  # type: ignore[type-arg]
    handle = evidence_of(scored, "login", "karin", "handle")
    assert handle["match_weight"] >= 10
    assert probability_of(scored, "login", "karin") >= 0.5


def test_a_login_spelling_a_whole_name_beside_a_first_name_alone_counts(scored: list) -> None:  # type: ignore[type-arg]
    # "Mohammed" on the profile says less than the login: the login's whole name is compared.
    assert evidence_of(scored, "mo_login", "mo_work", "handle")["match_weight"] >= 10
    assert probability_of(scored, "mo_login", "mo_work") >= 0.5


def test_a_spelled_whole_name_is_no_rarer_than_a_shared_name() -> None:
    from devfunnel.identity.matching.model import _whole_name_no_rarer_than_a_name

    model = {"comparisons": [
        {"output_column_name": "name", "comparison_levels": [
            {"label_for_charts": "same name", "m_probability": 0.6, "u_probability": 1e-6}]},
        {"output_column_name": "handle", "comparison_levels": [
            {"label_for_charts": "handle spells a whole name", "m_probability": 0.25,
             "u_probability": 1e-8}]},
    ]}  # fmt: skip
    _whole_name_no_rarer_than_a_name(model)
    assert model["comparisons"][1]["comparison_levels"][0]["u_probability"] == 1e-6


def test_a_handle_spelling_a_shortened_name_is_no_rarer_than_a_surname_and_initial() -> None:
    from devfunnel.identity.matching.model import _whole_name_no_rarer_than_a_name

    def level(label: str, u: float) -> dict[str, object]:
        return {"label_for_charts": label, "m_probability": 0.1, "u_probability": u}

    model = {"comparisons": [
        {"output_column_name": "name", "comparison_levels": [
            level("same name", 1e-6), level("same surname and initial", 3e-5)]},
        {"output_column_name": "handle", "comparison_levels": [
            level("handle spells a whole name", 1e-8),
            level("handle spells the other's name", 2e-7),
            level("one handle abbreviates the other", 5e-5)]},
    ]}  # fmt: skip
    _whole_name_no_rarer_than_a_name(model)
    handle = model["comparisons"][1]["comparison_levels"]
    assert [lv["u_probability"] for lv in handle] == [1e-6, 3e-5, 5e-5]


def test_two_github_logins_count_against_one_person(scored: list) -> None:  # type: ignore[type-arg]
    assert evidence_of(scored, "twin_a", "twin_b", "logins")["match_weight"] < -1
    # A login beside someone without one is a little evidence for.
    assert evidence_of(scored, "num_a", "num_b", "logins")["match_weight"] > 0


def test_one_side_without_a_company_is_no_evidence_against(scored: list) -> None:  # type: ignore[type-arg]
    company = evidence_of(scored, "login", "karin", "company")
    assert company["match_weight"] > 0
    assert evidence_of(scored, "twin_a", "twin_b", "company")["match_weight"] < -1


def test_handles_that_repeat_known_names_count_neither_way(scored: list) -> None:  # type: ignore[type-arg]
    assert evidence_of(scored, "echo_a", "echo_b", "handle")["match_weight"] == 0


def test_titles_are_compared(scored: list) -> None:  # type: ignore[type-arg]
    assert evidence_of(scored, "echo_a", "echo_b", "title")["match_weight"] > 0
    assert evidence_of(scored, "echo_a", "echo_c", "title")["match_weight"] < 0
    assert probability_of(scored, "echo_a", "echo_b") > probability_of(scored, "echo_a", "echo_c")


def test_typo_at_same_company_is_a_confident_match(scored: list) -> None:  # type: ignore[type-arg]
    assert probability_of(scored, "typo_a", "typo_b") >= 0.99


def test_shared_long_number_links_handles(scored: list) -> None:  # type: ignore[type-arg]
    assert probability_of(scored, "num_a", "num_b") >= 0.9


def test_namesakes_at_different_companies_stay_apart(scored: list) -> None:  # type: ignore[type-arg]
    assert probability_of(scored, "twin_a", "twin_b") < 0.5


def test_a_first_name_alone_is_not_a_shared_whole_name(scored: list) -> None:  # type: ignore[type-arg]
    # The level of first names only, not the level of one whole name ("ravi blomquist").
    name = evidence_of(scored, "henry_a", "henry_b", "name")
    same_whole_name = evidence_of(scored, "echo_a", "echo_b", "name")
    assert 0 < name["level"] < same_whole_name["level"]


def test_evidence_names_every_comparison(scored: list) -> None:  # type: ignore[type-arg]
    pair = next(p for p in scored if {p.a, p.b} == {"typo_a", "typo_b"})
    assert [e["comparison"] for e in pair.evidence] == [
        "name",
        "email",
        "handle",
        "company",
        "title",
        "logins",
    ]
    email = pair.evidence[1]
    assert email["left"]["email_local"] in ("jane.doelittle", "jnae.doelittle")
    assert email["match_weight"] > 0
    assert email["bayes_factor"] > 1


def test_a_record_says_which_one_of_a_kind_identities_it_holds() -> None:
    assert held({"github": ["jdoe"], "user_id": ["u1"], "email": ["a@b.co"]}) == [
        "github",
        "user",
    ]
    assert held({"email": ["a@b.co"], "anonymous_id": ["x"]}) == []


def test_handle_features() -> None:
    assert "kmellski" in _abbreviations("karinmellski")
    assert "karinm" in _abbreviations("karinmellski")
    assert _abbreviations("bob") == set()
    assert _split_local("bianca.suzuki2100") == ("bianca", "suzuki")
    assert _split_local("jdoe") == (None, None)


def test_a_name_is_read_from_a_handle_that_spells_it_with_a_separator() -> None:
    assert _name_from_handles(["dpellton", "dmitri_pellton102"]) == ("dmitri", "pellton")
    assert _name_from_handles(["dmitri-pellton"]) == ("dmitri", "pellton")
    assert _name_from_handles(["dpellton", "dmitri"]) == (None, None)


def _model(u: float, m: float = 0.3, label: str = "level") -> dict:  # type: ignore[type-arg]
    return {
        "probability_two_random_records_match": 1e-5,
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": m, "u_probability": u, "label_for_charts": label},
                ],
            }
        ],
    }


def test_rare_agreements_seen_no_more_than_true_matches_explain_keep_the_floor() -> None:
    from devfunnel.identity.matching.model import _decontaminated

    pairs = 1_000_000  # 1e-5 * 0.3 * 1e6 = 3 true matches expected at the level
    level = lambda model: model["comparisons"][0]["comparison_levels"][1]  # noqa: E731
    assert level(_decontaminated(_model(6 / pairs), pairs))["u_probability"] == 1 / pairs
    many = level(_decontaminated(_model(500 / pairs), pairs))["u_probability"]
    assert many == pytest.approx((500 - 3) / pairs, rel=1e-3)


def test_a_shared_name_is_as_likely_by_chance_as_a_first_name_times_a_surname() -> None:
    import duckdb

    from devfunnel.identity.matching.model import _name_u_from_frequencies

    connection = duckdb.connect()
    names = [("ann", "lee"), ("ann", "kim"), ("bo", "lee"), ("cy", "ito")]
    connection.execute("CREATE TABLE people_records (first_name TEXT, last_name TEXT)")
    connection.executemany("INSERT INTO people_records VALUES (?, ?)", names)
    model = _model(0.5, m=0.6, label="same name")
    _name_u_from_frequencies(model, connection, 1e-9)
    # Of the six pairs of two records, one shares a first name and one a surname; a record
    # paired with itself is no chance agreement.
    u = model["comparisons"][0]["comparison_levels"][1]["u_probability"]
    assert u == pytest.approx((1 / 6) * (1 / 6))


def _handle_model(table: pa.Table, prior: float, sampled_floor: float) -> tuple:  # type: ignore[type-arg]
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker

    from devfunnel.identity.matching import model as matching_model

    connection = duckdb.connect()
    frame = DuckDBAPI(connection).register(table, table_name="people_records")
    settings = matching_model._settings(table.num_rows)
    model = Linker(frame, settings, log_level=logging.WARNING).misc.save_model_to_json()
    model["probability_two_random_records_match"] = prior
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("m_probability") is not None:
                level["u_probability"] = sampled_floor
    return model, connection


def _u_of(model: dict, label: str) -> float:  # type: ignore[type-arg]
    handle = next(c for c in model["comparisons"] if c["output_column_name"] == "handle")
    level = next(lv for lv in handle["comparison_levels"] if lv.get("label_for_charts") == label)
    return float(level["u_probability"])


def test_rare_handle_levels_are_counted_over_every_pair_not_a_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from devfunnel.identity.matching import model as matching_model

    monkeypatch.setattr(matching_model, "_U_PAIRS", 100)  # a sample far smaller than 1,770
    people = [record(f"p{i}", handle_digits=str(10_000 + i), handle_keys=[f"h{i}x"])
              for i in range(60)]  # fmt: skip
    people[1]["handle_digits"] = people[0]["handle_digits"]  # one person seen twice
    pairs = 60 * 59 / 2
    model, connection = _handle_model(pa.Table.from_pylist(people, schema=SCHEMA), 1 / pairs, 0.01)
    matching_model._census_u(model, connection)
    # No more pairs share a number than true matches explain: one in all pairs, not one in
    # the hundred sampled.
    assert _u_of(model, "same number in a handle") == pytest.approx(1 / pairs)

    for i in range(2, 42, 2):  # twenty pairs of different people sharing a number
        people[i + 1]["handle_digits"] = people[i]["handle_digits"]
    model, connection = _handle_model(pa.Table.from_pylist(people, schema=SCHEMA), 1 / pairs, 0.01)
    matching_model._census_u(model, connection)
    expected = (21 / pairs - 0.3 / pairs) / (1 - 1 / pairs)
    assert _u_of(model, "same number in a handle") == pytest.approx(expected)


def test_census_finds_exactly_the_pairs_whose_handle_spells_a_name() -> None:
    """The hash joins on exploded keys find the same pairs as comparing every pair."""
    import random

    import duckdb

    from devfunnel.identity.matching import model as matching_model

    rng = random.Random(3)
    words = ["adalove", "ada", "lovelace", "adalovelace", "gracehopper", "grace", "hopperg"]
    people = [
        record(
            f"p{i:03}",
            handle_keys=sorted(set(rng.sample(words, rng.randint(0, 2)))),
            full_name_keys=sorted(set(rng.sample(words, rng.randint(0, 2)))),
        )
        for i in range(80)
    ]
    by_id = {p["unique_id"]: p for p in people}

    def spells(a: dict, b: dict) -> bool:  # type: ignore[type-arg]
        ha, hb = set(a["handle_keys"]), set(b["handle_keys"])
        return bool(
            ha & set(b["full_name_keys"])
            or hb & set(a["full_name_keys"])
            or any(len(k) >= 10 for k in ha & hb)
        )

    ids = sorted(by_id)
    expected = {
        (a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if spells(by_id[a], by_id[b])
    }
    connection = duckdb.connect()
    connection.register("people_records", pa.Table.from_pylist(people, schema=SCHEMA))
    joins = matching_model._CENSUS_LEVELS["handle spells a whole name"]
    found = set(connection.execute(matching_model._candidate_pairs(joins)).fetchall())
    assert expected
    assert found == expected


_FIRST = ["anna", "ben", "carla", "dmitri", "eva", "femi", "gina", "henry", "ines", "jonas"]
_LAST = ["berg", "castro", "dahl", "eckert", "falk", "garcia", "holm", "ivanov", "jansen"]


def test_the_same_records_give_the_same_pairs_whatever_their_ids() -> None:
    # Person ids are new on every load; the model must not depend on them (Splink orients
    # pairs and draws its u sample by unique id).
    rng = random.Random(7)
    people = []
    for i in range(300):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        digits = str(rng.randrange(1000, 99999))
        people.append(record(
            f"p{i}", full_name=f"{first} {last}", first_name=first, last_name=last,
            email_local=rng.choice([first, f"{first}.{last}", f"{first[0]}{last}"]),
            email_domain=rng.choice(["gmail.com", f"co{i % 40}.com"]),
            company_domain=rng.choice([None, f"co{i % 40}.com"]),
            handle_digits=rng.choice([None, digits]),
            handle_keys=[f"{first}{last}"], name_keys=[f"{first}{last}", f"{first[0]}{last}"],
            held=["github", "user"][: rng.randrange(3)],
        ))  # fmt: skip
    table = pa.Table.from_pylist(people, schema=SCHEMA)
    first = score_pairs(table, 0.0001)
    ids = table.column("unique_id").to_pylist()
    shuffled = [f"{n:06d}" for n in range(len(ids))]
    rng.shuffle(shuffled)
    renamed = dict(zip(ids, shuffled, strict=True))
    column = pa.array([renamed[i] for i in ids], pa.string())
    again = score_pairs(table.set_column(0, "unique_id", column), 0.0001)
    back = {v: k for k, v in renamed.items()}
    assert first
    assert sorted((*sorted((p.a, p.b)), round(p.probability, 9)) for p in first) == sorted(
        (*sorted((back[p.a], back[p.b])), round(p.probability, 9)) for p in again
    )
