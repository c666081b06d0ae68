"""The demo's chunks, generated ahead in worker processes while the caller loads.

Generating a chunk is pure Python and loading one is mostly database work, so on two
cores they overlap: the default demo's events phase took as long as generating plus
loading, and now takes about as long as the larger of the two. Every account and every
independent developer draws from its own seeded stream, so a chunk is the same whichever
process makes it, and chunks are handed back in order: the company a seed yields does
not change.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from devfunnel.demo.company import Chunk, generate_chunk
from devfunnel.demo.world import World

#: Worker processes; more than the cores would only take turns with the loader.
MAX_WORKERS = 2

_world: World | None = None


def chunks(world: World, bounds: list[tuple[range, range]]) -> Iterator[Chunk]:
    """Each chunk of ``bounds`` (accounts, independent developers), in order."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1, len(bounds) - 1)
    if workers < 1:
        for accounts, independents in bounds:
            yield _sealed(generate_chunk(world, accounts, independents))
        return
    pool = ProcessPoolExecutor(
        workers, mp_context=_context(), initializer=_receive, initargs=(world,)
    )
    try:
        todo = iter(bounds)
        pending: deque[Future[Chunk]] = deque()
        # One chunk waiting per worker beyond those being made bounds the memory held.
        for accounts, independents in todo:
            pending.append(pool.submit(_generate, accounts, independents))
            if len(pending) > workers:
                break
        while pending:
            chunk = pending.popleft().result()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.submit(_generate, *following))
            yield chunk
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    """Fork where there is one. The loader's database threads are copied in their state,
    but a worker only runs the generator (Python and NumPy), never the database. Spawn
    would re-import the main module in each worker: a script calling ``load_demo``
    without an ``if __name__ == "__main__"`` guard would start loading again there."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _receive(world: World) -> None:
    global _world
    _world = world


def _generate(accounts: range, independents: range) -> Chunk:
    assert _world is not None, "the worker was started without the world"
    return _sealed(generate_chunk(_world, accounts, independents))


def _sealed(chunk: Chunk) -> Chunk:
    chunk.sink.tables()
    return chunk
