"""Reject files: the rows that were not loaded, to fix and import again.

A reject file has the input's format and sits next to it by default
(``accounts.csv`` -> ``accounts.rejects.csv``). Each row carries the line number in the
input (CSV header is line 1), the reason, and the row as it was read: the original
columns for CSV, the original object (or the raw text of an unparseable line) for JSON
Lines. Fixing the rows in place and importing the reject file loads them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import orjson

from devfunnel.errors import NotFound, ValidationError
from devfunnel.ingest.files.formats import Format
from devfunnel.ingest.files.report import Reject
from devfunnel.ingest.files.text import printable


def default_path(path: Path, fmt: Format) -> Path:
    """``name.rejects.<ext>`` beside the input (``.gz`` dropped)."""
    name = path.name.removesuffix(".gz")
    stem, dot, ext = name.rpartition(".")
    base = stem if dot else name
    return path.with_name(f"{base}.rejects.{ext if dot else fmt}")


def check_writable(target: Path, source: Path) -> None:
    """Refuse a reject file that cannot be written before anything is imported: found out
    afterwards, the good rows would be stored and the refused ones nowhere. Opening it to
    append is the one sure test (permissions, a missing folder, a read-only disk); a file
    this creates is removed again, so an import without rejects leaves none."""
    if target.exists() and source.exists() and target.samefile(source):
        raise ValidationError(
            f"the reject file {printable(str(target))} is the file being imported; "
            "pass another --rejects PATH"
        )
    existed = target.exists()
    try:
        with target.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    if not existed:
        target.unlink(missing_ok=True)


def write_rejects(
    target: Path, fmt: Format, rejects: Sequence[Reject], columns: Sequence[str] = ()
) -> Path:
    """Write ``rejects`` sorted by line; returns ``target``."""
    ordered = sorted(rejects, key=lambda r: r.line)
    try:
        if fmt == "csv":
            _write_csv(target, ordered, columns)
        else:
            with target.open("wb") as out:
                for reject in ordered:
                    record = {"line": reject.line, "reason": reject.reason, "row": reject.original}
                    out.write(orjson.dumps(record, default=str) + b"\n")
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    return target


def _cannot_write(target: Path, exc: OSError) -> NotFound:
    reason = exc.strerror or str(exc)
    return NotFound(
        f"cannot write the reject file {printable(str(target))}: {reason} "
        "(--rejects PATH names another)",
        path=str(target),
    )


def _write_csv(target: Path, rejects: Sequence[Reject], columns: Sequence[str]) -> None:
    names = list(columns)
    for reject in rejects:
        if isinstance(reject.original, dict):
            names += [str(k) for k in reject.original if str(k) not in names]
    line, reason = ("line", "reason")
    if line in names or reason in names:
        line, reason = "reject_line", "reject_reason"
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([line, reason, *names])
        for reject in rejects:
            row = reject.original if isinstance(reject.original, dict) else {}
            writer.writerow([reject.line, reject.reason, *(_cell(row.get(n)) for n in names)])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)
