"""The budget API: allocations and reallocations, commitments (with releases and payments), exchange rates,
reconciliation and the public budget reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from services.budget import rates_import
from services.budget import schemas as s
from services.budget import service as svc
from services.budget.clients import CatalogueClient
from services.budget.models import idempotency_keys
from services.budget.reports import utilisation_csv, utilisation_svg
from shared.app import DbSession
from shared.auth import Principal, require_roles
from shared.caching import cached_json
from shared.i18n import negotiate, pick
from shared.idempotency import Idempotent, idempotency
from shared.pagination import Page, PageParams, page_params, paginate
from shared.problems import FieldError, Unprocessable, problem_responses
from shared.schemas import budget as wire

Idempotency = Annotated[Idempotent, Depends(idempotency(idempotency_keys))]
"""POSTs that create or move state or money: `Idempotency-Key` replays the first result."""

router = APIRouter(prefix="/v1")

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Staff = Annotated[Principal, Depends(require_roles("officer", "admin"))]
Pages = Annotated[PageParams, Depends(page_params)]
ProgrammeCode = Annotated[
    str, Path(description="Programme code", examples=["interreg-se-no-2021-2027"], max_length=100)
]
CurrencyCode = Annotated[str, Path(pattern=r"^[A-Z]{3}$", description="ISO 4217 code", examples=["NOK"])]
Month = Annotated[str, Path(pattern=s.MONTH_PATTERN, description="yyyy-mm", examples=["2024-05"])]
CommitmentId = Annotated[uuid.UUID, Path(description="The commitment's id")]

COMMITMENT_EXAMPLE = {
    "programme": "interreg-se-no-2021-2027",
    "application_id": "5b0f6f0e-1d7e-4c1b-9a55-0d7f4c8f1a01",
    "priority": "1",
    "specific_objective": "1B",
    "reference": "SE-NO-2022-0001",
    "lines": [
        {"fund": "ERDF", "amount": {"amount": "390000.00", "currency": "EUR"}},
        {"fund": "NO-STATE", "amount": {"amount": "2500000.00", "currency": "NOK"}},
    ],
}
RELEASE_EXAMPLES = {
    "all": {"summary": "Release everything that remains", "value": {"reason": "Application withdrawn"}},
    "partial": {
        "summary": "Release part of one fund",
        "value": {
            "reason": "Budget revision",
            "lines": [{"fund": "ERDF", "amount": {"amount": "50000.00", "currency": "EUR"}}],
        },
    },
}


def _now(request: Request) -> dt.datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else dt.datetime.now(dt.UTC)


def _max_age(request: Request) -> int:
    return int(getattr(request.app.state.settings, "report_max_age", 5))


def _cached_bytes(request: Request, body: bytes, media_type: str, *, filename: str | None = None) -> Response:
    """A non-JSON public report with an ETag (304 on a match) and a short max-age."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={_max_age(request)}, must-revalidate",
        "Vary": "Accept-Language",
    }
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if etag in [c.strip().removeprefix("W/") for c in (request.headers.get("if-none-match") or "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


# ---------------------------------------------------------------------------------------------
# Sync, allocations, reconciliation
# ---------------------------------------------------------------------------------------------
@router.post("/sync", tags=["allocations"], response_model=s.SyncReport, responses=problem_responses(401, 403, 503))
async def sync(request: Request, session: DbSession, principal: Admin) -> s.SyncReport:
    """Sync every programme's funds, allocations and fixed rates from the catalogue (admin).

    The same as `python -m services.budget sync`. Idempotent: funds already recorded are left as they
    are (an admin's reallocations survive); new funds are allocated by the programme's explicit
    allocations, else by priority shares (largest remainder), else to the `unallocated` reserve.
    """
    client: CatalogueClient = request.app.state.catalogue
    definitions = [await client.definition(code) for code in await client.programme_codes()]
    now = _now(request)
    return s.SyncReport(
        programmes=[await svc.sync_programme(session, p, prios, sos, now=now) for p, prios, sos in definitions]
    )


@router.post(
    "/programmes/{programme}/reallocations",
    tags=["allocations"],
    status_code=201,
    response_model=s.Reallocation,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reallocate(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Admin,
    programme: ProgrammeCode,
    body: s.ReallocationRequest,
) -> Response:
    """Move an amount of a fund from one priority (or the `unallocated` reserve) to another (admin).

    Recorded on the ledger as two `reallocation` entries (minus on the source, plus on the target) with
    the reason and the admin; the fund's allocations still sum to its amount. 409 when the source has
    less available (allocated − committed) than the amount. `Idempotency-Key` makes a retry safe.
    """
    return await idempotent(
        status_code=201,
        work=lambda: svc.reallocate(session, programme, body, actor=principal.sub, now=_now(request)),
    )


@router.get(
    "/programmes/{programme}/budget/reconcile",
    tags=["allocations"],
    response_model=s.Reconciliation,
    responses=problem_responses(401, 403, 404),
)
async def reconcile(session: DbSession, principal: Admin, programme: ProgrammeCode) -> s.Reconciliation:
    """Recompute every balance of the programme from the ledger and prove they agree (admin).

    `{"consistent": true, "checked_rows": n, "differences": []}`; a difference names fund, priority,
    column and both figures.
    """
    return await svc.reconcile(session, programme)


@router.get(
    "/programmes/{programme}/fixed-rates",
    tags=["exchange rates"],
    response_model=list[s.FixedRate],
    responses=problem_responses(404),
)
async def list_fixed_rates(session: DbSession, programme: ProgrammeCode) -> list[s.FixedRate]:
    """The programme's fixed exchange rates (they win over the monthly rates)."""
    repo = svc.BudgetRepository(session)
    await svc.require_programme(repo, programme)
    return [svc.fixed_rate_view(r) for r in await repo.fixed_rates(programme)]


@router.put(
    "/programmes/{programme}/fixed-rates/{currency}",
    tags=["exchange rates"],
    response_model=s.FixedRate,
    responses=problem_responses(401, 403, 404, 422),
)
async def put_fixed_rate(
    request: Request,
    session: DbSession,
    principal: Admin,
    programme: ProgrammeCode,
    currency: CurrencyCode,
    body: s.ExchangeRateIn,
) -> s.FixedRate:
    """Set or override the programme's fixed rate for a currency (admin); sync never overwrites it.

    Applies to commitments made from now on; existing commitments keep the rate they were made at.
    """
    row = await svc.set_fixed_rate(
        session, programme, currency, body.units_per_eur, actor=principal.sub, now=_now(request)
    )
    return svc.fixed_rate_view(row)


# ---------------------------------------------------------------------------------------------
# Commitments
# ---------------------------------------------------------------------------------------------
@router.post(
    "/commitments",
    tags=["commitments"],
    status_code=201,
    response_model=wire.Commitment,
    responses={
        **problem_responses(401, 403, 409, 422),
        201: {"description": "Committed; `Location` names the commitment"},
    },
)
async def create_commitment(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Staff,
    body: Annotated[
        wire.CommitmentRequest,
        Body(
            openapi_examples={"approval": {"summary": "ERDF in EUR and NO-STATE in NOK", "value": COMMITMENT_EXAMPLE}}
        ),
    ],
) -> Response:
    """Commit money to an approved application (officer or admin): all lines or none.

    Each line is converted to the programme's currency (the programme's fixed rate for the currency if
    it has one, else the monthly rate of this month, Europe/Brussels); the original and converted
    amounts are both kept. A line may repeat a fund in another currency. 409 `insufficient-funds` when a
    fund lacks room in the priority, naming `fund`, `priority`, `asked` and `available` (money) in the
    problem body; 422 for an unknown programme, priority, specific objective or fund (naming the field),
    for the `unallocated` reserve, and for a missing exchange rate (naming currency and month) — nothing
    is committed then. Never over-commits, whatever the concurrency. With an `Idempotency-Key` a retry
    returns the first result and changes nothing; the same key with another body gets 422.
    """
    return await idempotent(
        status_code=201,
        headers=lambda b: {"Location": f"/v1/commitments/{b['id']}"},
        work=lambda: svc.create_commitment(session, body, actor=principal.sub, now=_now(request)),
    )


@router.get(
    "/commitments",
    tags=["commitments"],
    response_model=Page[wire.Commitment],
    responses=problem_responses(401, 403, 422),
)
async def list_commitments(
    session: DbSession,
    principal: Staff,
    page: Pages,
    programme: Annotated[str | None, Query(description="Only this programme")] = None,
    application_id: Annotated[str | None, Query(description="Only this application's commitments")] = None,
) -> Page[wire.Commitment]:
    """Commitments, newest first (officer or admin), filtered by programme and/or application."""
    after = None
    if page.cursor is not None:
        try:
            after = (str(page.cursor["c"]), str(uuid.UUID(str(page.cursor["i"]))))
            dt.datetime.fromisoformat(after[0])
        except (KeyError, ValueError):
            raise Unprocessable(
                "the cursor is not one this API returned",
                errors=[FieldError(field="query.cursor", message="invalid cursor")],
            ) from None
    rows = await svc.list_commitments(
        session, programme=programme, application_id=application_id, after=after, limit=page.limit + 1
    )
    return paginate(rows, page, lambda c: {"c": c.created_at.replace(tzinfo=None).isoformat(), "i": str(c.id)})


@router.get(
    "/commitments/{commitment_id}",
    tags=["commitments"],
    response_model=wire.Commitment,
    responses=problem_responses(401, 403, 404),
)
async def get_commitment(session: DbSession, principal: Staff, commitment_id: CommitmentId) -> wire.Commitment:
    """One commitment with its lines: original and converted amounts, rate, released and paid (officer or admin)."""
    return await svc.get_commitment(session, commitment_id)


@router.post(
    "/commitments/{commitment_id}/release",
    tags=["commitments"],
    response_model=wire.Commitment,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def release_commitment(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Staff,
    commitment_id: CommitmentId,
    body: Annotated[wire.ReleaseRequest, Body(openapi_examples=RELEASE_EXAMPLES)],
) -> Response:
    """Release a commitment, wholly (omit `lines`) or partly per fund (officer or admin).

    The reason is required and goes on the ledger. Amounts are in the programme's currency; never more
    than remains (committed − released − paid) per fund → 409. The money becomes available again in
    the priority. `Idempotency-Key` makes a retry safe.
    """
    return await idempotent(
        work=lambda: svc.release_commitment(session, commitment_id, body, actor=principal.sub, now=_now(request)),
    )


@router.post(
    "/commitments/{commitment_id}/payments",
    tags=["commitments"],
    response_model=wire.Commitment,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def pay_commitment(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Staff,
    commitment_id: CommitmentId,
    body: s.PaymentRequest,
) -> Response:
    """Record payments against a commitment, per fund (officer or admin).

    A payment in another currency converts like a commitment (fixed programme rate, else this month's
    rate). Never more than committed − released − paid per fund → 409. `Idempotency-Key` makes a retry safe.
    """
    return await idempotent(
        work=lambda: svc.pay_commitment(session, commitment_id, body, actor=principal.sub, now=_now(request)),
    )


# ---------------------------------------------------------------------------------------------
# Exchange rates
# ---------------------------------------------------------------------------------------------
@router.put(
    "/exchange-rates/{currency}/{month}",
    tags=["exchange rates"],
    response_model=s.ExchangeRate,
    responses=problem_responses(401, 403, 422),
)
async def put_rate(
    request: Request, session: DbSession, principal: Admin, currency: CurrencyCode, month: Month, body: s.ExchangeRateIn
) -> s.ExchangeRate:
    """Set the monthly accounting rate of a currency (admin): units of the currency per 1 EUR.

    Used for commitments made in that month (Europe/Brussels) unless the programme fixes a rate.
    """
    if currency == "EUR":
        raise Unprocessable("EUR is the base currency", errors=[FieldError(field="path.currency", message="not EUR")])
    row = await svc.set_monthly_rate(
        session, currency, month, body.units_per_eur, source="manual", actor=principal.sub, now=_now(request)
    )
    return svc.rate_view(row)


@router.get(
    "/exchange-rates", tags=["exchange rates"], response_model=Page[s.ExchangeRate], responses=problem_responses(422)
)
async def list_rates(
    session: DbSession,
    page: Pages,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="Only this currency")] = None,
) -> Page[s.ExchangeRate]:
    """Monthly rates, newest month first (public)."""
    after = None
    if page.cursor is not None:
        after = (str(page.cursor.get("m", "")), str(page.cursor.get("c", "")))
    rows = await svc.BudgetRepository(session).list_rates(currency=currency, after=after, limit=page.limit + 1)
    return paginate([svc.rate_view(r) for r in rows], page, lambda r: {"m": r.month, "c": r.currency})


@router.post(
    "/exchange-rates/import",
    tags=["exchange rates"],
    response_model=s.RatesImport,
    responses=problem_responses(401, 403, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "Country;Currency;ISO code;Rate per EUR\nNorway;Norwegian krone;NOK;11,6145\n"
                    "Sweden;Swedish krona;SEK;11,4780\n",
                }
            },
        }
    },
)
async def import_rates(
    request: Request,
    session: DbSession,
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
    text = (await request.body()).decode("utf-8-sig", errors="strict") if await request.body() else ""
    parsed = rates_import.parse(text, month)

    async def work() -> s.RatesImport:
        now = _now(request)
        stored = [
            await svc.set_monthly_rate(session, cur, mon, units, source="import", actor=principal.sub, now=now)
            for cur, mon, units in parsed
        ]
        return s.RatesImport(
            imported=len(stored), months=sorted({r.month for r in stored}), rates=[svc.rate_view(r) for r in stored]
        )

    return await idempotent(work=work)


# ---------------------------------------------------------------------------------------------
# Reports (public)
# ---------------------------------------------------------------------------------------------
@router.get(
    "/programmes/{programme}/budget",
    tags=["reports"],
    response_model=wire.BudgetReport,
    responses=problem_responses(404),
)
async def budget(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """The programme's budget: one row per fund and priority with allocated, committed (net of releases),
    paid and available (allocated − committed), in the programme's currency. Public; cached a few seconds."""
    return cached_json(request, await svc.budget_report(session, programme), max_age=_max_age(request))


@router.get(
    "/programmes/{programme}/budget/specific-objectives",
    tags=["reports"],
    response_model=s.SpecificObjectiveReport,
    responses=problem_responses(404),
)
async def budget_by_specific_objective(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """Committed (net of releases) and paid per specific objective and fund. Public."""
    return cached_json(request, await svc.by_specific_objective(session, programme), max_age=_max_age(request))


@router.get(
    "/programmes/{programme}/budget/calls",
    tags=["reports"],
    response_model=s.CallReport,
    responses=problem_responses(404),
)
async def budget_by_call(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """Committed (net of releases) and paid per call and fund (`call_id` null: committed without a call). Public."""
    return cached_json(request, await svc.by_call(session, programme), max_age=_max_age(request))


@router.get(
    "/programmes/{programme}/budget/timeseries",
    tags=["reports"],
    response_model=s.TimeseriesReport,
    responses=problem_responses(404, 422),
)
async def budget_timeseries(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    interval: Annotated[Literal["month", "year"], Query(description="Bucket size")] = "month",
) -> Response:
    """Commitments and releases per period (Europe/Brussels) and fund. Public."""
    return cached_json(request, await svc.timeseries(session, programme, interval), max_age=_max_age(request))


@router.get(
    "/programmes/{programme}/budget/utilisation",
    tags=["reports"],
    response_model=s.UtilisationReport,
    responses=problem_responses(404),
)
async def budget_utilisation(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """Per priority and fund: allocated, committed (net), available and the utilisation share
    (committed / allocated, 4 decimals), with a total. Also as `.csv` and `.svg`. Public."""
    return cached_json(request, await svc.utilisation(session, programme), max_age=_max_age(request))


@router.get(
    "/programmes/{programme}/budget/utilisation.csv",
    tags=["reports"],
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "programme,priority,fund,currency,allocated,committed,available,utilisation\r\n"
                }
            },
            "description": "UTF-8 CSV with a header row",
        },
        **problem_responses(404),
    },
)
async def budget_utilisation_csv(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """The utilisation report as CSV: UTF-8, header row, one row per fund × priority and a `TOTAL` row;
    amounts are plain decimals with a point and a `currency` column. The same figures as the JSON."""
    report = await svc.utilisation(session, programme)
    return _cached_bytes(
        request,
        utilisation_csv(report).encode("utf-8"),
        "text/csv; charset=utf-8",
        filename=f"{programme}-utilisation.csv",
    )


@router.get(
    "/programmes/{programme}/budget/utilisation.svg",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "An SVG bar chart"}, **problem_responses(404)},
)
async def budget_utilisation_svg(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """A grouped bar chart of allocated, committed and available per priority and fund, in millions of the
    programme's currency, titled with the programme's name (in the `Accept-Language` language)."""
    report = await svc.utilisation(session, programme)
    row = await svc.BudgetRepository(session).programme(programme)
    lang = negotiate(request.headers.get("accept-language"), ("en", "sv", "nb", "da"))
    name = pick(row.name if row else None, lang) or programme
    svg = await run_in_threadpool(utilisation_svg, report, f"{name} — budget utilisation")
    return _cached_bytes(request, svg, "image/svg+xml", filename=f"{programme}-utilisation.svg")
