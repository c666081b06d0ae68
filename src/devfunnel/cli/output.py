"""Rich output helpers: one console, progress bars for long work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

console = Console(highlight=False)

STAGE_LABELS = {"events": "Generating and ingesting signals", "resolve": "Resolving identities",
                "records": "Importing CRM, billing and program records",
                "scores": "Computing the journey and scores",
                "pipeline": "Routing leads and preparing handoffs"}  # fmt: skip


@contextmanager
def stage_progress(quiet: bool = False) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per named stage; yields a ``(stage, done, total)`` callback."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )
    tasks: dict[str, TaskID] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(STAGE_LABELS.get(stage, stage), total=total)
        progress.update(tasks[stage], completed=done, total=total)

    with progress:
        yield tick
