"""Money: an exact `Decimal` amount with its ISO 4217 currency.

Rules, the same in every service:
- Amounts are never floats. On the wire an amount is a decimal string (`"43800000.00"`); integers and
  strings are accepted on input, floats are refused (a float has already lost the cents).
- An amount has at most the currency's minor-unit places (two for EUR, SEK, NOK, DKK); more is refused,
  never rounded silently.
- Rounding happens only in the functions of this module, each documented: `round_minor` rounds half up
  (away from zero at exactly half a cent), the rule of Council Regulation (EC) No 1103/97 art. 5 for
  euro conversions; `split` divides a total into parts that sum exactly to it (largest remainder).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_serializer,
    model_validator,
)

MINOR_UNITS: dict[str, int] = {"EUR": 2, "SEK": 2, "NOK": 2, "DKK": 2, "ISK": 0, "USD": 2, "GBP": 2}
DEFAULT_MINOR_UNITS = 2


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217)."""
    return MINOR_UNITS.get(currency, DEFAULT_MINOR_UNITS)


@lru_cache(maxsize=256)
def quantum(currency: str) -> Decimal:
    """The currency's minor unit as a Decimal (0.01 for EUR), made once per currency."""
    return Decimal(1).scaleb(-minor_units(currency))


# The one grammar of a decimal on the wire: ASCII digits, an optional leading minus, an optional
# fraction. No exponent ("1e400"), no digit separators ("1_0"), no other scripts' digits ("١٠"), no
# whitespace, no NaN or Infinity: each of those is refused with a 422 naming the field.
DECIMAL_PATTERN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
MAX_MAGNITUDE = Decimal("1e15")
"""Largest magnitude (exclusive) of any decimal on the wire: 999,999,999,999,999.99 fits the NUMERIC(18, 2)
money columns and NUMERIC(28, 10) rate columns with room for sums."""
MAX_PLACES = 10
"""Most decimal places of any decimal on the wire (rates are stored with ten)."""
MAX_DIGITS = 32
DECIMAL_JSON_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "decimal",
    # `DECIMAL_PATTERN` with at most MAX_PLACES places that are not trailing zeros, as `to_decimal` accepts.
    "pattern": f"^-?[0-9]+(?:\\.[0-9]{{1,{MAX_PLACES}}}0*)?$",
    "maxLength": MAX_DIGITS + 2,
}
"""What the OpenAPI documents say of a decimal on the wire, in requests and answers alike (the magnitude
bound is in the description): a string, never `number` — an integer is accepted too, but a client that
sends the string is always right, and generated clients type it `str`/`string`."""


def to_decimal(value: Any) -> Decimal:
    """Parse an exact decimal from a string, int or Decimal, strictly (see `DECIMAL_PATTERN`): floats,
    booleans, non-finite values, more than `MAX_PLACES` places and magnitudes of `MAX_MAGNITUDE` or more
    are refused with a `ValueError` (a 422 naming the field, through pydantic)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError('must be a decimal string such as "1234.50", not a floating-point number')
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite number")
        result = value
    elif isinstance(value, int):
        if abs(value) >= MAX_MAGNITUDE:
            raise ValueError(f"must be less than {decimal_str(MAX_MAGNITUDE)} in magnitude")
        result = Decimal(value)
    elif isinstance(value, str):
        if len(value) > MAX_DIGITS + 2 or not DECIMAL_PATTERN.fullmatch(value):
            raise ValueError('must be a decimal string of ASCII digits such as "1234.50" (no exponent, no spaces)')
        result = Decimal(value)
    else:
        raise ValueError('must be a decimal string such as "1234.50"')
    if abs(result) >= MAX_MAGNITUDE:
        raise ValueError(f"must be less than {decimal_str(MAX_MAGNITUDE)} in magnitude")
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        try:  # more digits than the context holds (a long fraction of a large number) is too many places too
            exact = result == result.quantize(Decimal(1).scaleb(-MAX_PLACES))
        except InvalidOperation:
            exact = False
        if not exact:
            raise ValueError(f"must have at most {MAX_PLACES} decimal places")
    return result


def decimal_str(value: Decimal) -> str:
    """A Decimal as a plain (non-scientific) string."""
    return format(value, "f")


ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    PlainSerializer(decimal_str, return_type=str, when_used="always"),
    WithJsonSchema({**DECIMAL_JSON_SCHEMA, "examples": ["0.42"]}),
]
"""A decimal number carried as a JSON string (shares, rates, percentages)."""


def rate_str(value: Decimal) -> str:
    """An exchange rate as every answer writes it: its exact value without trailing zeros (`"11.2"`, `"10"`,
    `"1.0118923157"`), whatever places the column that holds it has."""
    return decimal_str(value.normalize())


Rate = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    PlainSerializer(rate_str, return_type=str, when_used="always"),
    WithJsonSchema(
        {
            **DECIMAL_JSON_SCHEMA,
            "examples": ["11.2345"],
            "description": "An exchange rate, a decimal string: its exact value without trailing zeros",
        }
    ),
]
"""An exchange rate (units of a currency per 1 EUR, or per 1 unit of another currency) on the wire: one
format in every service, `rate_str`."""

CURRENCY_PATTERN = r"^[A-Z]{3}$"
"""An ISO 4217 code's shape (three capital letters), for models, paths and queries alike."""

