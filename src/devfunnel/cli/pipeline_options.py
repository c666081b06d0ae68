"""What the pipeline commands share: acting as a user, and printing times and money."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import orjson
import typer

from devfunnel.admin.permissions import Principal
from devfunnel.pipeline.common import OPERATOR, jsonable
from devfunnel.pipeline.directory import user_principal
from devfunnel.store import Store

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="EMAIL",
        show_default=False,
        help="Act as this devfunnel user (their role's permissions, their name in the "
        "audit log). Default: the command line, with admin rights.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOption = Annotated[int, typer.Option(min=1, max=500, help="Most rows to show.")]
OffsetOption = Annotated[int, typer.Option(min=0, help="Rows to skip (for the next page).")]


def acting(store: Store, as_user: str | None) -> Principal:
    return OPERATOR if as_user is None else user_principal(store, as_user)


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:,.2f} {currency}" if amount is not None else ""


def print_json(value: Any) -> None:
    typer.echo(orjson.dumps(jsonable(value), option=orjson.OPT_INDENT_2).decode())
