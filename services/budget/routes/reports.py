"""Public budget figures: cached a few seconds with an ETag (304 on a match)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.budget import schemas as s
from services.budget.reports import figures, utilisation
from services.budget.routes.dependencies import ProgrammeCode
from shared.app import DbSession
from shared.caching import cached_json
from shared.openapi import CACHE_HEADERS, cacheable
from shared.problems import problem_responses
from shared.schemas import budget as wire

router = APIRouter(prefix="/v1", tags=["reports"])


async def _max_age(request: Request) -> int:
    return int(getattr(request.app.state.settings, "report_max_age", 5))


MaxAge = Annotated[int, Depends(_max_age)]
"""`Cache-Control: max-age` of the reports (`BUDGET_REPORT_MAX_AGE`)."""


def _cached_bytes(request: Request, body: bytes, media_type: str, max_age: int, *, filename: str) -> Response:
    """A non-JSON public report with an ETag (304 on a match) and a short max-age."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}, must-revalidate",
        "Vary": "Accept-Language",
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    if etag in [c.strip().removeprefix("W/") for c in (request.headers.get("if-none-match") or "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/programmes/{programme}/budget",
    response_model=wire.BudgetReport,
    responses={**problem_responses(404), **cacheable()},
)
async def get_budget(request: Request, session: DbSession, max_age: MaxAge, programme: ProgrammeCode) -> Response:
    """The programme's budget: one row per fund and priority with allocated, committed (net of releases),
    paid and available (allocated − committed), in the programme's currency. Public; cached a few seconds."""
    return cached_json(request, await figures.budget_report(session, programme), max_age=max_age)


@router.get(
    "/programmes/{programme}/budget/specific-objectives",
    response_model=s.SpecificObjectiveReport,
    responses={**problem_responses(404), **cacheable()},
)
async def get_budget_by_specific_objective(
    request: Request, session: DbSession, max_age: MaxAge, programme: ProgrammeCode
) -> Response:
    """Committed (net of releases) and paid per specific objective and fund. Public."""
    return cached_json(request, await figures.by_specific_objective(session, programme), max_age=max_age)


@router.get(
    "/programmes/{programme}/budget/calls",
    response_model=s.CallReport,
    responses={**problem_responses(404), **cacheable()},
)
async def get_budget_by_call(
    request: Request, session: DbSession, max_age: MaxAge, programme: ProgrammeCode
) -> Response:
    """Committed (net of releases) and paid per call and fund (`call_id` null: committed without a call). Public."""
    return cached_json(request, await figures.by_call(session, programme), max_age=max_age)


@router.get(
    "/programmes/{programme}/budget/timeseries",
    response_model=s.TimeseriesReport,
    responses={**problem_responses(404, 422), **cacheable()},
)
async def get_budget_timeseries(
    request: Request,
    session: DbSession,
    max_age: MaxAge,
    programme: ProgrammeCode,
    interval: Annotated[Literal["month", "year"], Query(description="Bucket size")] = "month",
) -> Response:
    """Commitments and releases per period (Europe/Brussels) and fund, the whole series. Public."""
    return cached_json(request, await figures.timeseries(session, programme, interval), max_age=max_age)


@router.get(
    "/programmes/{programme}/budget/utilisation",
    response_model=s.UtilisationReport,
    responses={**problem_responses(404), **cacheable()},
)
async def get_budget_utilisation(
    request: Request, session: DbSession, max_age: MaxAge, programme: ProgrammeCode
) -> Response:
    """Per priority and fund: allocated, committed (net), available and the utilisation share
    (committed / allocated, 4 decimals), with a total. Also as `.csv` and `.svg`. Public."""
    return cached_json(request, await utilisation.utilisation(session, programme), max_age=max_age)


@router.get(
    "/programmes/{programme}/budget/utilisation.csv",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "programme,priority,fund,currency,allocated,committed,available,utilisation\r\n"
                }
            },
            "description": "UTF-8 CSV with a header row",
            "headers": CACHE_HEADERS,
        },
        **problem_responses(404),
        304: cacheable()[304],
    },
)
async def export_budget_utilisation_csv(
    request: Request, session: DbSession, max_age: MaxAge, programme: ProgrammeCode
) -> Response:
    """The utilisation report as CSV: UTF-8, header row, one row per fund × priority and a `TOTAL` row;
    amounts are plain decimals with a point and a `currency` column. The same figures as the JSON."""
    body = await utilisation.utilisation_csv_of(session, programme)
    return _cached_bytes(request, body, "text/csv; charset=utf-8", max_age, filename=f"{programme}-utilisation.csv")


@router.get(
    "/programmes/{programme}/budget/utilisation.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "An SVG bar chart", "headers": CACHE_HEADERS},
        **problem_responses(404),
        304: cacheable()[304],
    },
)
async def export_budget_utilisation_svg(
    request: Request,
    session: DbSession,
    max_age: MaxAge,
    programme: ProgrammeCode,
) -> Response:
    """A grouped bar chart of allocated, committed and available per priority and fund, in millions of the
    programme's currency, titled with the programme's name (in the `Accept-Language` language)."""
    svg = await utilisation.utilisation_chart(session, programme, request.headers.get("accept-language"))
    return _cached_bytes(request, svg, "image/svg+xml", max_age, filename=f"{programme}-utilisation.svg")
