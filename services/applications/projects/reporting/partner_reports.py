"""Partner reports: one per partner and reporting period, written by the owner of the partner's side.

- **create**: the project is `contracted`, the period is the contract's; lines the partner's certified
  reports parked are carried in (`parked_from`), to be controlled again.
- **submit** (prepare → apply): the report becomes its next immutable version (`partner_report_versions`:
  the digest of its lines and the rates). Swedish side (ERDF): each currency other than EUR gets the rate
  the budget converts at for the instant of the submission (`BudgetClient.conversion_rate`: the Commission's
  monthly accounting rate of the month in which the expenditure is submitted to the controller — the
  issue's Regulation (EU) 2021/1059 Art. 39, whose own text was not found: `totals.py` says what was),
  stored on the report and never recomputed; a month without a rate is a 409 naming it, and nothing changes. Norwegian side: lines are in NOK (the Norwegian state funds are
  paid in NOK; another currency is refused when the line is entered), no conversion.
- **reopen** (one explicit action with a reason, in the history): by an officer or the assigned controller;
  a submitted report or one in control goes back to `draft` for its owner; a completed or certified control
  goes back to `in-control`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.errors import ConcurrentChange
from services.applications.outbound import events
from services.applications.outbound.upstreams import Upstreams
from services.applications.projects import repository as repo
from services.applications.projects.baseline import Project, controls, load, record, require_owner, visible
from services.applications.projects.errors import (
    AlreadyExists,
    ExchangeRateMissing,
    InvalidProjectData,
    PartnerReportNotFound,
    ReportIncluded,
    StatusDoesNotAllow,
)
from services.applications.projects.models import PartnerReport, PartnerReportVersion
from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.schemas import PartnerReportCreate, PartnerReportOut
from services.applications.projects.states import ProjectStatus, ReportAction, ReportStatus, report_next
from services.applications.projects.texts import say
from services.applications.projects.views import partner_report_etag, partner_report_out
from shared.auth import Principal
from shared.clients.budget import RateMissing
from shared.db import Database
from shared.etags import require_match
from shared.money import rate_str
from shared.problems import FieldError, Forbidden


def subject(report: PartnerReport) -> str:
    return f"partner-report:{report.id}"


async def may_see(session: AsyncSession, project: Project, principal: Principal, report: PartnerReport) -> bool:
    """Staff, finance and the project's owners see its partner reports; a controller those of its partners,
    and — to issue a certificate as the second person — a completed control of its country's partners."""
    if principal.is_staff or principal.has("finance") or project.owner_sides(principal):
        return True
    if report.partner in await controls(session, project, principal):
        return True
    if principal.has("controller") and report.status in (ReportStatus.CONTROL_COMPLETED, ReportStatus.CERTIFIED):
        registered = await repo.controller(session, project.app.programme, principal.sub)
        return registered is not None and registered.country == report.side
    return False


async def visible_report(
    session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime, for_update: bool = False
) -> tuple[Project, PartnerReport]:
    report = await repo.partner_report(session, report_id, for_update=for_update)
    if report is None:
        raise PartnerReportNotFound(
            {
                "sv": f"ingen partnerrapport {report_id}",
                "nb": f"ingen partnerrapport {report_id}",
                "en": f"no partner report {report_id}",
            }
        )
    project = await load(session, report.application_id, now=now, for_update=for_update)
    if not await may_see(session, project, principal, report):
        raise PartnerReportNotFound(
            {
                "sv": f"ingen partnerrapport {report_id}",
                "nb": f"ingen partnerrapport {report_id}",
                "en": f"no partner report {report_id}",
            }
        )
    return project, report


def move(
    session: AsyncSession,
    report: PartnerReport,
    action: ReportAction,
    *,
    actor: str,
    role: str,
    at: dt.datetime,
    reason: str | None = None,
) -> None:
    target = report_next(report.status, action)
    record(
        session,
        report.application_id,
        subject(report),
        action,
        actor=actor,
        role=role,
        at=at,
        from_status=report.status,
        to_status=target,
        reason=reason,
    )
    report.status = target
    report.revision += 1