Currency = Annotated[
    str,
    Field(pattern=CURRENCY_PATTERN, description="ISO 4217 currency code", examples=["EUR", "SEK", "NOK", "DKK"]),
]


class Money(BaseModel):
    """An exact amount with its currency: `{"amount": "43800000.00", "currency": "EUR"}`."""

    model_config = ConfigDict(
        frozen=True, json_schema_extra={"examples": [{"amount": "43800000.00", "currency": "EUR"}]}
    )

    amount: Annotated[
        Decimal,
        BeforeValidator(to_decimal),
        WithJsonSchema({**DECIMAL_JSON_SCHEMA, "examples": ["43800000.00"]}),
    ]
    currency: Currency

    @model_validator(mode="after")
    def _at_most_minor_units(self) -> Money:
        places = minor_units(self.currency)
        exponent = self.amount.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and exponent < -places
            and self.amount != self.amount.quantize(quantum(self.currency))
        ):
            raise ValueError(f"{self.currency} amounts have at most {places} decimal places")
        # Normalise the scale so that equal amounts are equal objects and serialise identically.
        self.__dict__["amount"] = self.amount.quantize(quantum(self.currency))
        return self

    @field_serializer("amount", when_used="always")
    def _serialise_amount(self, amount: Decimal) -> str:
        return decimal_str(amount)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(amount=to_decimal(amount), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        return f"{decimal_str(self.amount)} {self.currency}"


def _non_negative(m: Money) -> Money:
    if m.amount < 0:
        raise ValueError("amount must not be negative")
    return m


def _positive(m: Money) -> Money:
    if m.amount <= 0:
        raise ValueError("amount must be greater than zero")
    return m


NonNegativeMoney = Annotated[Money, AfterValidator(_non_negative)]
PositiveMoney = Annotated[Money, AfterValidator(_positive)]


def round_minor(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up (EU rule for conversions, Reg. 1103/97 art. 5)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


RATE_ROUNDING = "the exact product, rounded once to the minor unit, half up (0.005 away from zero)"
"""The rounding of every amount computed from another (`of_rate`), as answers state it."""


def of_rate(base: Decimal, rate: Decimal, currency: str) -> Decimal:
    """`rate` × `base` (a flat rate of a cost base, units × a unit cost), computed exactly and rounded once,
    half up to the currency's minor unit (`round_minor`): 0.15 × 333,333.33 = 49,999.9995 → 50,000.00;
    never truncated."""
    return round_minor(base * rate, currency)


def convert(amount: Decimal, *, units_per_eur: Decimal, to_eur: bool = True) -> Decimal:
    """Convert with a rate quoted as units of the currency per 1 EUR (the Commission's convention).

    `to_eur=True` divides (NOK -> EUR), otherwise multiplies (EUR -> NOK). Rounded to the cent, half up.
    """
    if units_per_eur <= 0:
        raise ValueError("an exchange rate must be positive")
    raw = amount / units_per_eur if to_eur else amount * units_per_eur
    return round_minor(raw, "EUR")


def cross_convert(amount: Decimal, *, units_from: Decimal, units_to: Decimal, target: str) -> Decimal:
    """`amount` from one currency to `target` through the EUR rates of both (units per 1 EUR), exact until
    one final rounding to `target`'s minor unit, half up. The one conversion the budget commits with and
    the committee's ranking previews with."""
    if target == "EUR":
        return convert(amount, units_per_eur=units_from, to_eur=True)
    return round_minor(amount / units_from * units_to, target)


def split(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `total` in proportion to `weights` so that the parts sum exactly to `total`.

    Largest-remainder method: every part is first rounded toward zero to the minor unit, then the
    cents left over go one each to the parts with the largest remainders (ties to the earlier part),
    so the result is deterministic and `sum(parts) == total` always holds.
    """
    if not weights:
        raise ValueError("nothing to split into")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    q = quantum(currency)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [magnitude * w / weight_sum for w in weights]
    floors = [e.quantize(q, rounding=ROUND_DOWN) for e in exact]
    leftover = int((magnitude - sum(floors, Decimal(0))) / q)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += q
    return [sign * p for p in floors]
