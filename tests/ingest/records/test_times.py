"""Record imports keep the time rule every intake path shares (ingest/times.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from devfunnel.ingest.records.base import ImportResult, Record, validate_rows


class Dated(Record):
    at: datetime | None = None
    on: date | None = None


@pytest.mark.parametrize(
    "row",
    [
        {"at": "9999-12-31T23:59:59-05:00"},  # year 10000 in UTC: crashed the import
        {"at": "0001-01-01T00:00:00+01:00"},  # year 0 in UTC
        {"at": "2199-12-31T23:59:59-05:00"},  # 2200 in UTC
        {"at": "1899-12-31T23:59:59Z"},
        {"on": "2300-01-01"},
    ],
)
def test_times_outside_the_years_reject_their_row(row: dict[str, str]) -> None:
    result = ImportResult("dated")
    assert validate_rows(Dated, [row], result) == []
    (error,) = result.errors
    assert "is not between the years 1900 and 2199" in error.reason
    assert error.reason.startswith(next(iter(row)))


def test_times_within_the_years_are_kept() -> None:
    result = ImportResult("dated")
    rows = [{"at": "1900-01-01T00:00:00Z"}, {"at": "2199-12-31T23:59:59Z"}, {"on": "2199-12-31"},
            {"at": "2026-05-01T09:30:00-07:00"}, {}]  # fmt: skip
    assert len(validate_rows(Dated, rows, result)) == 5
    assert result.errors == []
