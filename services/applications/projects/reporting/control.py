"""First-level control of a partner report: each country's controllers verify the expenditure of the
partners on its territory (the management verifications of Regulation (EU) 2021/1059 Art. 46 as we read
it — not checked against the article's text here; the two sides' practice is docs/after-approval.md's).

- **start**: the partner's assigned controller (role `controller`, its `sub` assigned in the contract);
- **verify a line**: certified + deducted = declared (amount − non-eligible VAT) in the line's currency; a
  deduction needs a typology (`report_schemas.TYPOLOGY`) and a comment; or the line is **parked** (neither
  certified nor deducted here: carried into the partner's next report, controlled again there);
- **complete**: every line verified (409 naming how many are not, and the first of them);
- **certificate**: by a second person — an officer, or another controller registered in the programme for
  the partner's country; the one who completed the control is a 403 (four eyes).
Any other caller is a 404 on the report (a controller sees only its partners'), or a 403 when it may read it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.outbound import events
from services.applications.projects import repository as repo
from services.applications.projects.baseline import Project, controls
from services.applications.projects.errors import (
    ControlIncomplete,
    FourEyes,
    InvalidProjectData,
    LineNotFound,
    NotController,
)
from services.applications.projects.models import PartnerReport
from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.partner_reports import move, visible_report
from services.applications.projects.reporting.schemas import LineOut, PartnerReportOut, Verification
from services.applications.projects.states import ReportAction, report_next
from services.applications.projects.texts import say
from services.applications.projects.views import line_out, partner_report_out
from shared.auth import Principal
from shared.problems import FieldError


async def _assigned(session: AsyncSession, project: Project, principal: Principal, report: PartnerReport) -> None:
    if report.partner not in await controls(session, project, principal):
        raise NotController(f"only the controller assigned to partner {report.partner} may do this")


async def start(session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime) -> PartnerReportOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    await _assigned(session, project, principal, report)
    move(session, report, ReportAction.START_CONTROL, actor=principal.sub, role="controller", at=now)
    report.controller = principal.sub
    await session.flush()
    return await partner_report_out(session, project, report)


async def verify(
    session: AsyncSession, principal: Principal, report_id: str, number: int, body: Verification, *, now: dt.datetime
) -> LineOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    await _assigned(session, project, principal, report)
    report_next(report.status, ReportAction.VERIFY_LINE)
    line = await lines_repo.line(session, report.id, number)
    if line is None:
        raise LineNotFound(f"the report has no line {number}")
    declared = line.amount - line.vat
    if body.parked:
        certified, deducted, typology, parked = Decimal(0), Decimal(0), None, True
    else:
        assert body.certified is not None
        errors: list[FieldError] = []
        for name, money in (("certified", body.certified), ("deducted", body.deducted)):
            if money is not None and money.currency != line.currency:
                errors.append(FieldError(field=name, message=f"the line is in {line.currency}"))
        certified = body.certified.amount
        deducted = body.deducted.amount if body.deducted is not None else declared - certified
        if not errors and certified + deducted != declared:
            errors.append(
                FieldError(
                    field="deducted", message=f"certified + deducted must equal the declared {declared} {line.currency}"
                )
            )
        if not errors and deducted > 0 and (body.typology is None or not body.comment):
            errors.append(FieldError(field="typology", message="a deduction needs its typology and a comment"))
        if errors:
            raise InvalidProjectData("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
        typology, parked = (body.typology if deducted > 0 else None), False
    await lines_repo.set_verification(
        session,
        line,
        certified=certified,
        deducted=deducted,
        parked=parked,
        typology=typology,
        comment=body.comment,
        by=principal.sub,
        at=now,
    )
    report.revision += 1
    await session.flush()
    return line_out(line)


async def complete(
    session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime, language: str
) -> PartnerReportOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    await _assigned(session, project, principal, report)
    report_next(report.status, ReportAction.COMPLETE_CONTROL)
    open_lines = await lines_repo.unverified(session, report.id, limit=10)
    if open_lines:
        count = sum(s.lines - s.verified for s in await lines_repo.line_sums(session, report.id))
        raise ControlIncomplete(
            say("control-incomplete", language, count=count, numbers=", ".join(map(str, open_lines))),
            unverified=count,
            first_unverified=open_lines,
        )
    move(session, report, ReportAction.COMPLETE_CONTROL, actor=principal.sub, role="controller", at=now)
    report.completed_by = principal.sub
    await session.flush()
    return await partner_report_out(session, project, report)


async def certify(
    session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime, language: str
) -> PartnerReportOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    report_next(report.status, ReportAction.CERTIFY)
    if principal.has("officer"):
        role = "officer"
    else:
        registered = await repo.controller(session, project.app.programme, principal.sub)
        if not principal.has("controller") or registered is None or registered.country != report.side:
            raise NotController(f"the certificate is issued by an officer or a controller of the {report.side} side")
        role = "controller"
    if principal.sub in (report.completed_by, report.controller):
        raise FourEyes(say("four-eyes", language, who=report.completed_by))
    move(session, report, ReportAction.CERTIFY, actor=principal.sub, role=role, at=now)
    report.certified_by, report.certified_at = principal.sub, now
    await events.partner_report(session, report, events.EventType.PARTNER_REPORT_CERTIFIED, at=now)
    await session.flush()
    return await partner_report_out(session, project, report)
