"""The demo loads through the product's own paths, identically on both backends."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.demo import truth
from devfunnel.demo.load import load_demo
from devfunnel.store import Store, migrate
from tests.helpers.postgres import PostgresAdmin, unique_name

SRC = Path(__file__).resolve().parents[2] / "src" / "devfunnel"
TABLES = (
    "events",
    "identities",
    "accounts",
    "opportunities",
    "stage_history",
    "leads",
    "subscriptions",
    "invoices",
    "mrr_movements",
    "touchpoints",
    "feedback_items",
    "qualification",
    "conversations",
    "programs",
    "program_costs",
    "users",
    "quotas",
)


def counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        found = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
        found["live_people"] = conn.execute(
            sa.text("SELECT count(*) FROM people WHERE merged_into IS NULL")
        ).scalar_one()
    return found


def test_demo_loads_and_matches_across_backends(store: Store, settings: Settings) -> None:
    report = load_demo(
        store, settings, seed=5, accounts=30, as_of=date(2026, 11, 1), chunk_accounts=12
    )
    found = counts(store)
    assert report.events == found["events"] > 5_000
    assert found["live_people"] == report.people > 200
    assert all(found[t] > 0 for t in TABLES), found
    assert not any(errors["errors"] for errors in report.imports.values()), report.imports
    with store.read() as conn:
        # Deterministic resolution never joins two real people: every resolved person's
        # identities belong to one true person.
        mixed = conn.execute(
            sa.text(
                f"SELECT count(*) FROM (SELECT i.person_id FROM {truth.SCHEMA}.identities t "
                "JOIN identities i ON i.key = t.key GROUP BY i.person_id "
                "HAVING count(DISTINCT t.person_ref) > 1) m"
            )
        ).scalar_one()
        resolved = conn.execute(
            sa.text(
                f"SELECT count(*) FROM {truth.SCHEMA}.identities t "
                "JOIN identities i ON i.key = t.key"
            )
        ).scalar_one()
        truth_keys = conn.execute(
            sa.text(f"SELECT count(*) FROM {truth.SCHEMA}.identities")
        ).scalar_one()
        pending = conn.execute(
            sa.text("SELECT count(*) FROM ingest_batches WHERE status <> 'done'")
        ).scalar_one()
    assert mixed == 0
    # Identities only seen on touchpoint lists (not events) are not resolved; the rest are.
    assert resolved / truth_keys > 0.95
    assert pending == 0


def test_the_same_seed_loads_the_same_records_on_both_backends(
    tmp_path: Path, settings: Settings, postgres_admin: PostgresAdmin, postgres_template: str
) -> None:
    name = unique_name("demo")
    postgres_admin.create(name, template=postgres_template)
    duckdb_path = tmp_path / "demo.duckdb"
    try:
        found = {}
        for url in (f"duckdb:///{duckdb_path}", postgres_admin.url_for(name)):
            with Store(url) as opened:
                migrate.upgrade(opened)
                load_demo(opened, settings, seed=11, accounts=15, as_of=date(2026, 11, 1))
                found[opened.kind] = counts(opened)
        assert found["duckdb"] == found["postgresql"]
    finally:
        postgres_admin.drop(name)


def test_truth_is_kept_apart_from_the_product() -> None:
    """Only the demo package and evaluation code may read the ground truth."""
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(("demo/", "evaluate/")):
            continue
        text = path.read_text()
        assert "demo.truth" not in text, relative
        assert "demo_truth" not in text, relative


def test_demo_never_writes_product_tables_directly() -> None:
    """The demo hands raw signals to intake and importers; it imports no product table."""
    for path in (SRC / "demo").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("devfunnel.store.schema"), (
                    f"{path.name} imports {node.module}"
                )
