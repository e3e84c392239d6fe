"""Tag `projects`: the project after the decision — the staff's list (and CSV) without personal data, one
project, its contract data and contracting, its history, its claims as the budget holds them, its closure,
and its change requests (in this tag rather than one of their own: the service's route folder holds its
fifteen modules, and a tag of their own in a new module would be the sixteenth)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Path, Request
from fastapi.responses import JSONResponse, Response

from services.applications.projects import contracting, reads
from services.applications.projects.changes import requests
from services.applications.projects.changes.schemas import (
    AssessmentIn,
    ChangeDecisionIn,
    ChangeRequestIn,
    ChangeRequestOut,
    WithdrawalIn,
)
from services.applications.projects.schemas import (
    ClosureRequest,
    ContractRequest,
    ControllerAssignmentIn,
    ProjectEventOut,
    ProjectOut,
    ProjectSummary,
)
from services.applications.projects.texts import language_of
from services.applications.routes.dependencies import ApplicationId, AppSettings, Db, Up, WakeRelay
from shared.app import DbSession
from shared.auth import CurrentPrincipal, Staff
from shared.clock import Now
from shared.etags import IfMatch, IfNoneMatch, conditional, not_modified, tagged
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.schemas.budget import Claim

TAG = {
    "name": "projects",
    "description": "Approved applications as projects: contract data, contracting, history, claims, closure, "
    "and change requests (budget reallocations, time extensions, partner changes, content: each a diff against "
    "the approved version; an approval makes the next approved version)",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
Language = Annotated[str | None, Header(alias="Accept-Language", description="sv, nb or en: the language of refusals")]


@router.get("/projects", response_model=Page[ProjectSummary], responses=problem_responses(401, 403, 422))
async def list_projects(session: DbSession, principal: Staff, params: Paging) -> Page[ProjectSummary]:
    """Staff: every project (approved application) by id, with its contract status and dates. Never the
    owners' contacts or bank accounts."""
    return await reads.page(session, params)


@router.get(
    "/projects.csv",
    response_class=Response,
    responses={**problem_responses(401, 403), 200: {"content": {"text/csv": {}}, "description": "The list as CSV"}},
)
async def export_projects(session: DbSession, principal: Staff) -> Response:
    """The list as CSV (spreadsheet-safe cells): the list's columns only, never personal data."""
    return Response(await reads.csv(session), media_type="text/csv; charset=utf-8")


