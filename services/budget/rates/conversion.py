"""Conversion of an amount into a programme's currency, at the exchange rate that applies.

Rates are quoted as units of a currency per 1 EUR (the Commission's convention). A programme's fixed
rate for a currency wins over the monthly rate; the monthly rate is the one of the accounting month of the
request's instant on the rate clock (`BUDGET_RATE_TIMEZONE`, Europe/Brussels: the Commission's), which
`month_of` is the one reading of. Conversion goes through EUR:
`amount / units_per_eur(from) * units_per_eur(to)`, rounded once at the end to the programme currency's
minor unit with `round_minor` (half up, Reg. (EC) 1103/97 art. 5); the EUR leg is not rounded in
between (one rounding, not two). Into EUR this is exactly `shared.money.convert`. `rate` on a
commitment line is `units_per_eur(from) / units_per_eur(to)` shown with 10 decimals (display only,
never used to recompute).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget.errors import MissingExchangeRate, NoConversionRate
from services.budget.programmes import require_programme
from shared.money import Money, cross_convert
from shared.problems import FieldError, Unprocessable
from shared.schemas.budget import ConversionRate

RATE_DISPLAY = Decimal("1e-10")
RATE_QUANTUM = Decimal(1).scaleb(-m.RATE_SCALE)
"""The precision a rate is stored at (`models.RATE_SCALE` decimals): every rate set or synced is quantized to it."""


def month_of(now: dt.datetime, tz: ZoneInfo) -> str:
    """The accounting month (yyyy-mm) of an aware instant on the rate clock `tz` (`Settings.rate_zone`)."""
    local = now.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


@dataclass(frozen=True)
class Conversion:
    """An amount in the programme's currency, with the display rate and where the rate came from."""

    amount: Decimal
    rate: Decimal | None = None
    source: str = "identity"  # identity | monthly | programme-fixed


async def units_per_eur(
    session: AsyncSession, programme: str, currency: str, month: str, field: str
) -> tuple[Decimal, str]:
    """The rate of a currency for a programme and month: the programme's fixed rate wins over the monthly one."""
    if currency == "EUR":
        return Decimal(1), "identity"
    fixed = await repo.fixed_rate(session, programme, currency)
    if fixed is not None:
        return fixed.units_per_eur, "programme-fixed"
    monthly = await repo.monthly_rate(session, currency, month)
    if monthly is not None:
        return monthly.units_per_eur, "monthly"
    message = f"no exchange rate for {currency} in {month} (set PUT /v1/exchange-rates/{currency}/{month})"
    raise MissingExchangeRate(
        message, errors=[FieldError(field=field, message=message)], currency=currency, month=month
    )


async def to_programme_currency(
    session: AsyncSession, programme: str, target: str, amount: Money, month: str, field: str
) -> Conversion:
    """Convert `amount` to the programme's currency `target` via EUR with one final rounding (module docstring)."""
    if amount.currency == target:
        return Conversion(amount.amount)
    upe_from, src_from = await units_per_eur(session, programme, amount.currency, month, field)
    upe_to, src_to = await units_per_eur(session, programme, target, month, field)
    converted = cross_convert(amount.amount, units_from=upe_from, units_to=upe_to, target=target)
    source = "monthly" if "monthly" in (src_from, src_to) else "programme-fixed"
    rate = (upe_from / upe_to).quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP)
    if converted <= 0:
        raise Unprocessable(
            f"{amount} is less than a cent in {target}",
            errors=[FieldError(field=field, message="too small to convert")],
        )
    return Conversion(converted, rate, source)


async def conversion_rate(
    session: AsyncSession, programme: str, currency: str, at: dt.datetime, zone: ZoneInfo
) -> ConversionRate:
    """The rate the budget converts `currency` at for `programme` at the instant `at` (what a commitment
    made then would use); 404 naming the month when it has none."""
    row = await require_programme(session, programme)
    try:
        month = month_of(at, zone)
    except OverflowError:  # an instant at the calendar's very end: no month there has a rate
        month = f"{at.year:04d}-{at.month:02d}"
    try:
        units, source = await units_per_eur(session, row.code, currency, month, "currency")
    except MissingExchangeRate as exc:
        raise NoConversionRate(
            f"the budget has no exchange rate for {currency} in {month}: an admin sets it with "
            f"PUT /v1/exchange-rates/{currency}/{month}",
            currency=currency,
            month=month,
        ) from exc
    return ConversionRate(programme=row.code, currency=currency, month=month, units_per_eur=units, source=source)
