"""Tag `control`: first-level control of a partner report — start, verify each line, complete, and the
certificate by a second person."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse

from services.applications.projects.reporting import control
from services.applications.projects.reporting.schemas import LineOut, PartnerReportOut, Verification
from services.applications.projects.texts import language_of
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.problems import problem_responses

TAG = {"name": "control", "description": "First-level control: verification of lines, completion, certificate"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
ReportId = Annotated[UUID, Path(description="The partner report's id")]
LineNumber = Annotated[int, Path(ge=1, le=2_147_483_647)]
Language = Annotated[str | None, Header(alias="Accept-Language", description="sv, nb or en: the language of refusals")]


@router.post(
    "/partner-reports/{report_id}/control",
    response_model=PartnerReportOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def start_partner_report_control(
    idempotent: Idempotency, principal: CurrentPrincipal, report_id: ReportId, now: Now
) -> JSONResponse:
    """The partner's assigned controller starts the control of a submitted report."""
    return await idempotent(work=lambda: control.start(idempotent.session, principal, str(report_id), now=now))


@router.put(
    "/partner-reports/{report_id}/lines/{number}/verification",
    response_model=LineOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def verify_partner_report_line(
    session: DbSession,
    principal: CurrentPrincipal,
    report_id: ReportId,
    number: LineNumber,
    body: Verification,
    now: Now,
) -> LineOut:
    """The controller's verdict on a line (replacing an earlier one): certified and deducted add up to the
    declared amount; a deduction has a typology and a comment; or the line is parked to a later report."""
    return await control.verify(session, principal, str(report_id), number, body, now=now)


@router.post(
    "/partner-reports/{report_id}/control/completion",
    response_model=PartnerReportOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def complete_partner_report_control(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    report_id: ReportId,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """The controller completes the control: 409 `control-incomplete` while a line is not verified."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: control.complete(idempotent.session, principal, str(report_id), now=now, language=language)
    )


@router.post(
    "/partner-reports/{report_id}/control/certificate",
    response_model=PartnerReportOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def certify_partner_report(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    report_id: ReportId,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """A second person — an officer or another controller of the partner's country — issues the certificate;
    the controller who completed the control is a 403 `four-eyes`."""
    language = language_of(accept_language)
    return await idempotent(
        work=lambda: control.certify(idempotent.session, principal, str(report_id), now=now, language=language)
    )
