"""Tag `workflow`: the eligibility pre-check, submission, decisions, re-opening, withdrawal, and the
history of every move. Moves that call another service run prepare → apply (`docs/service-pattern.md`);
each POST takes an `Idempotency-Key`."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from services.applications.intake import steps
from services.applications.reads import queries
from services.applications.routes.dependencies import (
    AcceptLanguage,
    ApplicationId,
    AppSettings,
    Db,
    Up,
    WakeRelay,
    key_scope,
    location,
)
from services.applications.schemas.applications import (
    ApplicationOut,
    DecisionRequest,
    EndRequest,
    FullApplicationRequest,
    HistoryEntry,
    InviteRequest,
    ReopenRequest,
    ReturnRequest,
    SubmitRequest,
    TerminateRequest,
    WithdrawRequest,
)
from services.applications.workflow import decisions, direct, submission
from services.applications.workflow.transitions import Action
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.schemas.eligibility import Report

TAG = {
    "name": "workflow",
    "description": "Pre-check, submission, decisions, re-opening, withdrawal, termination, closure and history",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])


@router.post(
    "/applications/{application_id}/pre-check", response_model=Report, responses=problem_responses(401, 404, 422, 503)
)
async def pre_check_application(
    db: Db,
    up: Up,
    settings: AppSettings,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    accept_language: AcceptLanguage = None,
) -> Report:
    """The eligibility report for the application as it stands today (Europe/Stockholm). Nothing is
    changed or stored. A failed rule is a 200 with `eligible: false`. 422 `upstream-refused` when the
    eligibility service refuses the content itself (e.g. a programme it has no rules for), 503 when it
    cannot be asked."""
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
    wake: WakeRelay,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    accept_language: AcceptLanguage = None,
    body: Annotated[SubmitRequest | None, Body()] = None,
) -> JSONResponse:
    """Submit a draft (the owning applicant), only while its call is open by the catalogue's definition
    (409 naming the window otherwise; the closing instant itself is still open). Freezes the next
    numbered version, gives the reference at the first submission (`SE-NO-2022-0001`) and answers
    `submitted`; the eligibility check of the version is owed in the same transaction and delivered at
    once (or when the eligibility service is back): its report, made for the instant of the submission,
    is stored with the version and moves the application to `eligible` or `ineligible`. If the catalogue
    cannot be reached: 503 and nothing is stored. A retry with the same `Idempotency-Key` returns the
    same answer and makes no second version.

    A completion (an application `returned` for completion) is submitted by its deadline (409
    `completion-deadline-passed` after) instead of within the call's window, with the applicant's `answer`
    to the questions: the next version, the same reference, checked again (for the instant of the first
    submission). In a step-2 call of a two-step call only the full application of an invited concept note
    is taken (409 `concept-note-required`); an application to a step-1 call is a concept note."""
    answer = body.answer if body else None
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
    return await idempotent(
        work=lambda: submission.submit(session, settings, principal, plan, wake=wake, answer=answer)
    )


@router.get(
    "/applications/{application_id}/history",
    response_model=Page[HistoryEntry],
    responses=problem_responses(401, 404, 422),
)
async def get_application_history(
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
async def decide_application(
    db: Db,
    up: Up,
    settings: AppSettings,
    session: DbSession,
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: DecisionRequest,
    now: Now,
    accept_language: AcceptLanguage = None,
) -> JSONResponse:
    """An officer's decision. `approved` (from `eligible`, or from `reserve`: the committee's reserve project
    proposed when money frees up, `GET /v1/committee/reserve`) records the approval and the commitment
    it owes the budget (the ERDF and NO-STATE money asked for, on the priority of the specific objective)
    in one transaction: `commitment_status` is `pending` until the budget has it (within moments when the
    budget is up; it is delivered whenever it comes back), then `active`. If the budget has no room left
    (another approval took it meanwhile), the application returns to `eligible` with the budget's reason
    in its history and `commitment_status` `refused`. `rejected` (from `eligible` or `ineligible`) needs
    a reason (also from `returned` and `reserve`). Two officers approving at once: one approval, one
    commitment; the other gets 409. A concept note is invited (`POST …/invite`), never approved (409).

    Where the programme approves only through its committee (the catalogue's `decisions: committee-only`:
    Interreg Sverige–Norge), an eligible application is approved in a committee session and this call
    refuses it (409 `committee-decides`, pointing to `POST /v1/committee/sessions`); a reserve project is
    approved here on every programme. Where direct decisions are allowed, the assessment must be complete
    and meet the quality thresholds (409 `assessment-incomplete`, `below-quality-threshold`). Every
    approval runs the State-aid rules again for its instant (409 `state-aid-ceiling` with the figures;
    409 `aid-changed` when another approval of the undertaking came in between: retry)."""
    if body.decision != "approved":
        return await idempotent(
            work=lambda: decisions.decide(session, principal, str(application_id), body, now=now, wake=wake),
        )
    plan = await direct.prepare_approval(
        db,
        up,
        principal,
        str(application_id),
        body.reason,
        idempotency=key_scope(idempotent),
        timezone=ZoneInfo(settings.timezone),
        accept_language=accept_language,
        now=now,
    )
    return await idempotent(work=lambda: direct.approve(session, principal, plan, now=now, wake=wake))


@router.post(
    "/applications/{application_id}/reopen",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reopen_application(
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
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def withdraw_application(
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    body: Annotated[WithdrawRequest | None, Body()] = None,
) -> JSONResponse:
    """The owning applicant withdraws the application before a decision (from draft, submitted, eligible
    or ineligible; the reason is optional). No money is held before an approval, so nothing is released;
    an approved project is ended by an officer (`terminate`, `close`)."""
    return await idempotent(work=lambda: decisions.withdraw(session, principal, str(application_id), body, now=now))


@router.post(
    "/applications/{application_id}/terminate",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def terminate_application(
    session: DbSession,
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: TerminateRequest,
    now: Now,
) -> JSONResponse:
    """An officer ends an `approved` project early (`terminated`; the reason is required). What the
    budget holds for it and was not paid is released (`commitment_status` `releasing`, then `released`)."""
    return await idempotent(
        work=lambda: decisions.end(session, principal, str(application_id), Action.TERMINATE, body, now=now, wake=wake),
    )


@router.post(
    "/applications/{application_id}/close",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def close_application(
    session: DbSession,
    idempotent: Idempotency,
    wake: WakeRelay,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: EndRequest,
    now: Now,
) -> JSONResponse:
    """An officer closes an `approved` project that has ended (`closed`). A project that ended under
    budget gives back what was committed and not paid: the release is partial when payments were made."""
    return await idempotent(
        work=lambda: decisions.end(session, principal, str(application_id), Action.CLOSE, body, now=now, wake=wake),
    )


@router.post(
    "/applications/{application_id}/return",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def return_for_completion(
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: ReturnRequest,
    now: Now,
) -> JSONResponse:
    """An officer returns an `eligible` full application to the applicant for completion (`returned`),
    with the questions and a deadline (in the future: 422 otherwise). The applicant edits it and submits
    the answer by the deadline; the history shows the questions and the answer."""
    return await idempotent(
        work=lambda: decisions.return_for_completion(session, principal, str(application_id), body, now=now)
    )


@router.post(
    "/applications/{application_id}/invite",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def invite_to_full_application(
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    now: Now,
    body: Annotated[InviteRequest | None, Body()] = None,
) -> JSONResponse:
    """An officer invites an `eligible` concept note (step 1 of a two-step call) to a full application
    (`invited`); a full application is never invited (409)."""
    reason = body.reason if body else None
    return await idempotent(work=lambda: decisions.invite(session, principal, str(application_id), reason, now=now))


@router.post(
    "/applications/{application_id}/full-application",
    status_code=201,
    response_model=ApplicationOut,
    responses={**problem_responses(401, 403, 404, 409, 422, 503), **created()},
)
async def create_full_application(
    db: Db,
    up: Up,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: FullApplicationRequest,
    now: Now,
) -> JSONResponse:
    """The applicant of an `invited` concept note starts its full application in the step-2 call (the call
    naming the note's call as `concept_note_call_id`: 422 otherwise): a draft with the note's content,
    linked to it (`concept_note_id`), one per note (409 for a second). It is edited and submitted like any
    draft, in the step-2 call's window."""
    plan = await steps.prepare_full_application(
        db, up, principal, str(application_id), body, idempotency=key_scope(idempotent)
    )
    return await idempotent(
        work=lambda: steps.create_full_application(session, principal, plan, now=now),
        status_code=201,
        headers=location,
    )
