"""Money: exact minor units per ISO 4217 exponent, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devfunnel.errors import ValidationError
from devfunnel.money import LARGEST_MINOR, Money, exponent


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "USD", 1999),
        ("0.1", "USD", 10),
        ("0.30", "EUR", 30),
        ("1,234,567.89", "USD", 123456789),
        (" 42 ", "USD", 4200),
        (19, "USD", 1900),
        (Decimal("19.99"), "USD", 1999),
        ("-5.25", "GBP", -525),
        ("0", "USD", 0),
        ("1e3", "USD", 100000),
        ("92233720368547758.07", "USD", 2**63 - 1),
        ("1000", "JPY", 1000),
        ("1.234", "KWD", 1234),
        ("1.5", "BHD", 1500),
        ("1.005", "USD", 100),  # half-even: ...0.5 goes to the even cent
        ("1.015", "USD", 102),
        ("0.5", "JPY", 0),
        ("1.5", "JPY", 2),
    ],
)
def test_parse_is_exact(amount: str | int | Decimal, currency: str, minor: int) -> None:
    parsed = Money.parse(amount, currency)

    assert parsed.minor == minor
    assert type(parsed.minor) is int
    assert parsed.currency == currency


def test_parse_never_goes_through_floats() -> None:
    # 0.1 + 0.2 is not 0.3 in binary floating point; in Money it is.
    total = Money.parse("0.1").minor + Money.parse("0.2").minor
    assert total == Money.parse("0.3").minor == 30
    assert Money.parse("9007199254740993.01").minor == 900719925474099301


def test_currency_is_normalised() -> None:
    assert Money.parse("1", " usd ").currency == "USD"


def test_parse_refuses_floats() -> None:
    with pytest.raises(ValidationError, match="must not be floats"):
        Money.parse(19.99)  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["US", "USDT", "U5D", "", "€€€", "ÄBC", "U$D"])
def test_parse_refuses_bad_currency(currency: str) -> None:
    with pytest.raises(ValidationError, match="not an ISO 4217 currency code") as raised:
        Money.parse("1", currency)
    assert raised.value.context == {"value": currency}


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", "sNaN"])
def test_parse_refuses_non_finite(amount: str) -> None:
    with pytest.raises(ValidationError, match="finite"):
        Money.parse(amount)


@pytest.mark.parametrize(
    "amount", ["1e30", "-1e400", "99999999999999999999", "92233720368547758.08"]
)
def test_parse_refuses_amounts_no_store_column_holds(amount: str) -> None:
    with pytest.raises(ValidationError, match="too large an amount"):
        Money.parse(amount)


def test_the_largest_storable_amount_parses() -> None:
    assert Money.parse("92233720368547758.07").minor == LARGEST_MINOR
    assert Money.parse("-92233720368547758.07").minor == -LARGEST_MINOR
    assert Money.parse("9223372036854775807", "JPY").minor == LARGEST_MINOR


@pytest.mark.parametrize("amount", ["", "abc", "12.3.4", "$5", "1 000"])
def test_parse_refuses_text_that_is_not_an_amount(amount: str) -> None:
    with pytest.raises(ValidationError, match="is not an amount of money"):
        Money.parse(amount)


@pytest.mark.parametrize(
    ("currency", "places"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("jpy", 0)],
)
def test_exponent(currency: str, places: int) -> None:
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("money", "amount"),
    [
        (Money(1999, "USD"), Decimal("19.99")),
        (Money(1000, "JPY"), Decimal("1000")),
        (Money(1234, "KWD"), Decimal("1.234")),
        (Money(-5, "USD"), Decimal("-0.05")),
    ],
)
def test_amount_is_exact_major_units(money: Money, amount: Decimal) -> None:
    assert money.amount == amount
    assert isinstance(money.amount, Decimal)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1999), "19.99 USD"),
        (Money(123456789, "USD"), "1,234,567.89 USD"),
        (Money(0, "EUR"), "0.00 EUR"),
        (Money(-525, "GBP"), "-5.25 GBP"),
        (Money(1000000, "JPY"), "1,000,000 JPY"),
        (Money(1234, "KWD"), "1.234 KWD"),
        (Money(5, "KWD"), "0.005 KWD"),
    ],
)
def test_str(money: Money, text: str) -> None:
    assert str(money) == text


@pytest.mark.parametrize(("amount", "currency"), [("19.99", "USD"), ("7", "JPY"), ("0.5", "KWD")])
def test_parse_of_str_amount_round_trips(amount: str, currency: str) -> None:
    money = Money.parse(amount, currency)
    assert Money.parse(money.amount, currency) == money


def test_money_is_immutable_and_compares_by_value() -> None:
    assert Money(100, "USD") == Money.parse("1.00")
    assert Money(100, "USD") != Money(100, "EUR")
    with pytest.raises(AttributeError):
        Money(1).minor = 2  # type: ignore[misc]
