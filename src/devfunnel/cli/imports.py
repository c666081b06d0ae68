"""``devfunnel import KIND FILE``: load CSV or JSON Lines files, one subcommand per kind.

Every kind takes the same options; the work is ``ingest.files.load.import_file``, which
the API could call as well. Rows that fail are written to a reject file and the rest are
loaded, so the exit code is 0 whenever the file was processed. A file that cannot be
imported as a whole (not text, empty, cut short, no column that is a field, a reject file
that cannot be written) is refused with the error tree's exit code (65 or 66) before any
row is stored. Everything shown that comes from the file (column names, reasons) goes
through ``printable``: a file's control characters never reach the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.errors import ValidationError
from devfunnel.ingest.files.load import KINDS, import_file
from devfunnel.ingest.files.mapping import parse_overrides
from devfunnel.ingest.files.report import FileReport
from devfunnel.ingest.files.text import printable


class _Kinds(TyperGroup):
    """Refuse an unknown kind with the list of kinds (exit code from the error tree)."""

    # Typer vendors its own click; its types are private, hence ``Any``.
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            raise ValidationError(
                f"unknown kind {args[0]!r}; use one of {', '.join(sorted(self.commands))}"
            )
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_Kinds,
    help="Import CSV or JSON Lines files (HubSpot and Salesforce exports are recognised).",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="CSV or JSON Lines file.")]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", metavar="csv|jsonl", help="File format (default: by extension)."),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
]
RejectsOpt = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        metavar="PATH",
        help="Where to write refused rows (default: FILE.rejects.csv or .jsonl beside FILE).",
    ),
]
CrmOpt = Annotated[
    str | None,
    typer.Option(
        "--crm",
        metavar="hubspot|salesforce|crm",
        help="Which CRM exported the file (default: detected from the column names).",
    ),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map", metavar="COLUMN=field", help="Read COLUMN as field; repeat for more columns."
    ),
]


def _command(kind: str) -> Callable[..., None]:
    def command(
        file: FileArg,
        fmt: FormatOpt = None,
        dry_run: DryRunOpt = False,
        rejects: RejectsOpt = None,
        crm: CrmOpt = None,
        mapping: MapOpt = None,
        db: DbOption = None,
        config: ConfigOption = None,
    ) -> None:
        overrides = parse_overrides(mapping or [])
        settings = settings_for(db, config)
        with open_store(settings) as store, _progress(kind, file) as tick:
            report = import_file(
                store,
                settings,
                kind,
                file,
                fmt=fmt,
                dry_run=dry_run,
                rejects=rejects,
                crm=crm,
                overrides=overrides,
                progress=tick,
            )
        _summarise(report)

    command.__doc__ = f"Import {KINDS[kind]} from FILE."
    return command


for _kind in KINDS:
    app.command(_kind)(_command(_kind))


@contextmanager
def _progress(kind: str, path: Path) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar for the rows of ``path``; shown on a terminal only."""
    bar = Progress(
        TextColumn(f"Importing {escape(kind)} from {_shown(path.name)}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(kind, total=None)

    def tick(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield tick


def _shown(text: str) -> str:
    """``text`` from a file or the command line, safe to print: no markup, no controls."""
    return escape(printable(text))


def _summarise(report: FileReport) -> None:
    for notice in report.notices:
        console.print(f"[yellow]note:[/] {_shown(notice)}")
    crm = f" ({report.crm} columns)" if report.crm and report.crm != "crm" else ""
    what = "Dry run, nothing was written: would import" if report.dry_run else "Imported"
    console.print(f"{what} {report.kind} from {_shown(str(report.path))}{crm}.")
    figures: list[tuple[str, Any]] = [("rows read", report.rows)]
    if report.kind == "events":
        figures += [("loaded", report.created), ("duplicates", report.duplicates)]
    else:
        figures += [
            ("created", report.created),
            ("updated", report.updated),
            ("unchanged", report.unchanged),
        ]
    figures.append(("rejected", len(report.rejects)))
    console.print(", ".join(f"{name}: {value:,}" for name, value in figures))
    if report.rejects_path is not None:
        console.print(f"Rejected rows, with line and reason: {_shown(str(report.rejects_path))}")
    elif report.rejects:
        for reject in report.rejects[:20]:
            console.print(f"  line {reject.line}: {_shown(reject.reason)}")
        if len(report.rejects) > 20:
            console.print(f"  ... and {len(report.rejects) - 20} more (pass --rejects PATH)")
