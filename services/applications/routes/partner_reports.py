"""Tag `partner-reports`: a partner's report per period — progress, expenditure lines (one by one, paged,
deleted, or imported as CSV), the computed totals, submission (the rate stored) and reopening."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Path, Request
from fastapi.responses import JSONResponse, Response

from services.applications.projects.reporting import lines, partner_reports, sums
from services.applications.projects.reporting.schemas import (
    LINE_EXAMPLE,
    ImportResult,
    LineIn,
    LineOut,
    PartnerReportCreate,
    PartnerReportOut,
    PartnerReportReopenRequest,
    ProgressUpdate,
    SumsCheck,
)
from services.applications.projects.texts import language_of
from services.applications.routes.dependencies import ApplicationId, Db, Up
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.etags import IfMatch, IfNoneMatch, conditional, not_modified, tagged
from shared.idempotency import Idempotency
from shared.openapi import created, csv_body
from shared.pagination import Page, Paging
from shared.problems import problem_responses

TAG = {"name": "partner-reports", "description": "Partner reports: progress, expenditure lines, totals, submission"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
ReportId = Annotated[UUID, Path(description="The partner report's id")]
LineNumber = Annotated[int, Path(ge=1, le=2_147_483_647, description="The line's number in the report")]
Language = Annotated[str | None, Header(alias="Accept-Language", description="sv, nb or en: the language of refusals")]
CSV_EXAMPLE = (
    "category,cost_option,invoice_number,invoice_date,payment_date,supplier,description,amount,currency,vat\r\n"
    "staff,,LÖN-2025-09,2025-09-30,2025-09-30,Region Värmland,September salaries,48000.00,SEK,\r\n"
    "travel-accommodation,,F-2025-0412,2025-09-03,2025-09-20,SJ AB,Train to Kongsvinger,1250.00,SEK,75.00\r\n"
)


def _location(body: dict[str, object]) -> dict[str, str]:
    return {"Location": f"/v1/partner-reports/{body['id']}"}


@router.post(
    "/projects/{application_id}/partner-reports",
    status_code=201,
    response_model=PartnerReportOut,
    responses={**problem_responses(401, 403, 404, 409, 422), **created()},
)
async def create_partner_report(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: PartnerReportCreate,
    now: Now,
) -> JSONResponse:
    """The owner of the partner's side opens its report for a period of the contract (409 if it exists);
    lines the partner's earlier certified reports parked are carried in, to be controlled again."""
    return await idempotent(
        work=lambda: partner_reports.create(idempotent.session, principal, str(application_id), body, now=now),
        status_code=201,
        headers=_location,
    )


@router.get(
    "/projects/{application_id}/partner-reports",
    response_model=list[PartnerReportOut],
    responses=problem_responses(401, 404),
)
async def list_partner_reports(
    session: DbSession, principal: CurrentPrincipal, application_id: ApplicationId, now: Now
) -> list[PartnerReportOut]:
    """The project's partner reports the caller may see (a controller: those of its partners)."""
    return await partner_reports.list_for_project(session, principal, str(application_id), now=now)