async def create(
    session: AsyncSession, principal: Principal, project_id: str, body: PartnerReportCreate, *, now: dt.datetime
) -> PartnerReportOut:
    project = await visible(session, principal, project_id, now=now, for_update=True)
    partner = project.partner(body.partner)
    if partner is None:
        raise InvalidProjectData(
            f"the baseline has no partner {body.partner}",
            errors=[FieldError(field="partner", message="no such partner")],
        )
    side = project.side_of(body.partner)
    role = require_owner(project, principal, side)
    if project.contract.status != ProjectStatus.CONTRACTED:
        raise StatusDoesNotAllow(
            f"the project is {project.contract.status}: partner reports start once it is contracted",
            current_status=project.contract.status,
        )
    if body.period not in {p.number for p in await repo.periods(session, project.id)}:
        raise InvalidProjectData(
            f"the contract has no reporting period {body.period}",
            errors=[FieldError(field="period", message="no such reporting period")],
        )
    if any(
        r.partner == body.partner and r.period == body.period for r in await repo.partner_reports(session, project.id)
    ):
        raise AlreadyExists(f"partner {body.partner} has a report for period {body.period} already")
    report = PartnerReport(
        id=str(uuid.uuid4()),
        application_id=project.id,
        partner=body.partner,
        period=body.period,
        side=side or "",
        status=ReportStatus.DRAFT.value,
        version=0,
        baseline_version=project.contract.baseline_version,
        progress=body.progress,
        created_by=principal.sub,
        created_at=now,
        revision=1,
    )
    repo.add(session, report)
    await session.flush()
    carried = await repo.parked_lines(session, project.id, body.partner)
    await lines_repo.insert_lines(
        session,
        [
            {
                "report_id": report.id,
                "number": n,
                "category": c.category,
                "cost_option": c.cost_option,
                "units": c.units,
                "invoice_number": c.invoice_number,
                "invoice_date": c.invoice_date,
                "payment_date": c.payment_date,
                "supplier": c.supplier,
                "description": c.description,
                "amount": c.amount,
                "currency": c.currency,
                "vat": c.vat,
                "parked": False,
                "parked_from": f"{c.report_id}:{c.number}",
            }
            for n, c in enumerate(carried, start=1)
        ],
    )
    record(
        session,
        project.id,
        subject(report),
        ReportAction.CREATE,
        actor=principal.sub,
        role=role,
        at=now,
        to_status=report.status,
        reason=f"partner {body.partner}, period {body.period}, under version {report.baseline_version}"
        + (f", {len(carried)} parked lines carried in" if carried else ""),
    )
    await session.flush()
    return await partner_report_out(session, project, report)


async def update_progress(
    session: AsyncSession,
    principal: Principal,
    report_id: str,
    progress: str,
    *,
    now: dt.datetime,
    if_match: str | None,
) -> tuple[PartnerReportOut, str]:
    """Change the progress text of a draft, on its current state (`If-Match`: 428 without, 412 when
    stale); the answer and the report's new ETag."""
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    role = require_owner(project, principal, report.side)
    require_match(if_match, partner_report_etag(report))
    report_next(report.status, ReportAction.EDIT)
    report.progress, report.revision = progress, report.revision + 1
    record(
        session,
        project.id,
        subject(report),
        ReportAction.EDIT,
        actor=principal.sub,
        role=role,
        at=now,
        from_status=report.status,
        to_status=report.status,
        reason="progress text changed",
    )
    await session.flush()
    return await partner_report_out(session, project, report), partner_report_etag(report)


@dataclass(frozen=True)
class SubmitPlan:
    revision: int
    rates: dict[str, dict[str, str]]


