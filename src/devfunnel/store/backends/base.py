"""What differs between the databases devfunnel runs on, and nothing else.

Everything else in the store is written once in SQLAlchemy Core (records) or Ibis
(analytics). A backend knows how to open its engine, append large Arrow tables fast
(skipping rows whose unique key is already stored), open Ibis on the same database, and
turn its driver's failures into devfunnel errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

    from devfunnel.errors import DevfunnelError


class Backend(Protocol):
    """The per-database seam; see ``duckdb.py`` and ``postgres.py``."""

    name: str
    #: Appends whose de-duplication relies on the store (no unique index) must not run
    #: concurrently: DuckDB, where one process owns the file.
    serial_appends: bool

    def create_engine(self, url: sa.URL, *, create: bool = True) -> sa.Engine:
        """An engine configured for this database (pooling, time zone, no network). With
        ``create`` false a database that does not exist yet is refused, not made (only a
        DuckDB file can be made by opening it)."""

    def append(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: pa.Table,
        unique_on: Sequence[str] | None = None,
    ) -> int:
        """Insert ``rows`` inside the caller's transaction; return how many were inserted.

        With ``unique_on``, rows whose key is already stored, or repeated within ``rows``,
        are skipped rather than failing the whole append.
        """

    def update(
        self, conn: sa.Connection, table: sa.Table, rows: pa.Table, key: Sequence[str] = ("id",)
    ) -> int:
        """Set the non-key columns of ``rows`` on the rows matching ``key``, in one statement;
        return how many rows were updated."""

    def lock(self, conn: sa.Connection, name: str) -> None:
        """Hold a database-wide lock called ``name`` until the transaction ends, so that
        processes sharing the database serialise work such as identity resolution."""

    def ibis(self, engine: sa.Engine) -> ibis.BaseBackend:
        """An Ibis connection reading the same database."""

    def translate(self, exc: BaseException, url: sa.URL) -> DevfunnelError | None:
        """A devfunnel error for a driver failure we anticipate, else ``None``."""

    def describe(self, url: sa.URL) -> str:
        """The URL without secrets, for messages and logs."""

    def bulk_loading(self, engine: sa.Engine) -> AbstractContextManager[None]:
        """Settings for loading a great deal at once (the demo), restored afterwards."""

    def analyze(self, conn: sa.Connection, names: Sequence[str]) -> None:
        """Refresh the planner's statistics of tables just filled from a query (work
        tables), where the database would otherwise plan their reads blind."""


def arrow_columns(table: sa.Table, rows: pa.Table) -> list[str]:
    """The Arrow columns to insert, refusing any the table does not have."""
    unknown = [c for c in rows.column_names if c not in table.c]
    if unknown:
        raise ValueError(f"columns {unknown} are not in table {table.name}")
    return list(rows.column_names)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(table: sa.Table) -> str:
    """The quoted, schema-qualified name of a table."""
    name = quote(table.name)
    return f"{quote(table.schema)}.{name}" if table.schema else name


def dedupe_within(rows: pa.Table, unique_on: Sequence[str]) -> pa.Table:
    """Keep the first row of each key; later repeats within one append are replays too."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if rows.num_rows < 2:
        return rows
    indexed = rows.select(list(unique_on)).append_column(
        "__row", pa.array(range(rows.num_rows), type=pa.int64())
    )
    firsts = indexed.group_by(list(unique_on), use_threads=False).aggregate([("__row", "min")])
    keep = pc.sort_indices(firsts.column("__row_min"))
    if len(keep) == rows.num_rows:
        return rows
    return rows.take(pc.take(firsts.column("__row_min"), keep))
