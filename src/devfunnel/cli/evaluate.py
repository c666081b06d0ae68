"""``devfunnel evaluate``: measure the product on the demo company's ground truth."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.evaluate.identity import evaluate_identity
from devfunnel.evaluate.pqa import demo_as_of, demo_date, evaluate_pqa

#: The targets each figure is measured against.
TARGETS = {"identity.precision": 0.99, "identity.recall": 0.95, "identity.account_accuracy": 0.98}


def evaluate(
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Measure identity resolution and PQA quality (and later models) against the demo's
    truth."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        identity = evaluate_identity(store)
        pqa = evaluate_pqa(store, settings, demo_as_of(demo_date(store)))
    document: dict[str, Any] = {
        "identity": identity.as_dict(),
        "pqa": pqa.as_dict(),
        "thresholds": {
            "auto_merge_probability": settings.identity.auto_merge_probability,
            "review_probability": settings.identity.review_probability,
        },
        "targets": TARGETS,
    }
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    table = Table("measure", "value", "target", "met")
    for key, target in TARGETS.items():
        section, name = key.split(".")
        value = document[section][name]
        table.add_row(key, f"{value:.4f}", f"{target:.2f}", "yes" if value >= target else "no")
    table.add_row("identity.anonymous_attached", f"{identity.anonymous_attached:.4f}", "", "")
    table.add_row("pqa.lift", f"{pqa.lift:.2f}", "", "")
    table.add_row("pqa.lift_raw_count", f"{pqa.lift_raw_count:.2f}", "", "")
    console.print(table)
    console.print(
        f"PQA: of the top {pqa.top_n:,} accounts by momentum as of {pqa.scored_as_of[:10]}, "
        f"{pqa.top_converted} opened an opportunity within {pqa.horizon_days} days "
        f"({pqa.top_converted_raw_count} of the top by raw event count); base rate "
        f"{pqa.base_rate:.2%} of {pqa.population:,} accounts."
    )
    console.print(
        f"{identity.people_evaluated:,} people evaluated; pairs "
        f"{identity.pairs['correct']:,} correct of {identity.pairs['predicted']:,} "
        f"predicted and {identity.pairs['true']:,} true; "
        f"{identity.account_unknowable:,} at an account no signal names, left out of "
        "account accuracy."
    )
