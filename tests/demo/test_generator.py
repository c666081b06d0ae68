"""The demo generator is deterministic, chunk-independent and realistic in shape."""

from __future__ import annotations

from datetime import date

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
