"""Tag `workflow`: the eligibility pre-check, submission, decisions, re-opening, withdrawal, and the
history of every move. Moves that call another service run prepare → apply (`docs/service-pattern.md`);
each POST takes an `Idempotency-Key`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from services.applications import decisions, queries, submission
from services.applications.routes.dependencies import (
    AcceptLanguage,
    ApplicationId,
    AppSettings,
    Bearer,
    Db,
    Idempotency,
    Up,
    key_scope,
)
from services.applications.schemas import (
    ApplicationOut,
    DecisionRequest,
    HistoryEntry,
    ReopenRequest,
    WithdrawRequest,
)
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.schemas.eligibility import Report

TAG = {"name": "workflow", "description": "Pre-check, submission, decisions, re-opening, withdrawal and history"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])


@router.post(
    "/applications/{application_id}/pre-check", response_model=Report, responses=problem_responses(401, 404, 503)
)
async def pre_check(
    db: Db,
    up: Up,
    settings: AppSettings,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    accept_language: AcceptLanguage = None,
) -> Report:
    """The eligibility report for the application as it stands today (Europe/Stockholm). Nothing is
    changed or stored. A failed rule is a 200 with `eligible: false`."""
    return await submission.pre_check(db, up, settings, principal, str(application_id), accept_language, now=now)


@router.post(
    "/applications/{application_id}/submit",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def submit_application(
    db: Db,
    up: Up,
    settings: AppSettings,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    accept_language: AcceptLanguage = None,
) -> JSONResponse:
    """Submit a draft (the owning applicant), only while its call is open (409 naming the window
    otherwise). Freezes the next numbered version, gives the reference at the first submission
    (`SE-NO-2022-0001`), stores the eligibility report with the version and moves the application to
    `eligible` or `ineligible` as the report says. If the catalogue or the eligibility service cannot
    be reached: 503 and nothing is stored. A retry with the same `Idempotency-Key` returns the same
    answer and makes no second version."""
    plan = await submission.prepare_submission(
        db,
        up,
        settings,
        principal,
        str(application_id),
        idempotency=key_scope(idempotent),
        accept_language=accept_language,
        now=now,
    )
    return await idempotent(work=lambda: submission.submit(session, settings, principal, plan))


@router.get(
    "/applications/{application_id}/history",
    response_model=Page[HistoryEntry],
    responses=problem_responses(401, 404, 422),
)
async def get_history(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, params: Paging
) -> Page[HistoryEntry]:
    """Every status change, oldest first: from, to, action, actor (token subject or
    `system:eligibility`), role, time and reason."""
    return await queries.history_page(session, principal, str(application_id), params)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def decide(
    db: Db,
    up: Up,
    settings: AppSettings,
    bearer: Bearer,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: DecisionRequest,
    now: Now,
) -> JSONResponse:
    """An officer's decision. `approved` (only from `eligible`) commits the requested ERDF and NO-STATE
    money in the budget on the priority of the specific objective; if the budget refuses, 409 with
    its reason and the application stays `eligible`. `rejected` (from `eligible` or `ineligible`)
    needs a reason."""
    plan = await decisions.prepare_decision(
        db, up, principal, str(application_id), body, idempotency=key_scope(idempotent), bearer=bearer, now=now
    )
    return await decisions.decide_with_compensation(
        session, db, up, settings, principal, plan, record=lambda work: idempotent(work=work)
    )


@router.post(
    "/applications/{application_id}/reopen",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reopen(
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: ReopenRequest,
    now: Now,
) -> JSONResponse:
    """An officer returns an `ineligible` application to `draft` so the applicant can complete it; the
    next submission makes the next version with the same reference."""
    return await idempotent(
        work=lambda: decisions.reopen(session, principal, str(application_id), body.reason, now=now),
    )


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def withdraw(
    db: Db,
    up: Up,
    settings: AppSettings,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    body: Annotated[WithdrawRequest | None, Body()] = None,
) -> JSONResponse:
    """The owning applicant withdraws the application (from draft, submitted, eligible or ineligible;
    the reason is optional). Any budget commitment recorded for it is released."""
    plan = await decisions.prepare_withdrawal(
        db, up, settings, principal, str(application_id), body, idempotency=key_scope(idempotent), now=now
    )
    return await idempotent(work=lambda: decisions.withdraw(session, principal, plan))
