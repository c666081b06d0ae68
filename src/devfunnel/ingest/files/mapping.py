"""Which column of a file fills which importer field, and the values converted on the way.

The CRM is detected from the column names unless given; user mappings (``--map``) win
over everything. Columns that fill nothing are reported once, not as row errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devfunnel.errors import ValidationError
from devfunnel.ingest.files.columns import PERCENT_COLUMNS, SIGNATURES, VOCABULARIES, norm
from devfunnel.ingest.files.text import printable

CRMS = ("hubspot", "salesforce", "crm")


@dataclass
class ColumnMap:
    """Sources of each field, best first, and what the file held beyond them."""

    crm: str
    sources: dict[str, list[str]]
    ignored: list[str] = field(default_factory=list)
    #: The probability column holds percentages (Salesforce), not fractions.
    percent: bool = False

    def apply(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of one row: the first non-empty source of each."""
        out: dict[str, Any] = {}
        for name, columns in self.sources.items():
            for column in columns:
                value = values.get(column)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                out[name] = value
                break
        return out


def detect_crm(columns: list[str]) -> str:
    """``hubspot`` or ``salesforce`` when the columns say so, else ``crm``."""
    present = {norm(c) for c in columns}
    scores = {crm: sum(norm(s) in present for s in names) for crm, names in SIGNATURES.items()}
    best = max(scores, key=lambda crm: scores[crm])
    tied = list(scores.values()).count(scores[best]) > 1
    return best if scores[best] and not tied else "crm"


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``["Col A=field", ...]`` as ``{"Col A": "field"}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise ValidationError(f"--map {pair!r} must look like COLUMN=field")
        out[column.strip()] = target.strip()
    return out


def build_map(
    kind: str,
    columns: list[str],
    fields: set[str],
    *,
    crm: str | None,
    overrides: Mapping[str, str],
) -> ColumnMap:
    """Map ``columns`` to ``fields`` of ``kind``; ``crm=None`` detects it."""
    chosen = crm or detect_crm(columns)
    if chosen not in CRMS:
        raise ValidationError(f"unknown CRM {chosen!r}; use one of {', '.join(CRMS)}")
    known = {norm(c): c for c in columns}
    for column, target in overrides.items():
        if norm(column) not in known:
            raise ValidationError(
                f"--map names column {column!r}, which the file does not have; its columns "
                f"are: {', '.join(printable(c) for c in columns)}"
            )
        if target not in fields:
            raise ValidationError(
                f"--map {column}={target}: {target!r} is not a field of {kind}; fields: "
                + ", ".join(sorted(fields))
            )
    # Candidate (field, rank) per column: overrides, then the CRM's names, then canonical.
    vocabulary = {norm(k): v for k, v in VOCABULARIES.get(chosen, {}).get(kind, {}).items()}
    order = {name: rank for rank, name in enumerate(vocabulary)}
    by_override = {norm(k): v for k, v in overrides.items()}
    canonical = {norm(f): f for f in fields}
    ranked: list[tuple[int, str, str]] = []
    ignored: list[str] = []
    for column in columns:
        key = norm(column)
        if key in by_override:
            ranked.append((-1, by_override[key], column))
        elif key in vocabulary and vocabulary[key] in fields:
            ranked.append((order[key], vocabulary[key], column))
        elif key in canonical:
            ranked.append((len(order) + 1, canonical[key], column))
        else:
            ignored.append(column)
    sources: dict[str, list[str]] = {}
    for _, name, column in sorted(ranked, key=lambda r: r[0]):
        sources.setdefault(name, []).append(column)
    percent = chosen == "salesforce" and any(
        norm(c) in PERCENT_COLUMNS for c in sources.get("probability", [])
    )
    return ColumnMap(chosen, sources, ignored, percent)
