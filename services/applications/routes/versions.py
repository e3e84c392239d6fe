"""Tag `versions`: the versions frozen at each submission and the eligibility report stored with them,
served byte for byte as stored, and what the current approval granted against what was asked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.applications.committee import grants
from services.applications.reads import queries
from services.applications.routes.dependencies import JSON_VERBATIM, READ, ApplicationId
from services.applications.schemas.applications import VersionOut
from services.applications.schemas.assessment import GrantOut
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.pagination import MAX_VERSION, Page, Paging
from shared.problems import problem_responses
from shared.schemas.eligibility import Report

TAG = {"name": "versions", "description": "Submitted versions of an application and their eligibility reports"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
JSON = "application/json"


@router.get(
    "/applications/{application_id}/eligibility",
    response_class=Response,
    responses={**READ, 200: {"model": Report, **JSON_VERBATIM}},
)
async def get_application_eligibility(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId
) -> Response:
    """The eligibility report stored with the latest submitted version (404 before the first submission)."""
    return Response(await queries.latest_report(session, principal, str(application_id)), media_type=JSON)


@router.get(
    "/applications/{application_id}/versions",
    response_class=Response,
    responses={**problem_responses(401, 404, 422), 200: {"model": Page[VersionOut], **JSON_VERBATIM}},
)
async def list_application_versions(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, params: Paging
) -> Response:
    """The submitted versions (1, 2, …), each exactly as frozen at its submission."""
    return Response(await queries.versions_page(session, principal, str(application_id), params), media_type=JSON)


@router.get(
    "/applications/{application_id}/versions/{number}",
    response_class=Response,
    responses={**READ, 200: {"model": VersionOut, **JSON_VERBATIM}},
)
async def get_application_version(
    session: DbSession,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    number: Annotated[int, Path(ge=1, le=MAX_VERSION)],
) -> Response:
    """One submitted version, byte for byte as stored at its submission (it never changes)."""
    return Response(await queries.version_document(session, principal, str(application_id), number), media_type=JSON)


@router.get("/applications/{application_id}/grant", response_model=GrantOut, responses=problem_responses(401, 404, 422))
async def get_application_grant(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId
) -> GrantOut:
    """What the current approval granted against what was asked, per partner and fund (a committee may grant
    less: the commitment is what is granted), with the State-aid rules as run at the decision (the grant
    day's regulation, the amounts, rates and months in their facts). 404 before an approval."""
    return await grants.read_grant(session, principal, str(application_id))
