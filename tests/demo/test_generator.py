"""The demo generator is deterministic, chunk-independent and realistic in shape."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from devfunnel.config import Settings
from devfunnel.demo.company import generate_chunk
from devfunnel.demo.world import build_world

AS_OF = date(2026, 11, 1)


def signals(settings: Settings, seed: int, chunks: list[range]) -> dict[str, pa.Table]:
    world = build_world(settings, seed=seed, accounts=12, as_of=AS_OF)
    out: dict[str, list[pa.Table]] = {}
    for accounts in chunks:
        chunk = generate_chunk(world, accounts, range(0))
        for source, table in chunk.sink.tables().items():
            out.setdefault(source, []).append(table)
    return {s: pa.concat_tables(t).sort_by("messageId") for s, t in out.items()}


def test_same_seed_gives_the_same_company(settings: Settings) -> None:
    first = signals(settings, 7, [range(0, 12)])
    second = signals(settings, 7, [range(0, 12)])
    assert first.keys() == second.keys()
    for source in first:
        assert first[source].equals(second[source]), source


def test_chunking_does_not_change_the_company(settings: Settings) -> None:
    whole = signals(settings, 7, [range(0, 12)])
    split = signals(settings, 7, [range(0, 5), range(5, 12)])
    for source in whole:
        assert whole[source].equals(split[source]), source


def test_another_seed_gives_another_company(settings: Settings) -> None:
    a = signals(settings, 7, [range(0, 12)])
    b = signals(settings, 8, [range(0, 12)])
    assert sum(t.num_rows for t in a.values()) != sum(t.num_rows for t in b.values())


def test_world_has_unique_domains_and_plausible_firmographics(settings: Settings) -> None:
    world = build_world(settings, seed=3, accounts=400, as_of=AS_OF)
    domains = [a.domain for a in world.accounts]
    assert len(set(domains)) == len(domains)
    # GitHub organisations are unique, named after the domain where it is free.
    orgs = [a.github_org for a in world.accounts]
    assert len(set(orgs)) == len(orgs)
    assert all(orgs)
    assert sum(a.domain.startswith(f"{a.github_org}.") for a in world.accounts) > 0.9 * 400
    assert all(3 <= a.employees <= 150_000 for a in world.accounts)
    assert {a.segment for a in world.accounts} == {"smb", "mid_market", "enterprise"}
    assert 0.3 < sum(a.in_crm for a in world.accounts) / 400 < 0.95


@pytest.mark.parametrize("seed", [1, 2])
def test_truth_identity_keys_are_normalised(settings: Settings, seed: int) -> None:
    world = build_world(settings, seed=seed, accounts=6, as_of=AS_OF)
    chunk = generate_chunk(world, range(0, 6), range(0, 3))
    keys = [row["key"] for row in chunk.truth["identities"]]
    assert keys
    for key in keys:
        kind, value = key.split(":", 1)
        assert kind in {"email", "user_id", "anonymous_id", "github"}
        if kind in ("email", "github"):
            assert value == value.strip().lower()


def test_program_lists_carry_what_their_sources_know(settings: Settings) -> None:
    """A community program's list names members' forum accounts (the address they post
    with, and a profile), and an analyst report is downloaded through a website form that
    sends the reader's name and company from their browser."""
    import orjson

    world = build_world(settings, seed=5, accounts=80, as_of=AS_OF)
    chunk = generate_chunk(world, range(0, 80), range(0, 20))
    tables = chunk.sink.tables()
    forum = tables["community:discourse"].to_pylist()
    members = {r["email"] for r in forum if r["event"] == "Community Joined"}
    touches = chunk.sink.records["touchpoints"]
    community = [t for t in touches if t["program_key"] in ("community_forum", "ambassadors")]
    assert community
    assert {t["email"] for t in community} <= members
    forms = {}
    for row in tables["segment:web"].to_pylist():
        traits = orjson.loads(row["traits"]) if row["traits"] else {}
        if row["type"] == "identify" and row["anonymousId"] and traits.get("name"):
            forms[traits.get("email")] = traits
    reports = [t for t in touches if t["program_key"] == "analyst_report"]
    assert reports
    assert all(t["email"] in forms for t in reports)


def test_chunks_made_ahead_in_worker_processes_are_the_ones_made_here(
    settings: Settings,
) -> None:
    from devfunnel.demo import ahead

    world = build_world(settings, seed=5, accounts=12, as_of=AS_OF)
    bounds = [(range(0, 4), range(0, 2)), (range(4, 8), range(2, 4)), (range(8, 12), range(4, 6))]
    here = [generate_chunk(world, a, i) for a, i in bounds]
    made = list(ahead.chunks(world, bounds))
    assert len(made) == len(here)
    for mine, theirs in zip(here, made, strict=True):
        tables, other = mine.sink.tables(), theirs.sink.tables()
        assert tables.keys() == other.keys()
        assert all(tables[s].equals(other[s]) for s in tables)
        assert mine.crm == theirs.crm
        assert mine.truth == theirs.truth
        assert mine.sink.github == theirs.sink.github
        assert mine.sink.stripe == theirs.sink.stripe


def test_qualification_is_recorded_as_the_deal_learns_it(settings: Settings) -> None:
    """Sellers fill what discovery shows when a deal opens and update it within days of
    each stage move; only a won deal gets readings at its close (signing confirms the
    paperwork), so nothing a deal's end reveals is dated before it."""
    world = build_world(settings, seed=5, accounts=150, as_of=AS_OF)
    deals = generate_chunk(world, range(150), range(0)).crm["opportunities"]
    assert len(deals) > 10
    at_close = 0
    for deal in deals:
        history = deal["qualification_history"]
        moves = [step["changed_at"] for step in deal["stage_history"]]
        assert history, deal["external_id"]
        assert min(c["changed_at"] for c in history) == deal["created_at"]
        closed = deal["closed_at"]
        for change in history:
            when = change["changed_at"]
            if closed is not None and when == closed:
                assert deal["stage"] == "closed_won"
                at_close += 1
                continue
            assert closed is None or when < closed
            assert any(timedelta(0) <= when - move <= timedelta(days=3) for move in moves)
    assert at_close > 0
