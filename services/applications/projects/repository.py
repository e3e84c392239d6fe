"""All SQL of the project stage. Never commits (the request's session does, once).

The report's totals are aggregates over its lines (`line_sums`: one GROUP BY over the primary key's range
`report_id = ?`), and the line list pages by `(report_id, number)`: both cost the same whatever the size of
the table or of other reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.models import Application
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
from shared.db import Amount

Row = ProjectContract | ReportingPeriod | PartnerControl | PartnerReport | PartnerReportVersion
Row2 = ProjectReport | ProjectClaim | ProjectEvent | ProjectController | ExpenditureLine


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


async def last_line_number(session: AsyncSession, report_id: str) -> int:
    stmt = select(func.max(ExpenditureLine.number)).where(ExpenditureLine.report_id == report_id)
    return int((await session.execute(stmt)).scalar_one() or 0)


async def insert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Many lines in one executemany (the CSV import)."""
    if rows:
        await session.execute(insert(ExpenditureLine), rows)


async def line(session: AsyncSession, report_id: str, number: int) -> ExpenditureLine | None:
    return await session.get(ExpenditureLine, (report_id, number))


async def delete_line(session: AsyncSession, report_id: str, number: int) -> int:
    result: Any = await session.execute(
        delete(ExpenditureLine).where(ExpenditureLine.report_id == report_id, ExpenditureLine.number == number)
    )
    return int(result.rowcount or 0)


async def lines_page(session: AsyncSession, report_id: str, *, after: int, limit: int) -> list[ExpenditureLine]:
    stmt = (
        select(ExpenditureLine)
        .where(ExpenditureLine.report_id == report_id, ExpenditureLine.number > after)
        .order_by(ExpenditureLine.number)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True)
class LineSums:
    category: str
    currency: str
    parked: bool
    lines: int
    verified: int
    amount: Decimal
    vat: Decimal
    certified: Decimal
    deducted: Decimal


async def line_sums(session: AsyncSession, report_id: str) -> list[LineSums]:
    """The report's sums per (category, currency, parked): one aggregate over its lines."""

    def total(column: Any) -> Any:
        return type_coerce(func.coalesce(func.sum(column), 0), Amount())

    stmt = (
        select(
            ExpenditureLine.category,
            ExpenditureLine.currency,
            ExpenditureLine.parked,
            func.count(),
            func.count(ExpenditureLine.verified_at),
            total(ExpenditureLine.amount),
            total(ExpenditureLine.vat),
            total(ExpenditureLine.certified),
            total(ExpenditureLine.deducted),
        )
        .where(ExpenditureLine.report_id == report_id)
        .group_by(ExpenditureLine.category, ExpenditureLine.currency, ExpenditureLine.parked)
    )
    return [
        LineSums(c, cur, bool(p), int(n), int(v), Decimal(a), Decimal(t), Decimal(ce), Decimal(d))
        for c, cur, p, n, v, a, t, ce, d in (await session.execute(stmt)).all()
    ]


async def unverified(session: AsyncSession, report_id: str, *, limit: int) -> list[int]:
    stmt = (
        select(ExpenditureLine.number)
        .where(ExpenditureLine.report_id == report_id, ExpenditureLine.verified_at.is_(None))
        .order_by(ExpenditureLine.number)
        .limit(limit)
    )
    return [int(n) for n in (await session.execute(stmt)).scalars()]


async def all_lines(session: AsyncSession, report_id: str) -> list[tuple[Any, ...]]:
    """Every line's declared content in order (the digest of a submitted version)."""
    c = ExpenditureLine
    stmt = (
        select(
            c.number,
            c.category,
            c.cost_option,
            c.invoice_number,
            c.invoice_date,
            c.payment_date,
            c.supplier,
            c.description,
            c.amount,
            c.currency,
            c.vat,
        )
        .where(c.report_id == report_id)
        .order_by(c.number)
    )
    return [tuple(r) for r in (await session.execute(stmt)).all()]


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


async def include(session: AsyncSession, ids: list[str], project_report_id: str) -> None:
    await session.execute(
        update(PartnerReport).where(PartnerReport.id.in_(ids)).values(project_report_id=project_report_id)
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