@router.get(
    "/projects/{application_id}",
    response_model=ProjectOut,
    responses={**problem_responses(401, 404), **conditional(read=True)},
)
async def get_project(
    session: DbSession,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    request: Request,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> ProjectOut | Response:
    """One project: baseline, dates, periods, partners with their controllers, the co-financing rates per
    fund, and — for its owners, its controllers, finance and officers only — the owners' contacts and bank
    accounts (`owners`, null for anyone else). Its `ETag` is what `PUT …/contract` sends as `If-Match`;
    `If-None-Match` with it is a 304."""
    out, etag = await reads.read(session, principal, str(application_id), now=now)
    return not_modified(request, etag) or tagged(response, etag, out)


@router.put(
    "/projects/{application_id}/contract",
    response_model=ProjectOut,
    responses={**problem_responses(401, 403, 404, 409, 422), **conditional()},
)
async def put_project_contract(
    session: DbSession,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: Annotated[ContractRequest, Body()],
    now: Now,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectOut:
    """An officer records the contract data (replacing what was recorded; incomplete data is kept and named
    at contracting). 422 for a period list that is not numbered in order or has not exactly one final period
    (the last), an IBAN whose check digits fail, a Norwegian account number whose MOD11 digit fails, or a
    controller not registered for the partner's country. Made on the project's current state: `If-Match`
    with its `ETag` (428 without, 412 naming the current one when another officer wrote it since)."""
    out, etag = await contracting.put_contract(
        session, principal, str(application_id), body, now=now, if_match=if_match
    )
    return tagged(response, etag, out)


@router.put(
    "/projects/{application_id}/controllers/{partner}",
    response_model=ProjectOut,
    responses={**problem_responses(401, 403, 404, 409, 422), **conditional()},
)
async def put_project_controller(
    session: DbSession,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    partner: Annotated[int, Path(ge=1, le=100, description="The partner's number in the approved version, from 1")],
    body: Annotated[ControllerAssignmentIn, Body()],
    now: Now,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectOut:
    """An officer assigns the controller of one partner, or replaces it, while the project is contracting or
    contracted: a partner a change request added gets its controller this way. 422 for a partner the
    approved version does not have, or a controller not registered for the partner's country; 409 on a
    closed project. A report in control passes to the new controller. Made on the project's current state:
    `If-Match` with its `ETag` (428 without, 412 when stale)."""
    out, etag = await contracting.assign_controller(
        session, principal, str(application_id), partner, body, now=now, if_match=if_match
    )
    return tagged(response, etag, out)


@router.post(
    "/projects/{application_id}/contracting",
    response_model=ProjectOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def set_project_contracted(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """An officer sets the project `contracted`: 409 `not-approved` unless approved with the budget's
    commitment accepted, `conditions-not-fulfilled` naming each open condition of the committee, or
    `contract-incomplete` naming every missing item (`missing`). The approved version is the baseline."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: contracting.set_contracted(
            idempotent.session, principal, str(application_id), now=now, language=language
        )
    )


@router.get(
    "/projects/{application_id}/history",
    response_model=Page[ProjectEventOut],
    responses=problem_responses(401, 404, 422),
)
async def get_project_history(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, params: Paging, now: Now
) -> Page[ProjectEventOut]:
    """Every step of the project: contract data, contracting, reports, control, reopenings (with their
    reasons), verifications and the claims they owed, closure. Never personal data."""
    return await reads.history(session, principal, str(application_id), params, now=now)


@router.get("/projects/{application_id}/claims", response_model=list[Claim], responses=problem_responses(401, 404, 503))
async def list_project_claims(
    db: Db, up: Up, settings: AppSettings, principal: CurrentPrincipal, application_id: ApplicationId, now: Now
) -> list[Claim]:
    """The project's claims as the budget holds them (submitted, authorised, paid); 503 when the budget
    cannot answer."""
    return await reads.claims(db, up, settings, principal, str(application_id), now=now)


@router.post(
    "/projects/{application_id}/closure",
    response_model=ProjectOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def close_project(
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    body: Annotated[ClosureRequest | None, Body()] = None,
    accept_language: Language = None,
) -> JSONResponse:
    """An officer closes the project once the final period's project report is verified (409
    `final-report-not-verified` before): the application is `closed` and the rest of its commitment is
    released through the outbox (the budget releases committed − released − paid)."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: contracting.close(
            idempotent.session,
            principal,
            str(application_id),
            body.reason if body else None,
            now=now,
            wake=wake,
            language=language,
        )
    )


# --- change requests ------------------------------------------------------------------------------
ChangeRequestId = Annotated[UUID, Path(description="The change request's id")]


def _location(body: dict[str, object]) -> dict[str, str]:
    return {"Location": f"/v1/change-requests/{body['id']}"}


@router.post(
    "/projects/{application_id}/change-requests",
    status_code=201,
    response_model=ChangeRequestOut,
    responses={**problem_responses(401, 403, 404, 409, 422), **created()},
)
async def create_change_request(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: ChangeRequestIn,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """The owner of a side the diff touches makes a change request (a draft) against the approved version of a
    contracted project: 422 naming each field the diff gets wrong for its type, 409
    `change-request-conflict` naming the open request that changes a same part."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: requests.create(
            idempotent.session, principal, str(application_id), body, now=now, language=language
        ),
        status_code=201,
        headers=_location,
    )


@router.get(
    "/projects/{application_id}/change-requests",
    response_model=list[ChangeRequestOut],
    responses=problem_responses(401, 404),
)
async def list_change_requests(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, now: Now
) -> list[ChangeRequestOut]:
    """The project's change requests, in the order they were made (whoever sees the project)."""
    return await requests.of_project(session, principal, str(application_id), now=now)


@router.get("/change-requests/{request_id}", response_model=ChangeRequestOut, responses=problem_responses(401, 404))
async def get_change_request(
    session: DbSession, principal: CurrentPrincipal, request_id: ChangeRequestId, now: Now
) -> ChangeRequestOut:
    """One change request: its diff, the sides that submitted it, the report of its resulting version, its
    flexibility, assessment, decision, the money it moves (the budget's figures when it refused) and the
    approved version it made."""
    return await requests.one(session, principal, str(request_id), now=now)


@router.post(
    "/change-requests/{request_id}/submission",
    response_model=ChangeRequestOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def submit_change_request(
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: CurrentPrincipal,
    request_id: ChangeRequestId,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """The owner of a touched side submits the request; once every touched side has, it is `submitted` and
    owes the eligibility check of its resulting version (a change within the flexibility is then notified)."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: requests.submit(
            idempotent.session, principal, str(request_id), now=now, wake=wake, language=language
        )
    )


@router.post(
    "/change-requests/{request_id}/assessment",
    response_model=ChangeRequestOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def assess_change_request(
    idempotent: Idempotency, principal: CurrentPrincipal, request_id: ChangeRequestId, body: AssessmentIn, now: Now
) -> JSONResponse:
    """The secretariat (an officer) assesses a checked request, recommending approval or rejection."""
    return await idempotent(work=lambda: requests.assess(idempotent.session, principal, str(request_id), body, now=now))


@router.post(
    "/change-requests/{request_id}/decision",
    response_model=ChangeRequestOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def decide_change_request(
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: CurrentPrincipal,
    request_id: ChangeRequestId,
    body: ChangeDecisionIn,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """An officer (or the committee, its minutes named) decides an assessed request. Approval asks the budget
    for what rises (`approving` until it answers: raised, the request is applied as the next approved version;
    refused for want of room, it is `assessed` again with the budget's figures); what falls is released. 409
    `change-request-stale` when the approved version moved since the check, `change-request-conflict` while
    another request of the project awaits the budget."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: requests.decide(
            idempotent.session, principal, str(request_id), body, now=now, wake=wake, language=language
        )
    )


@router.post(
    "/change-requests/{request_id}/withdrawal",
    response_model=ChangeRequestOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def withdraw_change_request(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    request_id: ChangeRequestId,
    now: Now,
    body: Annotated[WithdrawalIn | None, Body()] = None,
    accept_language: Language = None,
) -> JSONResponse:
    """An owner of a touched side withdraws the request before a decision."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: requests.withdraw(idempotent.session, principal, str(request_id), body, now=now, language=language)
    )
