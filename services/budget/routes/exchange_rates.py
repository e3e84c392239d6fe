"""Monthly accounting rates (InforEuro) and programme fixed rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from services.budget import schemas as s
from services.budget.rates import conversion, fixed, monthly
from services.budget.routes.dependencies import BudgetService, CurrencyCode, Month, ProgrammeCode
from shared.app import DbSession
from shared.auth import Admin
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.money import CURRENCY_PATTERN
from shared.openapi import csv_body
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.schemas.budget import ConversionRate

router = APIRouter(prefix="/v1", tags=["exchange rates"])


@router.get(
    "/programmes/{programme}/conversion-rates/{currency}",
    response_model=ConversionRate,
    responses=problem_responses(404, 422),
)
async def get_conversion_rate(
    session: DbSession,
    service: BudgetService,
    programme: ProgrammeCode,
    currency: CurrencyCode,
    at: Annotated[
        AwareDatetime, Query(description="The instant (ISO 8601 with its offset)", examples=["2026-03-02T09:00:00Z"])
    ],
) -> ConversionRate:
    """The rate the budget converts `currency` at for the programme at the instant `at`, as a commitment
    or payment made then would (public): the programme's fixed rate, else the monthly rate of `at`'s
    month on the budget's rate clock (`BUDGET_RATE_TIMEZONE`, Europe/Brussels), named in `month`. The
    committee's preview asks this, so it converts as the budget will. 404 naming the month when the
    budget has no rate for it (an admin sets it with `PUT /v1/exchange-rates/{currency}/{month}`)."""
    return await conversion.conversion_rate(session, programme, currency, at, service.settings.rate_zone)


@router.get(
    "/programmes/{programme}/fixed-rates", response_model=Page[s.FixedRate], responses=problem_responses(404, 422)
)
async def list_fixed_rates(session: DbSession, programme: ProgrammeCode, page: Paging) -> Page[s.FixedRate]:
    """The programme's fixed exchange rates (they win over the monthly rates)."""
    return await fixed.list_fixed_rates(session, programme, page)


@router.put(
    "/programmes/{programme}/fixed-rates/{currency}",
    response_model=s.FixedRate,
    responses=problem_responses(401, 403, 404, 422),
)
async def put_fixed_rate(
    session: DbSession,
    principal: Admin,
    now: Now,
    programme: ProgrammeCode,
    currency: CurrencyCode,
    body: s.ExchangeRateIn,
) -> s.FixedRate:
    """Set or override the programme's fixed rate for a currency (admin); sync never overwrites it.

    Applies to commitments made from now on; existing commitments keep the rate they were made at.
    """
    return await fixed.set_fixed_rate(session, programme, currency, body.units_per_eur, actor=principal.sub, now=now)


@router.put(
    "/exchange-rates/{currency}/{month}",
    response_model=s.ExchangeRate,
    responses=problem_responses(401, 403, 409, 422),
)
async def put_exchange_rate(
    session: DbSession,
    principal: Admin,
    now: Now,
    service: BudgetService,
    currency: CurrencyCode,
    month: Month,
    body: s.MonthlyRateIn,
) -> s.ExchangeRate:
    """Set the monthly accounting rate of a currency (admin): units of the currency per 1 EUR.

    Used for commitments made in that month (Europe/Brussels) unless the programme fixes a rate. A rate
    further from the previous month's than `BUDGET_RATE_DEVIATION_LIMIT` (±20 %) is a 409
    `rate-needs-confirmation` naming both, unless the body says `confirm_deviation: true`.
    """
    return await monthly.set_typed_rate(
        session,
        currency,
        month,
        body.units_per_eur,
        confirmed=body.confirm_deviation,
        limit=service.settings.rate_deviation_limit,
        actor=principal.sub,
        now=now,
    )


@router.get("/exchange-rates", response_model=Page[s.ExchangeRate], responses=problem_responses(422))
async def list_exchange_rates(
    session: DbSession,
    page: Paging,
    currency: Annotated[str | None, Query(pattern=CURRENCY_PATTERN, description="Only this currency")] = None,
) -> Page[s.ExchangeRate]:
    """Monthly rates, newest month first (public)."""
    return await monthly.list_monthly_rates(session, page, currency=currency)


@router.post(
    "/exchange-rates/import",
    response_model=s.RatesImport,
    responses=problem_responses(401, 403, 422),
    openapi_extra=csv_body(
        "Country;Currency;ISO code;Rate per EUR\nNorway;Norwegian krone;NOK;11,6145\nSweden;Swedish krona;SEK;11,4780\n"
    ),
)
async def import_exchange_rates(
    request: Request,
    idempotent: Idempotency,
    principal: Admin,
    month: Annotated[
        str | None, Query(pattern=s.MONTH_PATTERN, description="yyyy-mm of the rates, for a file that does not say")
    ] = None,
) -> Response:
    """Import a month's accounting rates from a CSV in the shape of the Commission's InforEuro files (admin).

    Accepted columns (header row required, names case-insensitive, other columns ignored; delimiter `;`,
    `,` or tab; decimal comma or point; an optional UTF-8 BOM and title lines before the header):
    - the currency code: `ISO code`, `ISO A3 code`, `ISO 4217`, `Code`, `Currency code` or `isoA3Code`
      (a `Currency` column holding three capital letters also serves);
    - the rate, units of the currency per 1 EUR: `Rate`, `Rate per EUR`, `Euro rate`, `Value`, `Amount`,
      `Units per EUR` or `Exchange rate`;
    - optionally the month: `Month`, `Period`, `Start date` or `Date` (`yyyy-mm`, `yyyy-mm-dd`,
      `dd/mm/yyyy`, `dd.mm.yyyy`, `mm/yyyy`); otherwise `?month=yyyy-mm` is required.
    `Country` and the currency's name are informational. A row for EUR (rate 1) is skipped. All rows or
    none: a bad row gets 422 naming its line. Rates already stored for the month are replaced.
    """
    session, now = idempotent.session, idempotent.at
    content = await request.body()
    return await idempotent(
        work=lambda: monthly.import_monthly_rates(session, content, month, actor=principal.sub, now=now)
    )
