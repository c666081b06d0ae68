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


def worker_peak_rss_mb() -> float:
    """Peak resident memory of the largest finished child process (the demo's chunk
    workers), in MiB; the machine held this on top of ``peak_rss_mb`` while they ran."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def load_average() -> float:
    """The machine's one-minute load average: how busy it was with other work too."""
    return round(os.getloadavg()[0], 2)


def write_results(
    suite: str,
    rows: list[dict[str, Any]],
    key: tuple[str, ...],
    folder: Path = RESULTS,
) -> Path:
    """Write ``rows`` to ``<folder>/<suite>.json``, replacing earlier rows with the same
    ``key`` values and keeping the others, so one size or backend can be re-run alone."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{suite}.json"
    now = datetime.now(UTC).isoformat()
    for row in rows:
        row.setdefault("measured_at", now)
        row.setdefault("load_average", load_average())
    fresh = {tuple(row.get(k) for k in key) for row in rows}
    kept: list[dict[str, Any]] = []
    if path.exists():
        try:
            earlier = json.loads(path.read_text()).get("rows", [])
        except (json.JSONDecodeError, AttributeError):
            earlier = []
        kept = [r for r in earlier if tuple(r.get(k) for k in key) not in fresh]
    merged = sorted([*kept, *rows], key=lambda r: tuple(str(r.get(k)) for k in key))
    if "accounts" in key:
        merged.sort(key=lambda r: (int(r.get("accounts") or 0), str(r.get("backend"))))
    path.write_text(
        json.dumps(
            {"suite": suite, "measured_at": now, "machine": machine(), "rows": merged},
            indent=2,
            default=str,
        )
        + "\n"
    )
    return path
