"""Tag `committee`: the ranked list of a call against the live budget, the decision session, the reserve
list with its proposal, reverting an approval, and the conditions of approvals."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import JSONResponse, Response

from services.applications.committee import sessions
from services.applications.routes.dependencies import (
    AcceptLanguage,
    ApplicationId,
    AppSettings,
    Db,
    Up,
    WakeRelay,
    key_scope,
)
from services.applications.schemas.applications import ApplicationOut, RevertRequest
from services.applications.schemas.assessment import (
    ConditionOut,
    FulfilRequest,
    RankingOut,
    ReserveOut,
    SessionOut,
    SessionRequest,
)
from services.applications.workflow import decisions
from shared.app import DbSession
from shared.auth import CurrentPrincipal, Staff
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.pagination import Page, Paging, paginate_sequence
from shared.problems import problem_responses

TAG = {
    "name": "committee",
    "description": "The committee's ranked list, decision session, reserve list, reverting approvals, conditions",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
CallId = Annotated[
    UUID, Query(description="The call (catalogue id)", examples=["02f4dbe0-39d7-5f0f-a1b2-940aa2383ed1"])
]


@router.get("/committee/ranking", response_model=RankingOut, responses=problem_responses(401, 403, 404, 409, 422, 503))
async def get_ranking(db: Db, up: Up, principal: Staff, call_id: CallId, now: Now) -> Response:
    """The call's assessed applications (eligible, assessment complete) ranked for the committee: those
    meeting the quality thresholds first, by consolidated score (compared exactly), then by first
    submission. Each line gives the score, the ERDF and Norwegian money asked (as asked and in the
    programme's currency, converted as the budget converts), whether it fits, and what would remain per fund
    of its priority if the list were approved in that order. The figures are the budget's available money
    now, less what approvals still owe it; 503 when the budget or catalogue cannot answer."""
    ranked = await sessions.ranking(db, up, str(call_id), now=now, viewer=principal.sub)
    # Written once from the model just built (a returned model is dumped and validated again by FastAPI).
    return Response(ranked.model_dump_json(), media_type="application/json")


def _location(body: dict[str, Any]) -> dict[str, str]:
    return {"Location": f"/v1/committee/sessions/{body['id']}"}


@router.post(
    "/committee/sessions",
    status_code=201,
    response_model=SessionOut,
    responses={**problem_responses(401, 403, 404, 409, 422, 503), **created("Recorded; `Location` names the session")},
)
async def record_session(
    db: Db,
    up: Up,
    session: DbSession,
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: Staff,
    body: SessionRequest,
    now: Now,
    settings: AppSettings,
    accept_language: AcceptLanguage = None,
) -> JSONResponse:
    """An officer records the committee's session for a call with its minutes reference: per application
    `approved`, `approved-with-conditions` (each condition later marked fulfilled), `reserve` (with its rank)
    or `rejected` (with a reason). All or none: approvals are taken in the order given against the money
    left per fund of their priority (the budget's figures, less what approvals still owe); if one no longer
    fits, 409 `does-not-fit` naming it and nothing is recorded. Otherwise every move and the commitment each
    approval owes are recorded in one transaction and the outbox commits the money (`commitment_status`
    `pending`, then `active`). 409 for an application whose status does not allow its decision, whose
    assessment is not complete (`assessment-incomplete`) or which misses the quality thresholds
    (`below-quality-threshold`). An approval may grant less than asked (`granted`, per partner and fund:
    the difference in the partner's own financing, the eligibility rules run again on it: 409
    `grant-not-eligible`); the commitment is what is granted (`GET /v1/applications/{id}/grant`). The
    State-aid rules are run again for the session's instant (the grant day's regulation, the aid approved
    since each submission and the session's earlier approvals counted, amounts at the budget's rate of
    their grant month): an approval that breaks a ceiling refuses the whole session (409
    `state-aid-ceiling`, each message in the request's language naming the undertaking, the ceiling, the
    window and the amounts); another approval of one of its undertakings recorded meanwhile: 409
    `aid-changed`, retry."""
    plan = await sessions.prepare_session(
        db,
        up,
        body,
        idempotency=key_scope(idempotent),
        now=now,
        timezone=ZoneInfo(settings.timezone),
        accept_language=accept_language,
    )
    return await idempotent(
        work=lambda: sessions.record_session(session, principal, body, plan, now=now, wake=wake),
        status_code=201,
        headers=_location,
    )


@router.get("/committee/sessions/{session_id}", response_model=SessionOut, responses=problem_responses(401, 403, 404))
async def get_session(
    session: DbSession, principal: Staff, session_id: Annotated[UUID, Path(description="The session's id")]
) -> SessionOut:
    """A recorded session: its minutes reference and each decision with its conditions."""
    return await sessions.read_session(session, str(session_id))


@router.get("/committee/reserve", response_model=ReserveOut, responses=problem_responses(401, 403, 404, 409, 422, 503))
async def get_reserve(db: Db, up: Up, principal: Staff, call_id: CallId, now: Now) -> ReserveOut:
    """The call's reserve list by rank, whether each project's money is available now (what approvals
    still owe counted as taken; a release counts once the budget has it), and the first that fits as
    `proposal`: the officer approves it with `POST /v1/applications/{id}/decision`, which commits its money."""
    return await sessions.reserve_list(db, up, str(call_id), now=now)


@router.post(
    "/applications/{application_id}/revert",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def revert_approval(
    session: DbSession,
    idempotent: Idempotency,
    wake: WakeRelay,
    settings: AppSettings,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: RevertRequest,
    now: Now,
) -> JSONResponse:
    """An admin reverts an approval (reason required) within `APPLICATIONS_REVERT_PERIOD_DAYS` of it (409
    `revert-period-over` after): the application is `eligible` again and what its commitment holds is
    released through the outbox (`commitment_status` `releasing`, then `released`). The reserve list then
    proposes the first project that fits."""
    period = settings.revert_period
    return await idempotent(
        work=lambda: decisions.revert(
            session, principal, str(application_id), body.reason, now=now, period=period, wake=wake
        )
    )


@router.get(
    "/applications/{application_id}/conditions",
    response_model=Page[ConditionOut],
    responses=problem_responses(401, 404, 422),
)
async def list_conditions(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, params: Paging
) -> Page[ConditionOut]:
    """The conditions of the application's approvals (`approval` numbers them), fulfilled or not."""
    return paginate_sequence(await sessions.conditions(session, principal, str(application_id)), params)


@router.post(
    "/applications/{application_id}/conditions/{number}/fulfil",
    response_model=ConditionOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def fulfil_condition(
    session: DbSession,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    number: Annotated[int, Path(ge=1, le=1000, description="The condition's number")],
    now: Now,
    body: Annotated[FulfilRequest | None, Body()] = None,
) -> ConditionOut:
    """An officer marks a condition of the current approval fulfilled (with a note); marking it again
    changes nothing."""
    note = body.note if body else None
    return await sessions.fulfil(session, principal, str(application_id), number, note, now=now)
