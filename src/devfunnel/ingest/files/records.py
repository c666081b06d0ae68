"""Record files (accounts, people, opportunities, ...) through the record importers.

Rows are read and mapped here (CRM columns, export formats, owners by name), then handed
to the importer of their kind in chunks: each chunk commits on its own, so a long file
shows progress and a re-run after a failure only repeats what is idempotent anyway
(records are matched by their keys). A dry run validates the whole file in one call, so
its counts are exactly what a real run would do.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel

from devfunnel.admin.users import UserRecord, import_users
from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.ingest.files import values as v
from devfunnel.ingest.files.formats import Format, read_rows
from devfunnel.ingest.files.mapping import ColumnMap, build_map
from devfunnel.ingest.files.report import FileReport, Progress, Reject, no_progress
from devfunnel.ingest.files.text import printable
from devfunnel.ingest.records.accounts import AccountRecord, import_accounts
from devfunnel.ingest.records.base import ImportResult
from devfunnel.ingest.records.contacts import ContactRecord, import_contacts
from devfunnel.ingest.records.conversations import ConversationRecord, import_conversations
from devfunnel.ingest.records.feedback import FeedbackRecord, import_feedback
from devfunnel.ingest.records.github_orgs import GitHubOrgRecord, import_github_orgs
from devfunnel.ingest.records.github_profiles import GitHubProfileRecord, import_github_profiles
from devfunnel.ingest.records.leads import LeadRecord, import_leads
from devfunnel.ingest.records.opportunities import OpportunityRecord, import_opportunities
from devfunnel.ingest.records.programs import (
    FeatureRecord,
    ProgramRecord,
    TouchpointRecord,
    import_features,
    import_programs,
    import_touchpoints,
)
from devfunnel.store import Store
from devfunnel.store.schema.admin import users

Importer = Callable[..., ImportResult]
CHUNK_ROWS = 5_000


@dataclass(frozen=True)
class RecordKind:
    importer: Importer
    model: type[BaseModel]
    help: str

    @property
    def fields(self) -> set[str]:
        names = set(self.model.model_fields)
        return names | {"owner"} if "owner_email" in names else names


RECORD_KINDS: dict[str, RecordKind] = {
    "accounts": RecordKind(import_accounts, AccountRecord, "accounts (CRM companies)"),
    "people": RecordKind(import_contacts, ContactRecord, "people (CRM contacts)"),
    "opportunities": RecordKind(import_opportunities, OpportunityRecord, "opportunities (deals)"),
    "leads": RecordKind(import_leads, LeadRecord, "leads"),
    "conversations": RecordKind(import_conversations, ConversationRecord, "sales conversations"),
    "feedback": RecordKind(import_feedback, FeedbackRecord, "customer feedback"),
    "programs": RecordKind(import_programs, ProgramRecord, "programs and their costs"),
    "features": RecordKind(import_features, FeatureRecord, "product features"),
    "touchpoints": RecordKind(import_touchpoints, TouchpointRecord, "program touchpoints"),
    "users": RecordKind(import_users, UserRecord, "devfunnel users (CRM owners)"),
    "github-profiles": RecordKind(
        import_github_profiles, GitHubProfileRecord, "GitHub user profiles (the API's JSON)"
    ),
    "github-orgs": RecordKind(
        import_github_orgs, GitHubOrgRecord, "GitHub organisations (the API's JSON)"
    ),
}
_STRUCTURED = {
    "qualification",
    "qualification_history",
    "stage_history",
    "costs",
    "events",
    "tech_stack",
}


def import_records(
    store: Store,
    settings: Settings,
    kind: str,
    path: Path,
    fmt: Format,
    *,
    dry_run: bool = False,
    crm: str | None = None,
    overrides: Mapping[str, str] | None = None,
    progress: Progress = no_progress,
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[FileReport, list[str]]:
    """Import a record file; returns the report and the file's columns (for rejects)."""
    spec = RECORD_KINDS[kind]
    read = read_rows(path, fmt)
    columns = build_map(kind, read.columns, spec.fields, crm=crm, overrides=overrides or {})
    if not columns.sources:
        raise _nothing_maps(path, kind, read.columns, spec.fields)
    report = FileReport(kind, path, fmt, dry_run=dry_run, crm=columns.crm, notices=read.notices)
    report.rows = len(read.rows) + len(read.unreadable)
    report.rejects += read.unreadable
    if columns.ignored:
        report.notices.append(
            f"ignored {len(columns.ignored)} column(s) that are not fields of {kind}: "
            + ", ".join(columns.ignored)
        )
    convert = _Converter(store, settings, kind, columns, "crm" in spec.model.model_fields)
    mapped = convert.rows(r.values for r in read.rows)
    report.notices += convert.notices()
    step = len(mapped) if dry_run else chunk_rows
    done = 0
    for start in range(0, len(mapped), max(step, 1)):
        part = read.rows[start : start + step]
        result = spec.importer(
            store, settings, mapped[start : start + step], dry_run=dry_run, first_line=0
        )
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged
        for error in result.errors:
            source = part[error.line]
            report.rejects.append(Reject(source.line, error.reason, source.values))
        done += len(part)
        progress(done, len(mapped))
    return report, read.columns


