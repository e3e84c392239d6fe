"""All SQL of the project stage. Never commits (the request's session does, once).

Expenditure lines and their kept sums have theirs in `reporting/repository.py`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.models import Application, ApplicationVersion, Grant
from services.applications.projects.models import (
    ExpenditureLine,
    PartnerControl,
    PartnerReport,
    PartnerReportVersion,
    ProjectClaim,
    ProjectContract,
    ProjectController,
    ProjectEvent,
    ProjectReport,
    ReportingPeriod,
)

Row = ProjectContract | ReportingPeriod | PartnerControl | PartnerReport | PartnerReportVersion
Row2 = ProjectReport | ProjectClaim | ProjectEvent | ProjectController


def add(session: AsyncSession, row: Row | Row2) -> None:
    session.add(row)


async def contract(session: AsyncSession, application_id: str, *, for_update: bool = False) -> ProjectContract | None:
    stmt = select(ProjectContract).where(ProjectContract.application_id == application_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def periods(session: AsyncSession, application_id: str) -> list[ReportingPeriod]:
    stmt = select(ReportingPeriod).where(ReportingPeriod.application_id == application_id)
    return list((await session.execute(stmt.order_by(ReportingPeriod.number))).scalars())


async def assignments(session: AsyncSession, application_id: str) -> dict[int, str]:
    stmt = select(PartnerControl.partner, PartnerControl.controller).where(
        PartnerControl.application_id == application_id
    )
    return {int(p): c for p, c in (await session.execute(stmt)).all()}


async def assign(session: AsyncSession, application_id: str, partner: int, controller: str) -> None:
    """Partner `partner`'s controller set to `controller` (its earlier one replaced)."""
    await session.execute(
        delete(PartnerControl).where(PartnerControl.application_id == application_id, PartnerControl.partner == partner)
    )
    await session.flush()
    session.add(PartnerControl(application_id=application_id, partner=partner, controller=controller))


async def replace_contract_rows(
    session: AsyncSession, application_id: str, periods: list[ReportingPeriod], controls: list[PartnerControl]
) -> None:
    """The contract's periods and controller assignments replaced by those given."""
    await session.execute(delete(ReportingPeriod).where(ReportingPeriod.application_id == application_id))
    await session.execute(delete(PartnerControl).where(PartnerControl.application_id == application_id))
    await session.flush()
    session.add_all([*periods, *controls])


async def controller(session: AsyncSession, programme: str, sub: str) -> ProjectController | None:
    stmt = select(ProjectController).where(ProjectController.programme == programme, ProjectController.sub == sub)
    return (await session.execute(stmt)).scalar_one_or_none()


async def controllers(
    session: AsyncSession, programme: str, *, after: str | None, limit: int
) -> list[ProjectController]:
    stmt = select(ProjectController).where(ProjectController.programme == programme)
    if after is not None:
        stmt = stmt.where(ProjectController.sub > after)
    return list((await session.execute(stmt.order_by(ProjectController.sub).limit(limit))).scalars())


async def projects(
    session: AsyncSession, *, statuses: Sequence[str], after: str | None, limit: int
) -> list[tuple[Application, ProjectContract | None]]:
    """Approved (or closed) applications with their contract if recorded, by id."""
    stmt = (
        select(Application, ProjectContract)
        .outerjoin(ProjectContract, ProjectContract.application_id == Application.id)
        .where(or_(Application.status.in_(statuses), ProjectContract.application_id.is_not(None)))
    )
    if after is not None:
        stmt = stmt.where(Application.id > after)
    rows = (await session.execute(stmt.order_by(Application.id).limit(limit))).all()
    return [(a, c) for a, c in rows]


async def published(
    session: AsyncSession, *, statuses: Sequence[str], programme: str | None, after: str | None, limit: int
) -> list[tuple[Application, ProjectContract | None, Grant | None]]:
    """The open-data feed's rows, by id: applications in `statuses` with their contract and the grant of
    their current approval (read in the reader's transaction: a committed decision is in it, a reverted one
    is not)."""
    stmt = (
        select(Application, ProjectContract, Grant)
        .outerjoin(ProjectContract, ProjectContract.application_id == Application.id)
        .outerjoin(Grant, and_(Grant.application_id == Application.id, Grant.approval == Application.approvals))
        .where(Application.status.in_(statuses))
    )
    if programme is not None:
        stmt = stmt.where(Application.programme == programme)
    if after is not None:
        stmt = stmt.where(Application.id > after)
    rows = (await session.execute(stmt.order_by(Application.id).limit(limit))).all()
    return [(a, c, g) for a, c, g in rows]


async def current_versions(session: AsyncSession, apps: Sequence[Application]) -> dict[str, ApplicationVersion]:
    """Each application's latest version (the approved one of an approved application), by application id."""
    if not apps:
        return {}
    stmt = select(ApplicationVersion).where(
        or_(*(and_(ApplicationVersion.application_id == a.id, ApplicationVersion.number == a.version) for a in apps))
    )
    return {v.application_id: v for v in (await session.execute(stmt)).scalars()}


