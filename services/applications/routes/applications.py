"""Tag `applications`: create, list (JSON and CSV), read and edit applications."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from services.applications import drafts, queries
from services.applications.routes.dependencies import (
    READ,
    Applicant,
    ApplicationId,
    ContentBody,
    Filters,
    Idempotency,
    Staff,
    location,
)
from services.applications.schemas import ApplicationOut
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.pagination import Page, Paging
from shared.problems import problem_responses

TAG = {"name": "applications", "description": "Applications: drafts, the list and its CSV export"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    responses={**problem_responses(401, 403, 422), 201: {"description": "Created; `Location` names it"}},
)
async def create_application(
    session: DbSession, idempotent: Idempotency, principal: Applicant, body: ContentBody, now: Now
) -> JSONResponse:
    """Create a draft application (an applicant). Only structure is checked here (types, codes' shapes,
    amounts not negative, one currency per partner, at most one lead partner, end not before start);
    the programme's rules are reported by the eligibility check (`pre-check`, and at submission)."""
    return await idempotent(
        work=lambda: drafts.create(session, principal, body, now=now),
        status_code=201,
        headers=location,
    )


@router.get("/applications", response_model=Page[ApplicationOut], responses=problem_responses(401, 422))
async def list_applications(
    session: DbSession, principal: CurrentPrincipal, params: Paging, filters: Filters
) -> Page[ApplicationOut]:
    """Applications, newest first (cursor pagination). Applicants see their own (and their
    organisation's); officers and admins see all."""
    return await queries.list_page(session, principal, filters, params)


@router.get(
    "/applications.csv",
    response_class=Response,
    responses={
        **problem_responses(401, 403, 422),
        200: {"description": "CSV, one application a row", "content": {"text/csv": {}}},
    },
)
async def export_applications(session: DbSession, principal: Staff, filters: Filters) -> Response:
    """The filtered list as CSV (officers, admins): reference, acronym, status, programme, call,
    specific objective, countries, first submission, total budget per currency, and the ERDF and
    NO-STATE money requested per currency."""
    return Response(
        await queries.export_csv(session, principal, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="applications.csv"'},
    )


@router.get("/applications/{application_id}", response_model=ApplicationOut, responses=READ)
async def get_application(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId
) -> ApplicationOut:
    """One application with its status, reference and what the workflow allows next."""
    return await queries.get(session, principal, str(application_id))


@router.put(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_application(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, body: ContentBody, now: Now
) -> ApplicationOut:
    """Replace the body of a draft (the owning applicant). Anything but a draft is 409."""
    return await drafts.update(session, principal, str(application_id), body, now=now)
