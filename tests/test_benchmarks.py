"""The benchmark runner's options and results files (the measurements themselves run in
``make bench``, never in tests: no timing assertions here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.__main__ import parse_args
from benchmarks.common import write_results


def test_one_suite_backend_and_size_can_be_chosen() -> None:
    args = parse_args(["demo", "--accounts", "20000", "--backend", "duckdb"])
    assert (args.suites, args.backends, args.sizes) == (["demo"], ["duckdb"], [20000])
    assert parse_args(["demo", "--scale", "1,10"]).sizes == [2000, 20000]
    everything = parse_args([])
    assert everything.suites == ["demo", "import_jsonl", "ingest_http", "scores", "pages"]
    assert (everything.backends, everything.sizes) == (["duckdb", "postgresql"], [2000, 20000])


@pytest.mark.parametrize(
    "argv", [["bogus"], ["--backend", "sqlite"], ["--accounts", "many"], ["--scale", "0"]]
)
def test_bad_options_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_a_partial_run_replaces_only_its_own_rows(tmp_path: Path) -> None:
    key = ("backend", "accounts")
    write_results("demo", [{"backend": "duckdb", "accounts": 2000, "load_seconds": 40}], key,
                  folder=tmp_path)  # fmt: skip
    write_results("demo", [{"backend": "postgresql", "accounts": 2000, "load_seconds": 50}],
                  key, folder=tmp_path)  # fmt: skip
    path = write_results(
        "demo", [{"backend": "duckdb", "accounts": 2000, "load_seconds": 39}], key, folder=tmp_path
    )
    rows = json.loads(path.read_text())["rows"]
    assert [(r["backend"], r["load_seconds"]) for r in rows] == [("duckdb", 39), ("postgresql", 50)]
    assert all("load_average" in r and "measured_at" in r for r in rows)


def test_the_pages_suite_times_every_top_bar_page_and_an_account(
    demo_file: Path, tmp_path: Path
) -> None:
    """A tiny run (the 30-account test demo, two requests a page): it works, not how fast."""
    from benchmarks import pages

    from tests.helpers.dashboard import copy_of

    row = pages.measure("duckdb", 30, tmp_path, loaded=copy_of(demo_file, tmp_path), requests=2)
    assert {"/", "/accounts", "/journey", "/settings"} <= set(row["pages"])
    assert any(p.startswith("/accounts/") for p in row["pages"])
    assert {"/pipeline", "/handoffs", "/handoffs?scope=all", "/people"} <= set(row["pages"])
    assert {"/settings/alerts", "/settings/crm"} <= set(row["pages"])
    assert any(p.startswith("/people?q=") for p in row["pages"])
    assert any(p.startswith("/people?person=") for p in row["pages"])
    assert "/people?person={id}" in pages.line(row)
    assert all(v["median_ms"] > 0 and v["p95_ms"] >= v["median_ms"] for v in row["pages"].values())
    assert row["all_p95_under_target"] == (row["slowest_p95_ms"] < pages.TARGET_MS)
    assert ("NOT every p95 under" in pages.line(row)) != row["all_p95_under_target"]
