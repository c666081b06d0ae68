"""Reading CSV and JSON Lines files into rows that keep their real line numbers.

Record files (accounts, people, deals) are CRM exports of modest size, so they are decoded
whole (``text.py`` says how): an encoding problem, a file that is not text or a CSV file
cut short inside a quoted field is found before anything is written. Events files are read
by ``events.py`` with a columnar reader instead.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import orjson

from devfunnel.errors import NotFound, ValidationError
from devfunnel.ingest.files.report import Reject
from devfunnel.ingest.files.text import decode, printable

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
_EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class SourceRow:
    """One data row: the line it starts on and its values under the file's own names."""

    line: int
    values: dict[str, Any]


@dataclass
class Rows:
    """Everything read from a record file."""

    #: Column names in the order first seen (the CSV header, or JSON keys).
    columns: list[str]
    rows: list[SourceRow]
    #: Lines that could not be read as a row at all.
    unreadable: list[Reject] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def detect_format(path: Path, given: str | None) -> Format:
    """``given`` if set, else the format the file's extension names (``.gz`` allowed)."""
    if given is not None:
        if given not in FORMATS:
            raise ValidationError(f"unknown format {given!r}; use csv or jsonl")
        return given
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _EXTENSIONS.get(suffixes[-1] if suffixes else "")
    if found is None:
        raise ValidationError(
            f"cannot tell the format of {path.name} from its extension; "
            "pass --format csv or --format jsonl"
        )
    return found


def check_readable(path: Path) -> None:
    """Refuse a missing, unreadable or non-regular file before any work starts."""
    if not path.exists():
        raise NotFound(f"{path} does not exist", path=str(path))
    if not path.is_file():
        raise NotFound(f"{path} is not a file", path=str(path))
    if not os.access(path, os.R_OK):
        raise NotFound(f"{path} cannot be read (permission denied)", path=str(path))


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it ends in ``.gz``."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_text(path: Path, notices: list[str]) -> str:
    """The whole file as text (see ``text.decode``); a file that cannot be read, such as a
    truncated gzip file, is :class:`NotFound` as the CLI's other unreadable inputs are."""
    try:
        with open_binary(path) as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise cannot_read(path, exc) from None
    return decode(data, path.name, notices)


def cannot_read(path: Path, exc: BaseException, *, then: str = "") -> NotFound:
    """The error for a file whose bytes stop being readable (``then`` says what it left)."""
    return NotFound(f"cannot read {printable(str(path))}: {exc}{then}", path=str(path))


def empty(path: Path) -> ValidationError:
    """The error for a file with nothing in it but blank lines, whatever its format."""
    return ValidationError(f"{printable(path.name)} is empty: there is nothing to import")


def read_rows(path: Path, fmt: Format) -> Rows:
    """All rows of a record file; an empty file is refused."""
    notices: list[str] = []
    text = read_text(path, notices)
    if not text.strip():
        raise empty(path)
    rows = _csv_rows(text, path) if fmt == "csv" else _jsonl_rows(text)
    rows.notices[:0] = notices
    return rows


def _csv_rows(text: str, path: Path) -> Rows:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[SourceRow] = []
    unreadable: list[Reject] = []
    previous = line = 0
    try:
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _unique([c.strip() for c in cells])
                continue
            if len(cells) > len(header):
                reason = f"the row has {len(cells)} cells but the header has {len(header)}"
                names = header + [f"column {n}" for n in range(len(header) + 1, len(cells) + 1)]
                unreadable.append(Reject(line, reason, dict(zip(names, cells, strict=False))))
                continue
            rows.append(SourceRow(line, dict(zip(header, cells, strict=False))))
    except csv.Error as exc:
        # A field over the size limit is nearly always a quote that is never closed.
        hint = " (a quoted field that is never closed?)" if "field limit" in str(exc) else ""
        raise ValidationError(
            f"{printable(path.name)} line {previous + 1}: not valid CSV: {exc}{hint}"
        ) from None
    if header is None:
        raise empty(path)
    if _ends_in_open_quote(text, line, delimiter):
        raise ValidationError(
            f"{printable(path.name)} line {line}: a quoted field in the row that starts on "
            "this line is never closed; the file ends inside it (is it cut short?). "
            "Nothing was imported"
        )
    notices = [] if delimiter == "," else [f"{path.name} is separated by {delimiter!r}"]
    return Rows(header, rows, unreadable, notices)


def _ends_in_open_quote(text: str, last_row: int, delimiter: str) -> bool:
    """Whether the file ends inside a quoted field of its last row (starting on line
    ``last_row``). The lenient reader above takes the rest of the file as that field, as
    spreadsheets do with a stray quote; strict mode reads the row again only to tell a
    truncated file, which it reports as an unexpected end of data."""
    rest = io.StringIO(text, newline="")
    for _ in range(last_row - 1):
        rest.readline()
    try:
        for _ in csv.reader(rest, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return str(exc) == "unexpected end of data"
    return False


def _unique(names: list[str]) -> list[str]:
    """Column names made unique (``Email``, ``Email (2)``), as some exports repeat them."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _jsonl_rows(text: str) -> Rows:
    columns: dict[str, None] = {}
    rows: list[SourceRow] = []
    unreadable: list[Reject] = []
    # Split on newlines only: JSON text may hold U+2028 and friends, which splitlines()
    # would count as line breaks and so misnumber every later line.
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            unreadable.append(Reject(number, f"malformed JSON: {exc}", raw))
            continue
        if not isinstance(value, dict):
            unreadable.append(Reject(number, "the line is not a JSON object", raw))
            continue
        columns.update(dict.fromkeys(value))
        rows.append(SourceRow(number, value))
    return Rows(list(columns), rows, unreadable)
