"""The monthly accounting rates (units per 1 EUR, one per currency and month): set by an admin or imported
from an InforEuro file (`inforeuro`), and listed newest month first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.errors import RateNeedsConfirmation
from services.budget.rates import inforeuro
from services.budget.rates.conversion import RATE_QUANTUM
from shared.money import CURRENCY_PATTERN, rate_str
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError, Unprocessable


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


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


async def set_typed_rate(
    session: AsyncSession,
    currency: str,
    month: str,
    units: Decimal,
    *,
    confirmed: bool,
    limit: Decimal,
    actor: str,
    now: dt.datetime,
) -> s.ExchangeRate:
    """A rate typed by an admin: refused (409) when it is further than `limit` (a share) from the previous
    month's stored rate of the currency, unless `confirmed`."""
    before = previous_month(month)
    previous = await repo.monthly_rate(session, currency, before)
    if previous is not None and not confirmed:
        deviation = abs(units / previous.units_per_eur - 1)
        if deviation > limit:
            raise RateNeedsConfirmation(
                f"{units} {currency} per EUR for {month} is {deviation:.1%} from {before}'s "
                f"{rate_str(previous.units_per_eur)} (more than {limit:.0%}); send confirm_deviation: true if it is right",
                previous_month=before,
                previous=rate_str(previous.units_per_eur),
                asked=rate_str(units),
                deviation=str(deviation.quantize(Decimal("0.0001"))),
                limit=str(limit),
            )
    return await set_monthly_rate(session, currency, month, units, source="manual", actor=actor, now=now)


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
