"""``devfunnel accounts``: the accounts with developer momentum, ranked, with their why."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.scoring.views import AccountFilters, AccountScore, list_accounts

app = typer.Typer(help="Accounts: ranked by momentum, fit or grade.", no_args_is_help=True)


def why_text(score: AccountScore, signals: int = 3) -> str:
    """The top momentum signals as ``label share`` pairs."""
    parts = [
        f"{item['label']} {item['share']:.0f}"
        for item in score.why.get("momentum", [])[:signals]
        if item.get("signal") != "other"
    ]
    return ", ".join(parts)


@app.command("top")
def top(
    grade: Annotated[str | None, typer.Option(help="Only this grade (A-F).")] = None,
    stage: Annotated[
        str | None, typer.Option(help="Only accounts at this journey stage (e.g. build).")
    ] = None,
    pqa: Annotated[
        bool | None, typer.Option("--pqa/--not-pqa", help="Only (or no) product-qualified.")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Only this segment.")] = None,
    sort: Annotated[str, typer.Option(help="momentum, fit or grade.")] = "momentum",
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many accounts.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The top accounts by momentum (or fit, or grade), with why each ranks there."""
    settings = settings_for(db, config)
    filters = AccountFilters(grade=grade, stage=stage, pqa=pqa, segment=segment)
    with open_store(settings) as store:
        page = list_accounts(store, settings, filters, sort=sort, limit=limit)
    if as_json:
        document: dict[str, Any] = {
            "total": page.total,
            "items": [asdict(item) for item in page.items],
        }
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    table = Table("#", "account", "grade", "momentum", "fit", "stage", "devs", "PQA", "why",
                  title=f"Top {len(page.items)} of {page.total:,} accounts by {sort}")  # fmt: skip
    for rank, item in enumerate(page.items, start=1):
        table.add_row(
            str(rank), escape(item.domain or item.name), item.grade, f"{item.momentum:.0f}",
            f"{item.fit:+.0f}", item.journey_stage or "-", str(item.active_developers),
            "yes" if item.pqa else "", escape(why_text(item)),
        )  # fmt: skip
    console.print(table)
