"""Project reports: one per reporting period, joint progress written by the owners; each owner submits its
side with the certified partner reports of its side it includes; once every side with a lead partner has,
the report is `submitted`; an officer (the joint secretariat) verifies it, which — in the same
transaction — records the claims it owes the budget, one per fund (`budget.claim`, business key
`project-report:<id>:<fund>`), delivered by the outbox:

- **ERDF** (Swedish side), in EUR: round_minor(ERDF financing ÷ Swedish eligible costs of the baseline ×
  Σ certified Swedish expenditure in EUR), each partner report's certified total converted at the rate
  stored on it at its submission (Regulation (EU) 2021/1059 Art. 39);
- **NO-STATE** (Norwegian side), in NOK: the same with the Norwegian state funds and the certified NOK.

The fund's share is computed exactly and rounded once, half up, to the cent (`shared.money.round_minor`);
the budget caps it by what remains of the commitment's line.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as app_repo
from services.applications.outbound import events
from services.applications.outbound.kinds import MessageKind
from services.applications.projects import repository as repo
from services.applications.projects.baseline import (
    CLAIM_CURRENCY,
    FUND_OF_SIDE,
    Project,
    baseline_content,
    record,
    require_owner,
    visible,
)
from services.applications.projects.errors import (
    AlreadyExists,
    InvalidProjectData,
    NotApproved,
    ProjectNotFound,
    ProjectReportNotFound,
    ReportsNotCertified,
    StatusDoesNotAllow,
)
from services.applications.projects.models import ProjectClaim, ProjectReport
from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.schemas import ProjectReportCreate, ProjectReportOut, ProjectReportSubmit
from services.applications.projects.reporting.totals import certified_eur, certified_in, currency_totals, flat_options
from services.applications.projects.states import (
    ProjectReportAction,
    ProjectReportStatus,
    ProjectStatus,
    ReportStatus,
    project_report_next,
)
from services.applications.projects.views import project_report_out
from shared.auth import Principal
from shared.money import decimal_str, round_minor
from shared.outbox_records import Wake
from shared.problems import FieldError, Forbidden

RATE_PLACES = Decimal("0.0000000001")


def subject(report: ProjectReport) -> str:
    return f"project-report:{report.id}"


def claim_key(report_id: str, fund: str) -> str:
    return f"project-report:{report_id}:{fund}"


async def _visible(
    session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime, for_update: bool = False
) -> tuple[Project, ProjectReport]:
    report = await repo.project_report(session, report_id, for_update=for_update)
    if report is None:
        raise ProjectReportNotFound(
            {
                "sv": f"ingen projektrapport {report_id}",
                "nb": f"ingen prosjektrapport {report_id}",
                "en": f"no project report {report_id}",
            }
        )
    try:
        project = await visible(session, principal, report.application_id, now=now, for_update=for_update)
    except ProjectNotFound:
        raise ProjectReportNotFound(
            {
                "sv": f"ingen projektrapport {report_id}",
                "nb": f"ingen prosjektrapport {report_id}",
                "en": f"no project report {report_id}",
            }
        ) from None
    return project, report


async def create(
    session: AsyncSession, principal: Principal, project_id: str, body: ProjectReportCreate, *, now: dt.datetime
) -> ProjectReportOut:
    project = await visible(session, principal, project_id, now=now, for_update=True)
    sides = project.owner_sides(principal)
    role = require_owner(project, principal, next(iter(sorted(sides)), None))
    if project.contract.status != ProjectStatus.CONTRACTED:
        raise StatusDoesNotAllow(f"the project is {project.contract.status}", current_status=project.contract.status)
    period = next((p for p in await repo.periods(session, project.id) if p.number == body.period), None)
    if period is None:
        raise InvalidProjectData(
            f"the contract has no reporting period {body.period}",
            errors=[FieldError(field="period", message="no such reporting period")],
        )
    if any(r.period == body.period for r in await repo.project_reports(session, project.id)):
        raise AlreadyExists(f"the project has a report for period {body.period} already")
    report = ProjectReport(
        id=str(uuid.uuid4()),
        application_id=project.id,
        period=body.period,
        final=period.final,
        status=ProjectReportStatus.DRAFT.value,
        baseline_version=project.contract.baseline_version,
        progress=body.progress,
        submitted={},
        created_by=principal.sub,
        created_at=now,
        revision=1,
    )
    repo.add(session, report)
    record(
        session,
        project.id,
        subject(report),
        "create",
        actor=principal.sub,
        role=role,
        at=now,
        to_status=report.status,
        reason=f"period {body.period}"
        + (" (final)" if period.final else "")
        + f", under version {project.contract.baseline_version}",
    )
    await session.flush()
    return await project_report_out(session, report)


async def submit_side(
    session: AsyncSession, principal: Principal, report_id: str, body: ProjectReportSubmit, *, now: dt.datetime
) -> ProjectReportOut:
    project, report = await _visible(session, principal, report_id, now=now, for_update=True)
    project_report_next(report.status, ProjectReportAction.SUBMIT_SIDE)
    sides = sorted(project.owner_sides(principal))
    if not sides:
        raise Forbidden("only a project owner submits its side of the project report")
    ids = sorted({str(i) for i in body.partner_reports})
    reports = await repo.partner_reports_by_id(session, ids)
    found = {r.id: r for r in reports if r.application_id == project.id}
    errors: list[FieldError] = []
    for i, rid in enumerate(ids):
        r = found.get(rid)
        field = f"partner_reports.{i}"
        if r is None:
            errors.append(FieldError(field=field, message=f"no partner report {rid} in the project"))
        elif r.side not in sides:
            errors.append(FieldError(field=field, message=f"{rid} is of the {r.side} side, not yours"))
        elif r.period != report.period:
            errors.append(FieldError(field=field, message=f"{rid} is of period {r.period}"))
        elif r.status != ReportStatus.CERTIFIED:
            errors.append(FieldError(field=field, message=f"{rid} is {r.status}, not certified"))
        elif r.project_report_id not in (None, report.id):
            errors.append(FieldError(field=field, message=f"{rid} is included in another project report"))
    if errors:
        raise ReportsNotCertified("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    side = {found[rid].side for rid in ids}.pop() if len({found[rid].side for rid in ids}) == 1 else sides[0]
    await repo.include(session, ids, report.id)
    report.submitted = {**report.submitted, side: {"by": principal.sub, "at": now.isoformat()}}
    leads = set(project.leads())
    action = ProjectReportAction.SUBMIT if leads <= set(report.submitted) else ProjectReportAction.SUBMIT_SIDE
    target = project_report_next(report.status, action)
    record(
        session,
        project.id,
        subject(report),
        action,
        actor=principal.sub,
        role="owner",
        at=now,
        from_status=report.status,
        to_status=target,
        reason=f"{side} side: {len(ids)} certified partner reports",
    )
    report.status, report.revision = target, report.revision + 1
    if action == ProjectReportAction.SUBMIT:
        await events.project_report(session, report, events.EventType.PROJECT_REPORT_SUBMITTED, at=now)
    await session.flush()
    return await project_report_out(session, report)


async def claims_owed(session: AsyncSession, project: Project, report: ProjectReport) -> list[dict[str, object]]:
    """The claims of a verified project report, per fund (those with certified expenditure), at the
    co-financing of the approved version the report was made under (a later approved change leaves it)."""
    if report.baseline_version != project.contract.baseline_version:
        content = await baseline_content(session, project.app, report.baseline_version)
        project = Project(app=project.app, contract=project.contract, content=content)
    certified: dict[str, Decimal] = {fund: Decimal(0) for fund in FUND_OF_SIDE.values()}
    for r in await repo.included(session, report.id):
        totals = currency_totals(
            await lines_repo.line_sums(session, r.id), flat_options(project.partner(r.partner)), r.rates
        )
        if r.side == "SE":
            eur = certified_eur(totals)
            certified["ERDF"] += eur.amount if eur else Decimal(0)
        elif r.side == "NO":
            certified["NO-STATE"] += certified_in(totals, "NOK")
    out: list[dict[str, object]] = []
    for fund, (money, costs) in project.co_financing().items():
        currency = CLAIM_CURRENCY[fund]
        amount = round_minor(money * certified[fund] / costs, currency)
        if amount <= 0:
            continue
        out.append(
            {
                "key": claim_key(report.id, fund),
                "commitment_id": project.app.commitment_id,
                "fund": fund,
                "amount": {"amount": decimal_str(amount), "currency": currency},
                "certified": {"amount": decimal_str(certified[fund]), "currency": currency},
                "co_financing_rate": decimal_str((money / costs).quantize(RATE_PLACES).normalize()),
                "project_report_id": report.id,
                "period": report.period,
                "final": report.final,
                "application_version": report.baseline_version,
            }
        )
    return out


async def verify(
    session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime, wake: Wake
) -> ProjectReportOut:
    if not (principal.has("officer") or principal.has("admin")):
        raise Forbidden("only an officer of the joint secretariat verifies a project report")
    project, report = await _visible(session, principal, report_id, now=now, for_update=True)
    target = project_report_next(report.status, ProjectReportAction.VERIFY)
    if project.app.commitment_id is None:
        raise NotApproved("the project's commitment is not accepted by the budget: no claim can be made")
    owed = await claims_owed(session, project, report)
    for claim in owed:
        money = claim["amount"]
        assert isinstance(money, dict)
        await _enqueue(session, project, claim, at=now, wake=wake)
        repo.add(
            session,
            ProjectClaim(
                project_report_id=report.id,
                fund=str(claim["fund"]),
                key=str(claim["key"]),
                amount=Decimal(money["amount"]),
                currency=money["currency"],
                state="pending",
            ),
        )
    summary = ", ".join(f"{c['fund']} {c['amount']['amount']} {c['amount']['currency']}" for c in owed)  # type: ignore[index]
    record(
        session,
        project.id,
        subject(report),
        ProjectReportAction.VERIFY,
        actor=principal.sub,
        role="officer",
        at=now,
        from_status=report.status,
        to_status=target,
        reason=f"claims owed under version {report.baseline_version}: {summary or 'none'}",
    )
    report.status, report.verified_by, report.verified_at = target, principal.sub, now
    report.revision += 1
    await events.project_report(session, report, events.EventType.PROJECT_REPORT_VERIFIED, at=now)
    await session.flush()
    return await project_report_out(session, report)


async def _enqueue(
    session: AsyncSession, project: Project, claim: dict[str, object], *, at: dt.datetime, wake: Wake
) -> None:
    await app_repo.enqueue(
        session,
        kind=MessageKind.CLAIM,
        key=str(claim["key"]),
        aggregate=project.id,
        payload={**claim, "commitment_id": str(claim["commitment_id"])},
        at=at,
        wake=wake,
    )


async def read(session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime) -> ProjectReportOut:
    _, report = await _visible(session, principal, report_id, now=now)
    return await project_report_out(session, report)


async def list_for_project(
    session: AsyncSession, principal: Principal, project_id: str, *, now: dt.datetime
) -> list[ProjectReportOut]:
    project = await visible(session, principal, project_id, now=now)
    return [await project_report_out(session, r) for r in await repo.project_reports(session, project.id)]
