"""Which failures set queued work aside (data errors) and which are retried."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from devfunnel.errors import (
    ConfigError,
    StoreError,
    StoreUnavailable,
    ValidationError,
)
from devfunnel.store import Store
from devfunnel.store.failures import MAX_REASON, is_data_error, reason


def wrapped(cause: BaseException) -> StoreError:
    """A StoreError raised from ``cause``, as ``Store`` raises them."""
    try:
        raise StoreError("database error") from cause
    except StoreError as exc:
        return exc


def dbapi(name: str) -> type[Exception]:
    """A driver exception class named as PEP 249 names them."""
    return type(name, (Exception,), {})


@pytest.mark.parametrize(
    ("error", "data"),
    [
        (ValueError("invalid literal for int() with base 10: 'lots'"), True),
        (pa.ArrowTypeError("Expected bytes, got a 'datetime.datetime' object"), True),
        (pa.ArrowInvalid("Could not convert"), True),
        (OverflowError("date value out of range"), True),
        (ValidationError("an event has a timestamp the database reads back as text"), True),
        (wrapped(sa.exc.DataError("SELECT", {}, dbapi("DataError")())), True),
        (wrapped(sa.exc.IntegrityError("INSERT", {}, dbapi("IntegrityError")())), True),
        (wrapped(dbapi("ConversionException")()), False),  # only PEP 249 names count
        (StoreUnavailable("the database file is in use by another devfunnel process"), False),
        (wrapped(sa.exc.OperationalError("SELECT", {}, dbapi("OperationalError")())), False),
        (wrapped(sa.exc.ProgrammingError("SELECT", {}, dbapi("ProgrammingError")())), False),
        (ConfigError("no secret"), False),
        (KeyError("a bug"), False),
        (RuntimeError("a bug"), False),
    ],
)
def test_data_errors_are_told_from_the_rest(error: BaseException, data: bool) -> None:
    assert is_data_error(error) is data


def test_a_value_the_database_refuses_is_a_data_error_on_both_backends(store: Store) -> None:
    with pytest.raises(StoreError) as refused, store.transaction() as conn:
        conn.execute(sa.text("SELECT CAST('lots' AS INTEGER)"))
    assert is_data_error(refused.value)


def test_a_database_that_cannot_be_opened_is_not_a_data_error() -> None:
    with pytest.raises(StoreError) as unavailable:
        Store("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    assert not is_data_error(unavailable.value)


def test_the_reason_kept_is_the_detail_or_the_exception_and_bounded() -> None:
    assert reason(ValidationError("amount_due must be a whole number")) == (
        "amount_due must be a whole number"
    )
    assert reason(ValueError("lots")) == "ValueError: lots"
    assert len(reason(ValueError("x" * 5000))) == MAX_REASON