def _nothing_maps(path: Path, kind: str, found: list[str], fields: set[str]) -> ValidationError:
    """A file none of whose columns is a field: every row would be refused for the same
    reason, so the file is refused once, saying what it has and what was expected."""
    shown = ", ".join(printable(c[:40]) for c in found[:12]) + (" ..." if len(found) > 12 else "")
    has = f"its columns are {shown}" if found else "no line is a JSON object"
    return ValidationError(
        f"{printable(path.name)}: no column is a field of {kind} ({has}); expected columns "
        f"such as {', '.join(sorted(fields))}, or their HubSpot or Salesforce names "
        "(--map COLUMN=field maps any other)"
    )


class _Converter:
    """Turns mapped rows into importer input, remembering what it had to drop."""

    def __init__(
        self, store: Store, settings: Settings, kind: str, columns: ColumnMap, crm: bool
    ) -> None:
        self.store, self.kind, self.columns, self.with_crm = store, kind, columns, crm
        self.stages = [(s.id, s.label) for s in settings.pipeline.stages]
        self.categories = [(c.id, c.label) for c in settings.forecast.categories]
        self.unknown_countries: dict[str, int] = {}
        self.unknown_owners: dict[str, int] = {}

    def rows(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        mapped = [self.columns.apply(r) for r in rows]
        owners = self._owners({str(r["owner"]) for r in mapped if r.get("owner")})
        return [self._row(r, owners) for r in mapped]

    def _row(self, row: dict[str, Any], owners: dict[str, str]) -> dict[str, Any]:
        if self.with_crm and "crm" not in row:
            row["crm"] = self.columns.crm
        for name, value in list(row.items()):
            row[name] = self._value(name, value, row)
        if "owner" in row:
            owner = str(row.pop("owner")).strip()
            email = owner if "@" in owner else owners.get(owner.lower())
            if email:
                row.setdefault("owner_email", email)
            else:
                self.unknown_owners[owner] = self.unknown_owners.get(owner, 0) + 1
        if row.get("country") is None and "country" in row:
            del row["country"]
        return row

    def _value(self, name: str, value: Any, row: dict[str, Any]) -> Any:
        if name in _DATES:
            return v.date_or_time(value, date_only=_DATES[name])
        if name in ("amount", "annual_revenue"):
            amount, currency = v.money(value)
            if currency and not row.get("currency"):
                row["currency"] = currency
            return amount
        if name == "employees":
            return v.whole_number(value)
        if name == "probability":
            return v.fraction(value, percent=self.columns.percent)
        if name == "stage":
            return v.choose(value, self.stages)
        if name == "forecast_category":
            return v.choose(value, self.categories)
        if name == "type" and self.kind == "opportunities":
            return v.opportunity_type(value)
        if name == "country":
            code, known = v.country(value)
            if not known:
                self.unknown_countries[str(value)] = self.unknown_countries.get(str(value), 0) + 1
            return code
        if name == "account_external_id" and isinstance(value, str):
            return value.split(";")[0].strip()
        if name in _STRUCTURED and isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                return value
        return value

    def _owners(self, names: set[str]) -> dict[str, str]:
        """Owner names (not emails) to the email of the devfunnel user of that name;
        names shared by two users are left out rather than guessed."""
        wanted = sorted({n.strip().lower() for n in names if "@" not in n})
        if not wanted:
            return {}
        found: dict[str, str] = {}
        clash: set[str] = set()
        with self.store.read() as conn:
            name = sa.func.lower(users.c.name)
            for key, email in conn.execute(sa.select(name, users.c.email).where(name.in_(wanted))):
                if key in found:
                    clash.add(key)
                found[key] = email
        return {k: e for k, e in found.items() if k not in clash}

    def notices(self) -> list[str]:
        out = []
        if self.unknown_owners:
            out.append(
                "owners that are no devfunnel user were left unset (import them with "
                "`devfunnel import users`): " + _counted(self.unknown_owners)
            )
        if self.unknown_countries:
            out.append(
                "countries not recognised were left unset (use ISO codes such as US or DE): "
                + _counted(self.unknown_countries)
            )
        return out


def _counted(values: dict[str, int]) -> str:
    top = sorted(values.items(), key=lambda kv: -kv[1])[:10]
    more = f" and {len(values) - 10} more" if len(values) > 10 else ""
    return ", ".join(f"{k!r} ({n} rows)" for k, n in top) + more


def _temporal_fields() -> dict[str, bool]:
    """Date and time fields of every record model: ``True`` for dates, ``False`` for times."""
    out: dict[str, bool] = {}
    for spec in RECORD_KINDS.values():
        for name, info in spec.model.model_fields.items():
            args = typing.get_args(info.annotation) or (info.annotation,)
            if datetime in args:
                out[name] = False
            elif date in args:
                out[name] = True
    return out


_DATES = _temporal_fields()
