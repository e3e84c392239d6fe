"""Tag `project-reports`: the joint report of a period — each owner submits its side with its certified
partner reports; the secretariat verifies it, which owes the budget one claim per fund."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from services.applications.projects.reporting import project_reports
from services.applications.projects.reporting.schemas import ProjectReportCreate, ProjectReportOut, ProjectReportSubmit
from services.applications.routes.dependencies import ApplicationId, WakeRelay
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.problems import problem_responses

TAG = {
    "name": "project-reports",
    "description": "Project reports per period: both owners submit, the secretariat verifies",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
ReportId = Annotated[UUID, Path(description="The project report's id")]


@router.post(
    "/projects/{application_id}/project-reports",
    status_code=201,
    response_model=ProjectReportOut,
    responses={**problem_responses(401, 403, 404, 409, 422), **created()},
)
async def create_project_report(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: ProjectReportCreate,
    now: Now,
) -> JSONResponse:
    """An owner opens the project report of a period of the contract, with the joint progress text."""
    return await idempotent(
        work=lambda: project_reports.create(idempotent.session, principal, str(application_id), body, now=now),
        status_code=201,
        headers=lambda b: {"Location": f"/v1/project-reports/{b['id']}"},
    )


@router.get(
    "/projects/{application_id}/project-reports",
    response_model=list[ProjectReportOut],
    responses=problem_responses(401, 404),
)
async def list_project_reports(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, now: Now
) -> list[ProjectReportOut]:
    """The project's reports, one per reporting period, in period order (its owners, officers, finance)."""
    return await project_reports.list_for_project(session, principal, str(application_id), now=now)


@router.get("/project-reports/{report_id}", response_model=ProjectReportOut, responses=problem_responses(401, 404))
async def get_project_report(
    session: DbSession, principal: CurrentPrincipal, report_id: ReportId, now: Now
) -> ProjectReportOut:
    """The report, the partner reports it includes, and the claims it owes (pending, submitted, refused)."""
    return await project_reports.read(session, principal, str(report_id), now=now)


@router.post(
    "/project-reports/{report_id}/submit",
    response_model=ProjectReportOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def submit_project_report(
    idempotent: Idempotency, principal: CurrentPrincipal, report_id: ReportId, body: ProjectReportSubmit, now: Now
) -> JSONResponse:
    """An owner submits its side, including its side's certified partner reports of the period (409
    `partner-reports-not-certified` naming each that is not); when every side has, the report is submitted."""
    return await idempotent(
        work=lambda: project_reports.submit_side(idempotent.session, principal, str(report_id), body, now=now)
    )


@router.post(
    "/project-reports/{report_id}/verification",
    response_model=ProjectReportOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def verify_project_report(
    idempotent: Idempotency, wake: WakeRelay, principal: CurrentPrincipal, report_id: ReportId, now: Now
) -> JSONResponse:
    """An officer verifies the submitted report: in the same transaction the claims are owed to the budget,
    one per fund with certified expenditure (ERDF in EUR, NO-STATE in NOK: the fund's share of the baseline
    × the certified expenditure, rounded once), delivered by the outbox (business key
    `project-report:<id>:<fund>`)."""
    return await idempotent(
        work=lambda: project_reports.verify(idempotent.session, principal, str(report_id), now=now, wake=wake)
    )
