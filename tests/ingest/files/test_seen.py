"""The ids a file import remembers: repeats within a chunk or across chunks are noticed."""

from __future__ import annotations

import pyarrow as pa

from devfunnel.ingest.files.seen import SeenIds


def test_new_ids_are_remembered_and_repeats_are_refused_whole() -> None:
    seen = SeenIds()
    assert seen.add_if_all_new(pa.array(["a", "b", "c"]))
    assert seen.add_if_all_new(pa.chunked_array([["e", "d"], ["f"]]))
    assert len(seen) == 6
    assert not seen.add_if_all_new(pa.array(["x", "b"]))  # b was stored before
    assert not seen.add_if_all_new(pa.array(["y", "z", "y"]))  # y twice in one chunk
    assert len(seen) == 6  # a refused chunk adds nothing
    assert seen.add_if_all_new(pa.array(["x", "y"]))
    assert not seen.add_if_all_new(pa.array(["y"]))
    seen.close()


def test_many_chunks_stay_sorted_and_exact() -> None:
    seen = SeenIds()
    for n in range(20):
        assert seen.add_if_all_new(pa.array([f"m{n}-{i}" for i in range(1000)]))
    assert len(seen) == 20_000
    assert not seen.add_if_all_new(pa.array(["m7-999"]))
    assert seen.add_if_all_new(pa.array(["m7-1000"]))
    seen.close()
