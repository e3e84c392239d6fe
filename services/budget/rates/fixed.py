"""A programme's fixed exchange rates (units per 1 EUR), which win over the monthly rate: synced from the
catalogue, or set by an admin (and then never overwritten by sync)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.programmes import require_programme
from services.budget.rates.conversion import RATE_QUANTUM
from shared.money import CURRENCY_PATTERN
from shared.pagination import Keyset, Page, PageParams, paginate


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