@router.get(
    "/partner-reports/{report_id}",
    response_model=PartnerReportOut,
    responses={**problem_responses(401, 404), **conditional(read=True)},
)
async def get_partner_report(
    session: DbSession,
    principal: CurrentPrincipal,
    report_id: ReportId,
    now: Now,
    request: Request,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> PartnerReportOut | Response:
    """The report with its totals per currency — declared per category, flat rates computed from the
    declared and the certified base, certified, deducted, parked, and (Swedish side, submitted) the
    certified total in EUR at the stored rate — all derived from the lines: read from the sums kept with
    every change of a line (a row per category and currency, whatever the number of lines; checked
    against the lines by `…/totals/check`). A controller sees only its partners' reports (404 otherwise).
    Its `ETag` is what `PATCH` sends as `If-Match`; `If-None-Match` with it is a 304."""
    out, etag = await partner_reports.read(session, principal, str(report_id), now=now)
    return not_modified(request, etag) or tagged(response, etag, out)


@router.get(
    "/partner-reports/{report_id}/totals/check",
    response_model=SumsCheck,
    responses=problem_responses(401, 403, 404),
)
async def check_partner_report_sums(
    session: DbSession, principal: CurrentPrincipal, report_id: ReportId, now: Now
) -> SumsCheck:
    """The kept sums the report's totals read, against the sums counted from its lines (secretariat and
    finance): `consistent` with no `differences` unless something wrote lines around the code that keeps
    them. Counts every line of the report: a check, not a read for every page."""
    return await sums.check(session, principal, str(report_id), now=now)


@router.patch(
    "/partner-reports/{report_id}",
    response_model=PartnerReportOut,
    responses={**problem_responses(401, 403, 404, 409, 422), **conditional()},
)
async def update_partner_report_progress(
    session: DbSession,
    principal: CurrentPrincipal,
    report_id: ReportId,
    body: ProgressUpdate,
    now: Now,
    response: Response,
    if_match: IfMatch = None,
) -> PartnerReportOut:
    """The owner changes the progress text of a draft, on its current state: `If-Match` with the report's
    `ETag` (428 without, 412 naming the current one when the other owner or a line changed it since)."""
    out, etag = await partner_reports.update_progress(
        session, principal, str(report_id), body.progress, now=now, if_match=if_match
    )
    return tagged(response, etag, out)


@router.post(
    "/partner-reports/{report_id}/lines",
    status_code=201,
    response_model=LineOut,
    responses={**problem_responses(401, 403, 404, 409, 422), 201: {"description": "Added"}},
)
async def add_partner_report_line(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    report_id: ReportId,
    body: Annotated[LineIn, Body(openapi_examples={"travel": {"value": LINE_EXAMPLE}})],
    now: Now,
) -> JSONResponse:
    """The owner adds a line to a draft. 422 for a flat rate typed (computed, never typed), a Norwegian-side
    line not in NOK, VAT above the amount."""
    return await idempotent(
        work=lambda: lines.add(idempotent.session, principal, str(report_id), body, now=now), status_code=201
    )


@router.get(
    "/partner-reports/{report_id}/lines", response_model=Page[LineOut], responses=problem_responses(401, 404, 422)
)
async def list_partner_report_lines(
    session: DbSession, principal: CurrentPrincipal, report_id: ReportId, params: Paging, now: Now
) -> Page[LineOut]:
    """The lines by number, keyset-paged (the same cost on any page, whatever the report's size)."""
    return await lines.page(session, principal, str(report_id), params, now=now)


@router.delete(
    "/partner-reports/{report_id}/lines/{number}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_partner_report_line(
    session: DbSession, principal: CurrentPrincipal, report_id: ReportId, number: LineNumber, now: Now
) -> Response:
    """The owner deletes a line of a draft (numbers are never reused)."""
    await lines.remove(session, principal, str(report_id), number, now=now)
    return Response(status_code=204)


@router.post(
    "/partner-reports/{report_id}/lines/import",
    response_model=ImportResult,
    responses=problem_responses(401, 403, 404, 409, 413, 422),
    openapi_extra=csv_body(CSV_EXAMPLE),
)
async def import_partner_report_lines(
    request: Request,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    report_id: ReportId,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """The owner imports lines from CSV (`text/csv`, UTF-8, header row; columns in `projects/lines.py`). All
    rows or none: a bad row is a 422 whose `errors` name the row (the header is row 1) and the field. The
    body is bounded by `APPLICATIONS_MAX_BODY_BYTES` (1 MiB by default: about 10,000 short lines)."""
    language = language_of(accept_language)
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\ufffd"
    return await idempotent(
        work=lambda: lines.import_csv(idempotent.session, principal, str(report_id), text, now=now, language=language)
    )


@router.post(
    "/partner-reports/{report_id}/submit",
    response_model=PartnerReportOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def submit_partner_report(
    db: Db,
    up: Up,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    report_id: ReportId,
    now: Now,
    accept_language: Language = None,
) -> JSONResponse:
    """The owner submits the report to its controller: its next immutable version. Swedish side: each
    currency other than EUR is converted at the Commission's monthly accounting rate of this month
    (Regulation (EU) 2021/1059 Art. 39) as the budget names it — stored on the report, never recomputed;
    409 `exchange-rate-missing` naming the month when the budget has none (nothing changes). Norwegian side:
    NOK, no conversion."""
    language = language_of(accept_language)
    plan = await partner_reports.prepare_submit(db, up, principal, str(report_id), now=now, language=language)
    return await idempotent(
        work=lambda: partner_reports.submit(idempotent.session, principal, str(report_id), plan, now=now)
    )


@router.post(
    "/partner-reports/{report_id}/reopen",
    response_model=PartnerReportOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reopen_partner_report(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    report_id: ReportId,
    body: PartnerReportReopenRequest,
    now: Now,
) -> JSONResponse:
    """One explicit action, with its reason in the history: an officer or the assigned controller reopens a
    submitted report or one in control (back to `draft` for its owner), or a completed or certified control
    (back to `in-control`). 409 once a project report includes it."""
    return await idempotent(
        work=lambda: partner_reports.reopen(idempotent.session, principal, str(report_id), body.reason, now=now)
    )
