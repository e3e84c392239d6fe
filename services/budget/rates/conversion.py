"""Exchange rates and conversion into a programme's currency.

Rates are quoted as units of a currency per 1 EUR (the Commission's convention). A programme's fixed
rate for a currency wins over the monthly rate; the monthly rate is the one of the accounting month
(Europe/Brussels) of the request's instant. Conversion goes through EUR:
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

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.errors import MissingExchangeRate
from services.budget.programmes import require_programme
from services.budget.rates import inforeuro
from shared.money import CURRENCY_PATTERN, Money, cross_convert
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError, Unprocessable

BRUSSELS = ZoneInfo("Europe/Brussels")
RATE_DISPLAY = Decimal("1e-10")
RATE_QUANTUM = Decimal(1).scaleb(-m.RATE_SCALE)


def month_of(now: dt.datetime, tz: ZoneInfo = BRUSSELS) -> str:
    """The accounting month (yyyy-mm) of an aware instant, on the Commission's clock (Europe/Brussels)."""
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


# monthly rates ------------------------------------------------------------------------------------
class MonthlyRatesAfter(Keyset):
    """Keyset of `GET /v1/exchange-rates` (newest month first, then currency)."""

    month: str = Field(pattern=s.MONTH_PATTERN)
    currency: str = Field(pattern=CURRENCY_PATTERN)


def rate_view(row: m.ExchangeRate) -> s.ExchangeRate:
    return s.ExchangeRate(
        currency=row.currency,
        month=row.month,
        units_per_eur=row.units_per_eur,
        source=row.source,
        updated_at=row.updated_at,
    )


async def set_monthly_rate(
    session: AsyncSession, currency: str, month: str, units: Decimal, *, source: str, actor: str, now: dt.datetime
) -> s.ExchangeRate:
    """Set (or replace) the accounting rate of a currency for a month; EUR is the base and has none."""
    if currency == "EUR":
        raise Unprocessable("EUR is the base currency", errors=[FieldError(field="path.currency", message="not EUR")])
    units = units.quantize(RATE_QUANTUM)
    row = await repo.monthly_rate(session, currency, month)
    if row is None:
        row = m.ExchangeRate(
            currency=currency, month=month, units_per_eur=units, source=source, updated_by=actor, updated_at=now
        )
        repo.add(session, row)
    else:
        row.units_per_eur, row.source, row.updated_by, row.updated_at = units, source, actor, now
    await session.flush()
    return rate_view(row)


async def import_monthly_rates(
    session: AsyncSession, content: bytes, month: str | None, *, actor: str, now: dt.datetime
) -> s.RatesImport:
    """Store every rate of an InforEuro-shaped UTF-8 file (`inforeuro.parse`): all rows or none."""
    parsed = inforeuro.parse(inforeuro.decode(content), month)
    stored = [
        await set_monthly_rate(session, currency, mon, units, source="import", actor=actor, now=now)
        for currency, mon, units in parsed
    ]
    return s.RatesImport(imported=len(stored), months=sorted({r.month for r in stored}), rates=stored)


async def list_monthly_rates(
    session: AsyncSession, params: PageParams, *, currency: str | None
) -> Page[s.ExchangeRate]:
    after = params.after(MonthlyRatesAfter)
    rows = await repo.monthly_rates(
        session,
        currency=currency,
        after=(after.month, after.currency) if after else None,
        limit=params.limit + 1,
    )
    return paginate(
        [rate_view(r) for r in rows], params, lambda r: MonthlyRatesAfter(month=r.month, currency=r.currency)
    )


# programme fixed rates ----------------------------------------------------------------------------
class FixedRatesAfter(Keyset):
    """Keyset of `GET /v1/programmes/{programme}/fixed-rates` (by currency)."""

    currency: str = Field(pattern=CURRENCY_PATTERN)


def fixed_rate_view(row: m.ProgrammeFixedRate) -> s.FixedRate:
    return s.FixedRate(
        programme=row.programme,
        currency=row.currency,
        units_per_eur=row.units_per_eur,
        source=row.source,
        updated_at=row.updated_at,
    )


async def set_fixed_rate(
    session: AsyncSession, programme: str, currency: str, units: Decimal, *, actor: str, now: dt.datetime
) -> s.FixedRate:
    """An admin's fixed rate for a programme; sync never overwrites it."""
    await require_programme(session, programme)
    units = units.quantize(RATE_QUANTUM)
    row = await repo.fixed_rate(session, programme, currency)
    if row is None:
        row = m.ProgrammeFixedRate(
            programme=programme,
            currency=currency,
            units_per_eur=units,
            source="admin",
            updated_by=actor,
            updated_at=now,
        )
        repo.add(session, row)
    else:
        row.units_per_eur, row.source, row.updated_by, row.updated_at = units, "admin", actor, now
    await session.flush()
    return fixed_rate_view(row)


async def list_fixed_rates(session: AsyncSession, programme: str, params: PageParams) -> Page[s.FixedRate]:
    await require_programme(session, programme)
    after = params.after(FixedRatesAfter)
    rows = await repo.fixed_rates(session, programme, after=after.currency if after else None, limit=params.limit + 1)
    return paginate([fixed_rate_view(r) for r in rows], params, lambda r: FixedRatesAfter(currency=r.currency))
