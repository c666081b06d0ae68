"""Whether work failed because of what it was given or because of the database.

Queued work (an ingest batch to resolve, a Stripe event to apply) is retried by the worker
on its next poll. That is right when the database was the problem: it may be back, the
lock free, the deadlock gone. It is wrong when the work itself is the problem: the same
rows fail the same way on every poll, forever, and hold up everything queued behind
them. Such work is set aside instead (marked ``failed`` with its error, for a person to
look at), and the rest goes on. :func:`is_data_error` is where that line is drawn:

**Data errors** (set aside):

- ``ValueError``, ``TypeError`` and ``ArithmeticError`` raised while stored values are
  turned into writes: ``int("lots")``, a time compared with text, pyarrow's
  ``ArrowTypeError`` and ``ArrowInvalid`` (which subclass the first two) when a column
  mixes types;
- :class:`~devfunnel.errors.ValidationError`: a value devfunnel's own checks refuse;
- a DB-API ``DataError`` or ``IntegrityError`` (SQLSTATE classes 22 and 23; DuckDB's
  ``ConversionException`` and ``ConstraintException`` are such): a value the database
  refuses, out of range, too long, against a check constraint. These count however they
  are wrapped (SQLAlchemy's exceptions, a :class:`~devfunnel.errors.StoreError`).

**Everything else is retried**, as before: a database that cannot be reached or is locked
(``StoreUnavailable``, ``OperationalError``: also deadlocks and serialisation failures),
SQL the database does not accept (``ProgrammingError``: a schema not yet migrated, which
a person fixes and after which the same work succeeds), and any other exception, which
is a bug: setting work aside for a bug would move the whole queue to ``failed``.
"""

from __future__ import annotations

from devfunnel.errors import DevfunnelError, ValidationError

#: PEP 249 exception names for a value the database refuses; every driver (psycopg,
#: DuckDB) and SQLAlchemy's wrappers use them, so no driver needs importing here.
_DBAPI_DATA_ERRORS = frozenset({"DataError", "IntegrityError"})
#: Longest error kept with work that is set aside.
MAX_REASON = 1000


def is_data_error(exc: BaseException) -> bool:
    """True when ``exc``, or a failure it wraps, is about the data (see the module)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ValidationError):
            return True
        if any(k.__name__ in _DBAPI_DATA_ERRORS for k in type(current).__mro__):
            return True
        if isinstance(current, ValueError | TypeError | ArithmeticError):
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapped driver error
        pending += [current.__cause__, orig if isinstance(orig, BaseException) else None]
    return False


def reason(exc: BaseException) -> str:
    """The error to keep with set-aside work: what a person needs to see to fix it."""
    text = exc.detail if isinstance(exc, DevfunnelError) else f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"
