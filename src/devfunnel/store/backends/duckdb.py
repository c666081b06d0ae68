"""The embedded backend: one DuckDB file, opened by one process at a time."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa
from duckdb_engine import Dialect as _EngineDialect

from devfunnel.errors import ConfigError, DevfunnelError, StoreUnavailable
from devfunnel.store.backends.base import arrow_columns, dedupe_within, qualified, quote

if TYPE_CHECKING:
    import ibis

log = logging.getLogger(__name__)

#: Never download extensions at run time; json, icu and parquet are built in.
_CONFIG = {"autoinstall_known_extensions": False}
#: Rows in one of DuckDB's row groups (its default; devfunnel never changes it).
ROW_GROUP_ROWS = 122_880


class CachingDialect(_EngineDialect):
    """duckdb-engine's dialect with SQLAlchemy's compiled-statement cache turned on.

    duckdb-engine leaves the cache off (its default for third-party dialects, not a
    known incompatibility): it compiles with PostgreSQL's compiler, whose cache keys are
    sound, and only the identifier preparer differs. Without it every statement is
    compiled afresh: reading one account's row took 2.1 ms uncached and 1.5 ms cached,
    a handoff's view 10.9 and 7.7 ms (the demo database, a busy machine), and the demo
    and the dashboard run thousands of such small statements.
    """

    supports_statement_cache = True


sa.dialects.registry.register("duckdb.devfunnel", __name__, "CachingDialect")


class DuckDBBackend:
    name = "duckdb"
    serial_appends = True

    def create_engine(self, url: sa.URL, *, create: bool = True) -> sa.Engine:
        _check_file(url, create=create)
        engine = sa.create_engine(
            url.set(drivername="duckdb+devfunnel"),
            connect_args={"config": dict(_CONFIG)},
            pool_pre_ping=False,
        )

        @sa.event.listens_for(engine, "connect")
        def _utc(dbapi_connection: Any, _: Any) -> None:
            # Timestamps come back in UTC whatever the machine's zone; ICU is loaded only
            # once connected, so this cannot go in the connect configuration.
            dbapi_connection.execute("SET TimeZone = 'UTC'")

        return engine

    def append(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: pa.Table,
        unique_on: Sequence[str] | None = None,
    ) -> int:
        if rows.num_rows == 0:
            return 0
        columns = arrow_columns(table, rows)
        if unique_on:
            rows = dedupe_within(rows, unique_on)
        raw = _duckdb(conn)
        view = f"__append_{id(rows):x}"
        raw.register(view, row_group_batches(rows))
        try:
            names = ", ".join(quote(c) for c in columns)
            select = ", ".join(f"s.{quote(c)}" for c in columns)
            sql = f"INSERT INTO {qualified(table)} ({names}) SELECT {select} FROM {view} s"
            if unique_on:
                # DuckDB's ON CONFLICT is very slow against large unique indexes; an anti-join
                # on the same key is fast, and the unique constraint still backs it up.
                on = " AND ".join(f"t.{quote(c)} = s.{quote(c)}" for c in unique_on)
                sql += f" WHERE NOT EXISTS (SELECT 1 FROM {qualified(table)} t WHERE {on})"
            result = raw.execute(sql).fetchone()
            return int(result[0]) if result else 0
        finally:
            try:
                raw.unregister(view)
            except Exception:  # noqa: BLE001 - keep the original error of an aborted transaction
                log.debug("could not unregister %s", view)

    def update(
        self, conn: sa.Connection, table: sa.Table, rows: pa.Table, key: Sequence[str] = ("id",)
    ) -> int:
        """Set the columns of ``rows`` on the rows matched by ``key``.

        DuckDB rewrites a row whose indexed column is set (a delete and an insert, index
        entries included), even to the value it holds: refreshing 19,000 people's derived
        columns took 0.8 s with their indexed email and 0.05 s without. So indexed columns
        are set in a second statement, only where their value changes.
        """
        if rows.num_rows == 0:
            return 0
        columns = arrow_columns(table, rows)
        dialect = conn.dialect
        raw = _duckdb(conn)
        view = f"__update_{id(rows):x}"
        raw.register(view, rows)
        try:

            def typed(c: str) -> str:
                return f"CAST(s.{quote(c)} AS {table.c[c].type.compile(dialect=dialect)})"

            target = qualified(table)
            where = " AND ".join(f"{target}.{quote(k)} = {typed(k)}" for k in key)
            indexed = _indexed(table)
            plain = [c for c in columns if c not in key and c not in indexed]
            rewritten = [c for c in columns if c not in key and c in indexed]
            matched = 0
            if plain:
                sets = ", ".join(f"{quote(c)} = {typed(c)}" for c in plain)
                result = raw.execute(f"UPDATE {target} SET {sets} FROM {view} s WHERE {where}")
                found = result.fetchone()
                matched = int(found[0]) if found else 0
            if rewritten:
                sets = ", ".join(f"{quote(c)} = {typed(c)}" for c in rewritten)
                changed = " OR ".join(
                    f"{target}.{quote(c)} IS DISTINCT FROM {typed(c)}" for c in rewritten
                )
                result = raw.execute(
                    f"UPDATE {target} SET {sets} FROM {view} s WHERE {where} AND ({changed})"
                )
                if not plain:
                    found = raw.execute(
                        f"SELECT count(*) FROM {target}, {view} s WHERE {where}"
                    ).fetchone()
                    matched = int(found[0]) if found else 0
            return matched
        finally:
            try:
                raw.unregister(view)
            except Exception:  # noqa: BLE001 - keep the original error of an aborted transaction
                log.debug("could not unregister %s", view)

    def lock(self, conn: sa.Connection, name: str) -> None:
        """Nothing to do: only one process can open a DuckDB file for writing."""

    def ibis(self, engine: sa.Engine) -> ibis.BaseBackend:
        raw = engine.raw_connection()
        try:
            # A cursor is a second connection to the same in-process database instance.
            duplicate = _duckdb_raw(raw.driver_connection).cursor()
        finally:
            raw.close()
        duplicate.execute("SET TimeZone = 'UTC'")
        import ibis  # late: importing Ibis costs seconds, needed only by analytics

        return ibis.duckdb.from_connection(duplicate)

    def translate(self, exc: BaseException, url: sa.URL) -> DevfunnelError | None:
        text = str(getattr(exc, "orig", None) or exc)
        if "Could not set lock on file" in text or "Conflicting lock" in text:
            pid = re.search(r"PID (\d+)", text)
            holder = f" (process {pid.group(1)})" if pid else ""
            return StoreUnavailable(
                f"the database file {url.database} is in use by another devfunnel "
                f"process{holder}; stop it (for example `devfunnel serve`) or use PostgreSQL "
                "for concurrent access",
                database=self.describe(url),
            )
        if "Cannot open file" in text or "No such file or directory" in text:
            return StoreUnavailable(
                f"cannot open the database file {url.database}: {text}", database=self.describe(url)
            )
        return None

    def describe(self, url: sa.URL) -> str:
        return f"duckdb:///{url.database}"

    def analyze(self, conn: sa.Connection, names: Sequence[str]) -> None:
        """Nothing to do: DuckDB keeps the statistics it plans with as it writes."""

    @contextmanager
    def bulk_loading(self, engine: sa.Engine) -> Iterator[None]:
        """Checkpoint every gigabyte of write-ahead log instead of every 16 MB: appending
        470,000 demo events took 5.6-5.9 s with no checkpoint until the end and 8.6-10.1 s
        with the default threshold (measured alternately on a busy machine), plus 1-2.5 s
        for the final checkpoint. A gigabyte, not more: data not yet checkpointed stays in
        memory, and at 20,000 accounts the log reached gigabytes. The log is as durable
        either way."""
        with engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT current_setting('checkpoint_threshold')")
            threshold = before.scalar_one()
            conn.exec_driver_sql("SET checkpoint_threshold = '1GB'")
        try:
            yield
        finally:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"SET checkpoint_threshold = '{threshold}'")
                conn.exec_driver_sql("CHECKPOINT")


def _check_file(url: sa.URL, *, create: bool) -> None:
    """Refuse what DuckDB would open without complaint but is not a database file of ours.

    DuckDB keeps a database in memory when the URL names no file (``duckdb:///``, and then
    each pooled connection has a database of its own), creates a missing file (so a
    mistyped path in a read command left an empty file behind, and its folders), and opens
    some other files, a CSV for one, as an empty database in memory.
    """
    if url.database in (None, "", ":memory:"):
        raise ConfigError(
            f"the database URL 'duckdb:///{url.database or ''}' names no DuckDB file, and a "
            "database in memory is gone when the command ends; use "
            "duckdb:///path/to/devfunnel.duckdb"
        )
    path = Path(url.database).expanduser()
    where = f"duckdb:///{url.database}"
    if path.is_dir():
        raise StoreUnavailable(f"{path} is a folder, not a DuckDB database file", database=where)
    if path.exists():
        try:
            with path.open("rb") as handle:
                header = handle.read(_MAGIC_END)
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot open the database file {path}: {exc.strerror}", database=where
            ) from None
        if header[_MAGIC_END - len(_MAGIC) :] != _MAGIC:
            raise StoreUnavailable(f"{path} is not a DuckDB database file", database=where)
    elif create:
        path.resolve().parent.mkdir(parents=True, exist_ok=True)
    else:
        raise StoreUnavailable(
            f"the database file {path} does not exist; `devfunnel init` creates it "
            "(or check the path)",
            database=where,
        )


#: A DuckDB file says what it is in its first bytes: an 8-byte checksum, then ``DUCK``.
_MAGIC = b"DUCK"
_MAGIC_END = 12


def _indexed(table: sa.Table) -> set[str]:
    """Columns in an index, a unique constraint or the primary key of ``table``."""
    found = {c.name for c in table.primary_key.columns}
    for index in table.indexes:
        found.update(c.name for c in index.columns)
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            found.update(c.name for c in constraint.columns)
    return found


def row_group_batches(rows: pa.Table) -> pa.Table:
    """``rows`` re-sliced (zero-copy) into record batches of one row group each.

    Measured on the import benchmark's events: appending 250,000 rows held in one Arrow
    batch took 4.5 s of CPU per million events, the same rows in row-group batches 2.6 s.
    DuckDB's insert hands each scan thread whole batches, and a thread whose rows do not
    fill whole row groups seems to compress its partial ones a second time when they are
    merged; with one row group per batch there is nothing to merge.
    """
    if rows.num_rows <= ROW_GROUP_ROWS:
        return rows
    return pa.Table.from_batches(rows.to_batches(max_chunksize=ROW_GROUP_ROWS), rows.schema)


def _duckdb(conn: sa.Connection) -> Any:
    return _duckdb_raw(conn.connection.driver_connection)


def _duckdb_raw(driver: Any) -> Any:
    """The duckdb connection under duckdb-engine's wrapper."""
    return getattr(driver, "_ConnectionWrapper__c", driver)
