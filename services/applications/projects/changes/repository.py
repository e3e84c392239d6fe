"""All SQL of change requests. Never commits."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects.changes.models import ChangeRequest
from services.applications.projects.models import PartnerControl


def add(session: AsyncSession, row: ChangeRequest) -> None:
    session.add(row)


async def get(session: AsyncSession, request_id: str, *, for_update: bool = False) -> ChangeRequest | None:
    stmt = select(ChangeRequest).where(ChangeRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def of_project(session: AsyncSession, application_id: str) -> list[ChangeRequest]:
    stmt = select(ChangeRequest).where(ChangeRequest.application_id == application_id)
    return list((await session.execute(stmt.order_by(ChangeRequest.number))).scalars())


async def next_number(session: AsyncSession, application_id: str) -> int:
    stmt = select(func.max(ChangeRequest.number)).where(ChangeRequest.application_id == application_id)
    return int((await session.execute(stmt)).scalar() or 0) + 1


async def renumber_controls(session: AsyncSession, application_id: str, removed: list[int]) -> None:
    """The controller assignments after partners `removed` left: theirs gone, later partners' moved up."""
    rows = list(
        (await session.execute(select(PartnerControl).where(PartnerControl.application_id == application_id))).scalars()
    )
    kept = [
        (r.partner - sum(1 for n in removed if n < r.partner), r.controller) for r in rows if r.partner not in removed
    ]
    await session.execute(delete(PartnerControl).where(PartnerControl.application_id == application_id))
    await session.flush()
    session.add_all([PartnerControl(application_id=application_id, partner=n, controller=c) for n, c in kept])


async def released(session: AsyncSession, application_id: str) -> dict[tuple[str, str], Decimal]:
    """Per fund and currency, what the project's applied change requests released (as they asked it)."""
    out: dict[tuple[str, str], Decimal] = {}
    for cr in await of_project(session, application_id):
        if cr.money and cr.money.get("released"):
            for move in cr.money.get("release", []):
                k = (move["fund"], move["amount"]["currency"])
                out[k] = out.get(k, Decimal(0)) + Decimal(move["amount"]["amount"])
    return out
