"""Money as integer minor units with an ISO 4217 currency, never floats.

Every amount column in the store is a ``BIGINT`` of minor units beside a ``CHAR(3)``
currency; this module converts at the edges (imports, the API, display).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

from devfunnel.errors import ValidationError

# ISO 4217 exponents that differ from 2; everything else uses cents.
_EXPONENTS = {
    "BHD": 3, "CLP": 0, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "OMR": 3,
    "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip


#: The largest number of minor units a store column (``BIGINT``) holds.
LARGEST_MINOR = 2**63 - 1
#: Digits before the point beyond which no amount fits, whatever the currency.
_MOST_DIGITS = len(str(LARGEST_MINOR))


def currency_code(currency: str) -> str:
    """``currency`` as the upper-case ISO 4217 code it spells (three letters), or a
    ``ValidationError``; the one check for a currency a person or a client gives."""
    code = currency.strip().upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise ValidationError(f"{currency!r} is not an ISO 4217 currency code", value=currency)
    return code


def exponent(currency: str) -> int:
    """Number of decimal places of a currency's minor unit."""
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (1999 USD is $19.99)."""

    minor: int
    currency: str = "USD"

    @classmethod
    def parse(cls, amount: str | int | Decimal, currency: str = "USD") -> Money:
        """Read a major-unit amount ("19.99", 19, Decimal) exactly, refusing floats."""
        if isinstance(amount, float):
            raise ValidationError("money amounts must not be floats; pass a string or Decimal")
        code = currency_code(currency)
        try:
            value = Decimal(str(amount).replace(",", "").strip())
        except InvalidOperation:
            raise ValidationError(f"{amount!r} is not an amount of money", value=amount) from None
        if not value.is_finite():
            raise ValidationError(f"{amount!r} is not a finite amount", value=amount)
        # Amounts are stored as BIGINT minor units: anything larger would fail in the store
        # (or, past the decimal context's 28 digits, in quantize) instead of being refused.
        if value.adjusted() > _MOST_DIGITS:
            raise ValidationError(f"{amount!r} is too large an amount of money", value=amount)
        with localcontext() as exact:
            exact.prec = 2 * _MOST_DIGITS
            minor = int(
                (value.scaleb(exponent(code))).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
            )
        if abs(minor) > LARGEST_MINOR:
            raise ValidationError(f"{amount!r} is too large an amount of money", value=amount)
        return cls(minor, code)

    @property
    def amount(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        return f"{self.amount:,.{exponent(self.currency)}f} {self.currency}"
