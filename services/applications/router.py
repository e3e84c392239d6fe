"""The HTTP API of the applications service (/v1/applications…). Thin: access and the workflow are
in `service.py`; every POST that creates something or moves state takes an `Idempotency-Key`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from services.applications import service
from services.applications.config import Settings
from services.applications.models import idempotency_keys
from services.applications.repository import ListFilters
from services.applications.schemas import (
    GRON_INDUSTRIVAXT,
    ApplicationOut,
    DecisionRequest,
    HistoryEntry,
    ReopenRequest,
    VersionOut,
    WithdrawRequest,
)
from services.applications.service import Upstreams
from services.applications.workflow import Status
from shared.app import DbSession
from shared.auth import CurrentPrincipal, Principal, require_roles
from shared.db import Database
from shared.idempotency import Idempotent, idempotency
from shared.pagination import Page, PageParams, page_params
from shared.problems import ProblemError, problem_responses
from shared.schemas.applications import ApplicationContent
from shared.schemas.eligibility import Report

Idempotency = Annotated[Idempotent, Depends(idempotency(idempotency_keys))]
"""POSTs that create or move state or money: `Idempotency-Key` replays the first result."""

router = APIRouter(prefix="/v1", tags=["applications"])

ApplicationId = Annotated[UUID, Path(description="The application's id")]
AcceptLanguage = Annotated[str | None, Header(description="Language of the eligibility messages (sv, nb, en)")]
Body_ = Annotated[
    ApplicationContent,
    Body(
        openapi_examples={
            "gron-industrivaxt": {"summary": "Grön industriväxt (Värmland – Kongsvinger)", "value": GRON_INDUSTRIVAXT},
        }
    ),
]
Applicant = Annotated[Principal, Depends(require_roles("applicant", "admin"))]
Staff = Annotated[Principal, Depends(require_roles("officer", "admin"))]
Params = Annotated[PageParams, Depends(page_params)]

READ = problem_responses(401, 404)
JSON_VERBATIM = {"description": "The stored JSON, byte for byte", "content": {"application/json": {}}}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _up(request: Request) -> Upstreams:
    up: Upstreams = request.app.state.upstreams
    return up


def _idempotency(principal: Principal, request: Request, key: str | None) -> tuple[str, str | None]:
    # The same scope that shared.idempotency.run_idempotent records the key under.
    return f"{principal.sub}|{request.method} {request.url.path}", key


def _filters(
    request: Request,
    status: Annotated[Status | None, Query(description="Only applications in this status")] = None,
    programme: Annotated[str | None, Query(examples=["interreg-se-no-2021-2027"])] = None,
    call_id: Annotated[UUID | None, Query()] = None,
    specific_objective: Annotated[str | None, Query(examples=["1B"])] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="Any partner in this country")] = None,
    submitted_from: Annotated[
        dt.date | None, Query(description="First submitted on or after (Europe/Stockholm)")
    ] = None,
    submitted_to: Annotated[
        dt.date | None, Query(description="First submitted on or before (Europe/Stockholm)")
    ] = None,
) -> ListFilters:
    """The list filters shared by the JSON list and its CSV export."""
    return service.list_filters(
        _settings(request),
        status=status,
        programme=programme,
        call_id=str(call_id) if call_id else None,
        specific_objective=specific_objective,
        country=country,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
    )


Filters = Annotated[ListFilters, Depends(_filters)]


def _bearer(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2]


def _location(body: dict[str, Any]) -> dict[str, str]:
    return {"Location": f"/v1/applications/{body['id']}"}


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    responses={**problem_responses(401, 403, 422), 201: {"description": "Created; `Location` names it"}},
)
async def create_application(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Applicant,
    body: Body_,
) -> JSONResponse:
    """Create a draft application (an applicant). Only structure is checked here (types, codes' shapes,
    amounts not negative, one currency per partner, at most one lead partner, end not before start);
    the programme's rules are reported by the eligibility check (`pre-check`, and at submission)."""
    return await idempotent(
        work=lambda: service.create(session, principal, body),
        status_code=201,
        headers=_location,
    )


@router.get("/applications", response_model=Page[ApplicationOut], responses=problem_responses(401, 422))
async def list_applications(
    session: DbSession, principal: CurrentPrincipal, params: Params, filters: Filters
) -> Page[ApplicationOut]:
    """Applications, newest first (cursor pagination). Applicants see their own (and their
    organisation's); officers and admins see all."""
    return await service.list_page(session, principal, filters, params)


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
    rows = await service.export_rows(session, principal, filters)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="applications.csv"'},
    )


@router.get("/applications/{application_id}", response_model=ApplicationOut, responses=READ)
async def get_application(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId
) -> ApplicationOut:
    """One application with its status, reference and what the workflow allows next."""
    return await service.get(session, principal, str(application_id))