async def prepare_submit(
    db: Database, up: Upstreams, principal: Principal, report_id: str, *, now: dt.datetime, language: str
) -> SubmitPlan:
    """Check the submission in a short session of its own, then ask the budget the rate of each currency."""
    async with db.sessionmaker() as session:
        project, report = await visible_report(session, principal, report_id, now=now)
        require_owner(project, principal, report.side)
        report_next(report.status, ReportAction.SUBMIT)
        currencies = sorted({s.currency for s in await lines_repo.line_sums(session, report.id)})
        programme, revision = project.app.programme, report.revision
    rates: dict[str, dict[str, str]] = {}
    if report.side == "SE":
        for currency in (c for c in currencies if c != "EUR"):
            answer = await up.budget.conversion_rate(programme, currency, now)
            if isinstance(answer, RateMissing):
                raise ExchangeRateMissing(
                    say("rate-missing", language, currency=currency, month=answer.month),
                    currency=currency,
                    month=answer.month,
                )
            rates[currency] = {
                "units_per_eur": rate_str(answer.units_per_eur),
                "month": answer.month,
                "source": answer.source,
            }
    return SubmitPlan(revision=revision, rates=rates)


def digest(rows: list[tuple[object, ...]]) -> str:
    text = json.dumps([[str(v) if v is not None else None for v in r] for r in rows], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def submit(
    session: AsyncSession, principal: Principal, report_id: str, plan: SubmitPlan, *, now: dt.datetime
) -> PartnerReportOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    role = require_owner(project, principal, report.side)
    if report.revision != plan.revision:
        raise ConcurrentChange("the report changed while the submission was prepared; retry")
    rows = await lines_repo.all_lines(session, report.id)
    report.version += 1
    report.rates = plan.rates if report.side == "SE" else None
    report.submitted_at = now
    repo.add(
        session,
        PartnerReportVersion(
            report_id=report.id,
            number=report.version,
            submitted_by=principal.sub,
            submitted_at=now,
            lines=len(rows),
            digest=digest(rows),
            rates=report.rates,
            progress=report.progress,
        ),
    )
    rates_text = ", ".join(f"{c} {r['units_per_eur']}/EUR ({r['month']}, {r['source']})" for c, r in plan.rates.items())
    move(
        session,
        report,
        ReportAction.SUBMIT,
        actor=principal.sub,
        role=role,
        at=now,
        reason=f"version {report.version}, {len(rows)} lines" + (f"; rates {rates_text}" if rates_text else ""),
    )
    await events.partner_report(session, report, events.EventType.PARTNER_REPORT_SUBMITTED, at=now)
    await session.flush()
    return await partner_report_out(session, project, report)


async def reopen(
    session: AsyncSession, principal: Principal, report_id: str, reason: str, *, now: dt.datetime
) -> PartnerReportOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    if principal.has("officer") or principal.has("admin"):
        role = "officer"
    elif report.partner in await controls(session, project, principal):
        role = "controller"
    else:
        raise Forbidden("only an officer or the partner's controller may reopen a report or its control")
    if report.project_report_id is not None:
        raise ReportIncluded(f"the report is included in the project report {report.project_report_id}")
    control = report.status in (ReportStatus.CONTROL_COMPLETED, ReportStatus.CERTIFIED)
    action = ReportAction.REOPEN_CONTROL if control else ReportAction.REOPEN
    move(session, report, action, actor=principal.sub, role=role, at=now, reason=reason)
    if control:
        report.certified_by, report.certified_at, report.completed_by = None, None, None
    await session.flush()
    return await partner_report_out(session, project, report)


async def read(
    session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime
) -> tuple[PartnerReportOut, str]:
    """The report with its totals, and its ETag."""
    project, report = await visible_report(session, principal, report_id, now=now)
    return await partner_report_out(session, project, report), partner_report_etag(report)


async def list_for_project(
    session: AsyncSession, principal: Principal, project_id: str, *, now: dt.datetime
) -> list[PartnerReportOut]:
    project = await visible(session, principal, project_id, now=now)
    return [
        await partner_report_out(session, project, r)
        for r in await repo.partner_reports(session, project.id)
        if await may_see(session, project, principal, r)
    ]
