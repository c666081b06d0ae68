"""``devfunnel model``: train the success-probability model now, or show the newest one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Annotated

import typer
from rich.table import Table

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.errors import NotFound
from devfunnel.scoring.success.schedule import refresh_all
from devfunnel.scoring.success.training import ModelVersion, latest_version

app = typer.Typer(help="The success-probability model: train, show.", no_args_is_help=True)


@app.command("train")
def train(
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Train as of the start of this day (default: now); the demo uses its --as-of.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Refresh technical validations, train on every closed opportunity, and re-score
    the open ones."""
    settings = settings_for(db, config)
    now = datetime.combine(as_of.date(), time(), tzinfo=UTC) if as_of else None
    with open_store(settings) as store, console.status("Training the success model"):
        version = refresh_all(store, settings, now=now, trained_by="command line")
    _print(version)


@app.command("show")
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Show the newest model: when it was trained, on what, how well it ranks."""
    with open_store(settings_for(db, config)) as store, store.read() as conn:
        version = latest_version(conn)
    if version is None:
        raise NotFound("no success model has been trained yet; run `devfunnel model train`")
    if as_json:
        typer.echo(json.dumps(version.as_dict(), indent=2))
        return
    _print(version)


def _print(version: ModelVersion) -> None:
    m = version.metrics
    cv = m.get("cross_validated", {})
    console.print(
        f"Model {version.id}, trained {version.trained_at:%Y-%m-%d %H:%M} as of "
        f"{version.as_of:%Y-%m-%d} on {m['opportunities']:,} closed opportunities "
        f"({m['won']:,} won, {m['lost']:,} lost; {m['snapshots']:,} snapshots)."
    )
    console.print(
        f"Cross-validated AUC {cv.get('auc_at_creation', 0):.3f} at creation, "
        f"{cv.get('auc', 0):.3f} over all snapshots; Brier {cv.get('brier', 0):.3f}."
    )
    table = Table("feature", "log-odds per SD", title="Coefficients, largest first")
    ranked = sorted(m.get("coefficients", {}).items(), key=lambda kv: -abs(kv[1]))
    for name, value in ranked[:12]:
        table.add_row(name, f"{value:+.3f}")
    console.print(table)
