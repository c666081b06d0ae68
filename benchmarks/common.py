"""Shared helpers: fresh databases per run, timing, peak memory, results files."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

RESULTS = Path(__file__).resolve().parent / "results"
PG_ADMIN_URL = os.environ.get("DEVFUNNEL_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1/test")


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """A new, empty database URL on ``backend``, removed afterwards."""
    name = f"df_bench_{uuid.uuid4().hex[:10]}"
    if backend == "duckdb":
        path = workdir / f"{name}.duckdb"
        try:
            yield f"duckdb:///{path}"
        finally:
            for suffix in ("", ".wal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(suite: str, rows: list[dict[str, Any]]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{suite}.json"
    path.write_text(
        json.dumps(
            {
                "suite": suite,
                "measured_at": datetime.now(UTC).isoformat(),
                "machine": machine(),
                "rows": rows,
            },
            indent=2,
            default=str,
        )
    )
    return path
