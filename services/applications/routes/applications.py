"""Tag `applications`: create, list (JSON and CSV), read and edit applications."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from services.applications.intake import costs, drafts
from services.applications.reads import queries
from services.applications.routes.dependencies import READ, Applicant, ApplicationId, ContentBody, Filters, Up, location
from services.applications.schemas.applications import ApplicationOut
from shared.app import DbSession
from shared.auth import CurrentPrincipal, Staff
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.pagination import Page, Paging
from shared.problems import problem_responses

TAG = {"name": "applications", "description": "Applications: drafts, the list and its CSV export"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    responses={**problem_responses(401, 403, 422, 503), 201: {"description": "Created; `Location` names it"}},
)
async def create_application(
    session: DbSession, idempotent: Idempotency, principal: Applicant, body: ContentBody, now: Now, up: Up
) -> JSONResponse:
    """Create a draft application (an applicant). Checked here: the structure (types, codes' shapes,
    amounts not negative, one currency per partner, at most one lead partner, end not before start) and
    that the catalogue has the programme and the call, the call being the programme's (422 naming
    `programme` or `call_id`; an unreachable catalogue is a 503, nothing stored); the programme's rules
    are reported by the eligibility check (`pre-check`, and at submission).

    A budget line naming a `cost_option` of the programme (catalogue `cost_options`) gets its amount
    computed here, with `computed` saying how (rate, base, formula, rounding half up to the cent); options
    that exclude each other (a flat rate and real costs for one category) are a 422 naming the lines."""
    content = await costs.priced(up.catalogue, body)  # asks the catalogue before the transaction starts
    return await idempotent(
        work=lambda: drafts.create(session, principal, content, now=now),
        status_code=201,
        headers=location,
    )


@router.get("/applications", response_model=Page[ApplicationOut], responses=problem_responses(401, 422))
async def list_applications(
    session: DbSession, principal: CurrentPrincipal, params: Paging, filters: Filters
) -> Response:
    """Applications, newest first (cursor pagination). Applicants see their own (and their
    organisation's); officers and admins see all."""
    return Response(await queries.list_page(session, principal, filters, params), media_type="application/json")


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
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def update_application(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, body: ContentBody, now: Now, up: Up
) -> ApplicationOut:
    """Replace the body of a draft (the owning applicant). Anything but a draft is 409. Every cost-option
    line is computed again from the lines as sent, so a changed base (staff costs) changes every flat
    rate computed from it."""
    content = await costs.priced(up.catalogue, body)  # asks the catalogue before the transaction starts
    return await drafts.update(session, principal, str(application_id), content, now=now)