@router.put(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_application(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, body: Body_
) -> ApplicationOut:
    """Replace the body of a draft (the owning applicant). Anything but a draft is 409."""
    return await service.update(session, principal, str(application_id), body)


@router.post(
    "/applications/{application_id}/pre-check", response_model=Report, responses=problem_responses(401, 404, 503)
)
async def pre_check(
    request: Request, principal: CurrentPrincipal, application_id: ApplicationId, accept_language: AcceptLanguage = None
) -> Report:
    """The eligibility report for the application as it stands today (Europe/Stockholm). Nothing is
    changed or stored. A failed rule is a 200 with `eligible: false`."""
    return await service.pre_check(
        _db(request), _up(request), _settings(request), principal, str(application_id), accept_language
    )


@router.post(
    "/applications/{application_id}/submit",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def submit_application(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    accept_language: AcceptLanguage = None,
) -> JSONResponse:
    """Submit a draft (the owning applicant), only while its call is open (409 naming the window
    otherwise). Freezes the next numbered version, gives the reference at the first submission
    (`SE-NO-2022-0001`), stores the eligibility report with the version and moves the application to
    `eligible` or `ineligible` as the report says. If the catalogue or the eligibility service cannot
    be reached: 503 and nothing is stored. A retry with the same `Idempotency-Key` returns the same
    answer and makes no second version."""
    idem = _idempotency(principal, request, idempotent.key)
    plan = await service.prepare_submission(
        _db(request),
        _up(request),
        _settings(request),
        principal,
        str(application_id),
        idempotency=idem,
        accept_language=accept_language,
    )

    async def work() -> ApplicationOut:
        if plan is None:  # only reached if the key's row vanished in between: redo it from the start
            raise ProblemError("retry the request", status=409, slug="retry")
        return await service.submit(session, _settings(request), principal, plan)

    return await idempotent(work=work)


@router.get(
    "/applications/{application_id}/eligibility",
    response_class=Response,
    responses={**READ, 200: {"model": Report, **JSON_VERBATIM}},
)
async def get_eligibility(session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId) -> Response:
    """The eligibility report stored with the latest submitted version (404 before the first submission)."""
    return Response(await service.latest_report(session, principal, str(application_id)), media_type="application/json")


@router.get(
    "/applications/{application_id}/versions",
    response_class=Response,
    responses={**problem_responses(401, 404, 422), 200: {"model": Page[VersionOut], **JSON_VERBATIM}},
)
async def list_versions(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, params: Params
) -> Response:
    """The submitted versions (1, 2, …), each exactly as frozen at its submission."""
    return Response(
        await service.versions_page(session, principal, str(application_id), params), media_type="application/json"
    )


@router.get(
    "/applications/{application_id}/versions/{number}",
    response_class=Response,
    responses={**READ, 200: {"model": VersionOut, **JSON_VERBATIM}},
)
async def get_version(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, number: Annotated[int, Path(ge=1)]
) -> Response:
    """One submitted version, byte for byte as stored at its submission (it never changes)."""
    return Response(
        await service.version_document(session, principal, str(application_id), number), media_type="application/json"
    )


@router.get(
    "/applications/{application_id}/history",
    response_model=Page[HistoryEntry],
    responses=problem_responses(401, 404, 422),
)
async def get_history(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, params: Params
) -> Page[HistoryEntry]:
    """Every status change, oldest first: from, to, action, actor (token subject or
    `system:eligibility`), role, time and reason."""
    return await service.history_page(session, principal, str(application_id), params)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def decide(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: DecisionRequest,
) -> JSONResponse:
    """An officer's decision. `approved` (only from `eligible`) commits the requested ERDF and NO-STATE
    money in the budget on the priority of the specific objective; if the budget refuses, 409 with
    its reason and the application stays `eligible`. `rejected` (from `eligible` or `ineligible`)
    needs a reason."""
    idem = _idempotency(principal, request, idempotent.key)
    up, settings = _up(request), _settings(request)
    plan = await service.prepare_decision(
        _db(request), up, principal, str(application_id), body, idempotency=idem, bearer=_bearer(request)
    )

    async def work() -> ApplicationOut:
        if plan is None:
            raise ProblemError("retry the request", status=409, slug="retry")
        return await service.decide(session, principal, plan)

    try:
        return await idempotent(
            work=work,
        )
    except ProblemError:
        if plan is not None and plan.commitment_id:
            await session.rollback()  # release no lock-holding transaction while calling the budget
            await service.undo_commitment(_db(request), up, settings, plan)
        raise


@router.post(
    "/applications/{application_id}/reopen",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reopen(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: ReopenRequest,
) -> JSONResponse:
    """An officer returns an `ineligible` application to `draft` so the applicant can complete it; the
    next submission makes the next version with the same reference."""
    return await idempotent(
        work=lambda: service.reopen(session, principal, str(application_id), body.reason),
    )


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def withdraw(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: Annotated[WithdrawRequest | None, Body()] = None,
) -> JSONResponse:
    """The owning applicant withdraws the application (from draft, submitted, eligible or ineligible;
    the reason is optional). Any budget commitment recorded for it is released."""
    idem = _idempotency(principal, request, idempotent.key)
    plan = await service.prepare_withdrawal(
        _db(request), _up(request), _settings(request), principal, str(application_id), body, idempotency=idem
    )

    async def work() -> ApplicationOut:
        if plan is None:
            raise ProblemError("retry the request", status=409, slug="retry")
        return await service.withdraw(session, principal, plan)

    return await idempotent(work=work)
