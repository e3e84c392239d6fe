"""Tag `open data`: the approved projects, public (no token), as keep.eu collects them — JSON pages and CSV,
each with an ETag (`If-None-Match` → 304). Never personal data (`projects/open_data.py` lists the fields)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.applications.projects import open_data
from services.applications.routes.dependencies import Db, Up
from shared.caching import cached_body, cached_json
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.text import Bounded

TAG = {
    "name": "open data",
    "description": "Approved projects for everyone (no token): keep.eu's fields, JSON and CSV, never personal data",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
MAX_AGE = 0
"""Clients revalidate every read (a 304 while nothing changed), so a decision shows at the next read."""
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current", "content": {}}
}
ProgrammeFilter = Annotated[
    Annotated[str, Bounded(64, min_length=1)] | None,
    Query(description="Only this programme's projects", examples=["interreg-se-no-2021-2027"]),
]
EXAMPLE = {
    "id": "6f1c2a9e-3b7d-4e2a-9c1f-0d5e8b7a6c43",
    "reference": "SE-NO-2025-0001",
    "programme": "interreg-se-no-2021-2027",
    "acronym": "GIV",
    "name": {"sv": "Grön industriväxt", "nb": "Grønn industrivekst", "en": "Green industrial growth"},
    "summary": {"sv": "Små och medelstora tillverkande företag i Värmland och Kongsvingerregionen."},
    "start_date": "2025-06-12",
    "end_date": "2028-05-17",
    "specific_objective": "1B",
    "priority": "1",
    "project_type": "main-project",
    "status": "contracted",
    "decided_on": "2025-03-14",
    "total_budget": [{"amount": "600000.00", "currency": "EUR"}, {"amount": "4000000.00", "currency": "NOK"}],
    "eu_funding": [{"amount": "390000.00", "currency": "EUR"}],
    "eu_rate": "0.65",
    "norwegian_funding": [{"amount": "2000000.00", "currency": "NOK"}],
    "norwegian_rate": "0.5",
    "partners": [
        {
            "number": 1,
            "name": "Region Värmland",
            "role": "lead",
            "country": "SE",
            "organisation_type": "public-authority",
            "region": "SE311",
            "budget": {"amount": "600000.00", "currency": "EUR"},
            "eu_funding": {"amount": "390000.00", "currency": "EUR"},
            "eu_rate": "0.65",
            "norwegian_funding": None,
            "norwegian_rate": None,
        }
    ],
}


@router.get(
    "/open-data/projects",
    response_model=Page[open_data.OpenDataProject],
    responses={
        **problem_responses(422, 503),
        **NOT_MODIFIED,
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
    },
)
async def open_data_projects(
    request: Request, db: Db, up: Up, params: Paging, programme: ProgrammeFilter = None
) -> Response:
    """Every approved, contracted or closed project by id, public: acronym, name and summary (sv/nb/en),
    dates, specific objective and priority, total budget, ERDF and Norwegian funding with their rates, and
    per partner its name, type, region, budget and funding. Never contacts, e-mails, people's names, bank
    accounts, organisation numbers or subject ids. A decision is listed once its transaction commits (the
    feed is read from the decisions themselves). Send the `ETag` back as `If-None-Match` for a 304; 503
    when the catalogue (the priorities) cannot answer."""
    return cached_json(request, await open_data.page(db, up, params, programme=programme), max_age=MAX_AGE)


@router.get(
    "/open-data/projects.csv",
    response_class=Response,
    responses={
        **problem_responses(422, 503),
        **NOT_MODIFIED,
        200: {"content": {"text/csv": {}}, "description": "The feed as CSV, one row per project and partner"},
    },
)
async def open_data_projects_csv(request: Request, db: Db, up: Up, programme: ProgrammeFilter = None) -> Response:
    """The feed as CSV (spreadsheet-safe cells), one row per project and partner, the same fields; with an
    `ETag` (`If-None-Match` → 304)."""
    body = (await open_data.csv(db, up, programme=programme)).encode()
    return cached_body(request, body, media_type="text/csv; charset=utf-8", max_age=MAX_AGE)
