"""The store behaves identically on DuckDB and PostgreSQL: transactions, errors, types, reads.

Every test here takes the parametrised ``store`` fixture, so it runs on both backends
against a database of its own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.errors import StoreError
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state, users
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.pipeline import opportunities

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _user(email: str, **values: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "email": email,
        "role": "seller",
        "created_at": NOW,
        "updated_at": NOW,
        **values,
    }


def _count(store: Store, table: sa.Table) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# --- transactions ----------------------------------------------------------------------


def test_transaction_commits_on_success(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(users.insert().values(_user("a@example.com")))
        conn.execute(app_state.insert().values(key="k", value=[1], updated_at=NOW))

    assert _count(store, users) == 1
    assert _count(store, app_state) == 1


def _write_two_then(store: Store, last: Any) -> None:
    """Write to two tables in one transaction, then run ``last`` (which fails)."""
    with store.transaction() as conn:
        conn.execute(users.insert().values(_user("a@example.com")))
        conn.execute(app_state.insert().values(key="k", value=[1], updated_at=NOW))
        last(conn)


def _boom(conn: sa.Connection) -> None:
    raise RuntimeError("boom")


def test_transaction_rolls_back_everything_on_exception(store: Store) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _write_two_then(store, _boom)

    assert _count(store, users) == 0
    assert _count(store, app_state) == 0


def test_transaction_rolls_back_earlier_writes_when_a_statement_fails(store: Store) -> None:
    def same_email_again(conn: sa.Connection) -> None:
        conn.execute(users.insert().values(_user("a@example.com")))

    with pytest.raises(StoreError):
        _write_two_then(store, same_email_again)

    assert _count(store, users) == 0
    assert _count(store, app_state) == 0


# --- errors ----------------------------------------------------------------------------


def test_unique_violation_surfaces_as_store_error(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(users.insert().values(_user("dup@example.com")))

    with pytest.raises(StoreError) as raised, store.transaction() as conn:
        conn.execute(users.insert().values(_user("dup@example.com")))

    error = raised.value
    assert type(error) is StoreError
    assert not isinstance(error, sa.exc.SQLAlchemyError)
    assert store.describe() in str(error)
    assert error.context == {"database": store.describe()}
    assert _count(store, users) == 1


def test_check_constraint_violation_surfaces_as_store_error(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as conn:
        conn.execute(users.insert().values(_user("a@example.com", role="wizard")))

    assert _count(store, users) == 0


def test_not_null_violation_surfaces_as_store_error(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as conn:
        conn.execute(users.insert().values(_user("a@example.com", created_at=None)))


def test_failed_read_surfaces_as_store_error(store: Store) -> None:
    with pytest.raises(StoreError), store.read() as conn:
        conn.execute(sa.text("SELECT no_such_column FROM users"))


# --- types round-trip identically ------------------------------------------------------

ABOVE_FLOAT_PRECISION = 2**53 + 1  # a float would silently turn this into 2**53
BIGINT_MAX = 2**63 - 1
NESTED = {
    "plan": {"name": "pro", "seats": 12, "ratio": 0.25, "trial": False, "cancelled": None},
    "tags": ["a", "b", {"deep": [1, 2, [3]]}],
    "text": 'Zoë ✓ "quoted", comma',
}


def test_uuid_json_money_bool_and_timestamp_round_trip(store: Store) -> None:
    account_id = new_id()
    created = datetime(
        2024, 3, 10, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    with store.transaction() as conn:
        conn.execute(
            accounts.insert().values(
                id=account_id,
                name="Acme",
                domain="acme.example",
                annual_revenue_minor=ABOVE_FLOAT_PRECISION,
                currency="JPY",
                tech_stack=["python", "go"],
                attributes=NESTED,
                named_account=True,
                source="manual",
                created_at=created,
                updated_at=NOW,
            )
        )

    with store.read() as conn:
        row = conn.execute(sa.select(accounts)).one()._mapping

    assert row["id"] == account_id
    assert isinstance(row["id"], uuid.UUID)
    assert row["annual_revenue_minor"] == ABOVE_FLOAT_PRECISION
    assert isinstance(row["annual_revenue_minor"], int)
    assert row["currency"] == "JPY"
    assert row["tech_stack"] == ["python", "go"]
    assert row["attributes"] == NESTED
    assert row["named_account"] is True
    assert row["created_at"].utcoffset() is not None
    assert row["created_at"] == created  # the same instant
    assert row["created_at"].astimezone(UTC) == datetime(2024, 3, 9, 20, 0, 15, 123456, UTC)
    assert row["merged_into"] is None


def test_date_bigint_and_false_round_trip(store: Store) -> None:
    account_id, opportunity_id, person_id = new_id(), new_id(), new_id()
    with store.transaction() as conn:
        conn.execute(
            accounts.insert().values(
                id=account_id, name="A", source="manual", created_at=NOW, updated_at=NOW
            )
        )
        conn.execute(
            opportunities.insert().values(
                id=opportunity_id,
                account_id=account_id,
                name="Deal",
                type="new",
                stage="discovery",
                amount_minor=BIGINT_MAX,
                currency="KWD",
                close_date=date(2024, 2, 29),
                status="open",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(
            people.insert().values(id=person_id, created_at=NOW, updated_at=NOW, is_bot=False)
        )

    with store.read() as conn:
        deal = conn.execute(sa.select(opportunities)).one()._mapping
        person = conn.execute(sa.select(people)).one()._mapping
        account = conn.execute(sa.select(accounts)).one()._mapping

    assert deal["amount_minor"] == BIGINT_MAX
    assert deal["close_date"] == date(2024, 2, 29)
    assert type(deal["close_date"]) is date
    assert deal["account_id"] == account_id
    assert person["is_bot"] is False
    # Server defaults apply the same way on both backends.
    assert person["is_internal"] is False
    assert person["persona"] == "unknown"
    assert person["event_count"] == 0
    assert account["named_account"] is False


def test_timestamps_compare_as_instants_in_queries(store: Store) -> None:
    berlin = timezone(timedelta(hours=2))
    with store.transaction() as conn:
        for email, at in [
            ("before@example.com", datetime(2024, 5, 1, 13, 59, tzinfo=berlin)),  # 11:59 UTC
            ("after@example.com", datetime(2024, 5, 1, 12, 1, tzinfo=UTC)),
        ]:
            conn.execute(users.insert().values(_user(email, last_login_at=at)))

    with store.read() as conn:
        later = conn.execute(sa.select(users.c.email).where(users.c.last_login_at > NOW))
        assert later.scalars().all() == ["after@example.com"]


# --- Ibis reads the same rows as SQLAlchemy --------------------------------------------


def _seed_accounts(store: Store) -> None:
    segments = ["smb", "smb", "enterprise", "mid_market", "smb", None]
    with store.transaction() as conn:
        conn.execute(
            accounts.insert(),
            [
                {
                    "id": new_id(),
                    "name": f"Account {i}",
                    "segment": segment,
                    "employees": 10 * (i + 1),
                    "source": "manual",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i, segment in enumerate(segments)
            ],
        )


def test_ibis_reads_the_same_rows_as_sqlalchemy(store: Store) -> None:
    _seed_accounts(store)
    with store.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one()
        grouped = conn.execute(
            sa.select(
                accounts.c.segment, sa.func.count(), sa.func.sum(accounts.c.employees)
            ).group_by(accounts.c.segment)
        ).all()

    table = store.ibis().table("accounts")
    ibis_count = table.count().to_pyarrow().as_py()
    ibis_grouped = (
        table.group_by("segment")
        .aggregate(n=table.count(), employees=table.employees.sum())
        .to_pyarrow()
        .to_pylist()
    )

    assert ibis_count == count == 6
    assert {(r["segment"], r["n"], r["employees"]) for r in ibis_grouped} == {
        (segment, n, employees) for segment, n, employees in grouped
    }


def test_ibis_sees_rows_committed_after_it_was_opened(store: Store) -> None:
    connection = store.ibis()
    assert connection.table("accounts").count().to_pyarrow().as_py() == 0

    _seed_accounts(store)

    assert store.ibis() is connection
    assert connection.table("accounts").count().to_pyarrow().as_py() == 6


def test_ibis_lists_the_migrated_tables(store: Store) -> None:
    assert {"accounts", "events", "users"} <= set(store.ibis().list_tables())
