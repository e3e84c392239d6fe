"""Tag `change-requests`: changes of a contracted project — a typed diff against the approved version made and
submitted by the owners of the sides it touches, checked on the resulting version, assessed by the secretariat,
decided by an officer or the committee (or only notified, within the programme's flexibility)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Path
from fastapi.responses import JSONResponse

from services.applications.projects.changes import requests
from services.applications.projects.changes.schemas import (
    AssessmentIn,
    ChangeDecisionIn,
    ChangeRequestIn,
    ChangeRequestOut,
    WithdrawalIn,
)
from services.applications.projects.texts import language_of
from services.applications.routes.dependencies import ApplicationId, WakeRelay
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.problems import problem_responses

TAG = {
    "name": "change-requests",
    "description": "Changes of a contracted project: budget reallocations, time extensions, partner changes and "
    "content, each a diff against the approved version; an approval makes the next approved version",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
ChangeRequestId = Annotated[UUID, Path(description="The change request's id")]
Language = Annotated[str | None, Header(alias="Accept-Language", description="sv, nb or en: the language of refusals")]


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
