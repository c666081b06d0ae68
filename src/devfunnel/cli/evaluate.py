"""``devfunnel evaluate``: measure the product on the demo company's ground truth."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.evaluate.identity import evaluate_identity

#: The targets each figure is measured against.
TARGETS = {"identity.precision": 0.99, "identity.recall": 0.95, "identity.account_accuracy": 0.98}


def evaluate(
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Measure identity resolution (and later scores and models) against the demo's truth."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        identity = evaluate_identity(store)
    document: dict[str, Any] = {
        "identity": identity.as_dict(),
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
    console.print(table)
    console.print(
        f"{identity.people_evaluated:,} people evaluated; pairs "
        f"{identity.pairs['correct']:,} correct of {identity.pairs['predicted']:,} "
        f"predicted and {identity.pairs['true']:,} true; "
        f"{identity.account_unknowable:,} at an account no signal names, left out of "
        "account accuracy."
    )