async def controlled_by(session: AsyncSession, sub: str) -> list[tuple[str, int]]:
    """(application, partner) pairs a controller is assigned to."""
    stmt = select(PartnerControl.application_id, PartnerControl.partner).where(PartnerControl.controller == sub)
    return [(a, int(p)) for a, p in (await session.execute(stmt)).all()]


# --- partner reports and their lines -----------------------------------------------------------------


async def partner_report(session: AsyncSession, report_id: str, *, for_update: bool = False) -> PartnerReport | None:
    stmt = select(PartnerReport).where(PartnerReport.id == report_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def partner_reports(session: AsyncSession, application_id: str) -> list[PartnerReport]:
    stmt = select(PartnerReport).where(PartnerReport.application_id == application_id)
    return list((await session.execute(stmt.order_by(PartnerReport.period, PartnerReport.partner))).scalars())


async def partner_reports_by_id(session: AsyncSession, ids: list[str]) -> list[PartnerReport]:
    stmt = select(PartnerReport).where(PartnerReport.id.in_(ids)).order_by(PartnerReport.id).with_for_update()
    return list((await session.execute(stmt)).scalars())


async def included(session: AsyncSession, project_report_id: str) -> list[PartnerReport]:
    stmt = select(PartnerReport).where(PartnerReport.project_report_id == project_report_id)
    return list((await session.execute(stmt.order_by(PartnerReport.partner))).scalars())


async def parked_lines(session: AsyncSession, application_id: str, partner: int) -> list[ExpenditureLine]:
    """Lines parked in the partner's certified reports and not yet carried into a later one."""
    carried = (
        select(ExpenditureLine.parked_from)
        .join(PartnerReport, PartnerReport.id == ExpenditureLine.report_id)
        .where(
            PartnerReport.application_id == application_id,
            PartnerReport.partner == partner,
            ExpenditureLine.parked_from.is_not(None),
        )
    )
    stmt = (
        select(ExpenditureLine)
        .join(PartnerReport, PartnerReport.id == ExpenditureLine.report_id)
        .where(
            PartnerReport.application_id == application_id,
            PartnerReport.partner == partner,
            PartnerReport.status == "certified",
            ExpenditureLine.parked.is_(True),
        )
        .order_by(PartnerReport.period, ExpenditureLine.number)
    )
    rows = list((await session.execute(stmt)).scalars())
    taken = set((await session.execute(carried)).scalars())
    return [r for r in rows if f"{r.report_id}:{r.number}" not in taken]


async def reported_options(
    session: AsyncSession, application_id: str, partner: int, codes: list[str]
) -> dict[str, int]:
    """Of `codes`, the options a line of the partner's reports names (not a line parked away: its carried
    copy counts), each with the period of its report."""
    stmt = (
        select(ExpenditureLine.cost_option, PartnerReport.period)
        .join(PartnerReport, PartnerReport.id == ExpenditureLine.report_id)
        .where(
            PartnerReport.application_id == application_id,
            PartnerReport.partner == partner,
            ExpenditureLine.cost_option.in_(codes),
            ExpenditureLine.parked.is_(False),
        )
    )
    return {str(code): int(period) for code, period in (await session.execute(stmt)).all()}


async def include(session: AsyncSession, ids: list[str], project_report_id: str) -> None:
    await session.execute(
        update(PartnerReport)
        .where(PartnerReport.id.in_(ids))
        .values(project_report_id=project_report_id, revision=PartnerReport.revision + 1)
    )


# --- project reports, claims, history -----------------------------------------------------------------


async def project_report(session: AsyncSession, report_id: str, *, for_update: bool = False) -> ProjectReport | None:
    stmt = select(ProjectReport).where(ProjectReport.id == report_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def project_reports(session: AsyncSession, application_id: str) -> list[ProjectReport]:
    stmt = select(ProjectReport).where(ProjectReport.application_id == application_id)
    return list((await session.execute(stmt.order_by(ProjectReport.period))).scalars())


async def claims(session: AsyncSession, project_report_ids: list[str]) -> list[ProjectClaim]:
    stmt = select(ProjectClaim).where(ProjectClaim.project_report_id.in_(project_report_ids))
    return list((await session.execute(stmt.order_by(ProjectClaim.project_report_id, ProjectClaim.fund))).scalars())


async def claim_by_key(session: AsyncSession, key: str) -> ProjectClaim | None:
    stmt = select(ProjectClaim).where(ProjectClaim.key == key).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def history(session: AsyncSession, application_id: str, *, after: int, limit: int) -> list[ProjectEvent]:
    stmt = (
        select(ProjectEvent)
        .where(ProjectEvent.application_id == application_id, ProjectEvent.id > after)
        .order_by(ProjectEvent.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
