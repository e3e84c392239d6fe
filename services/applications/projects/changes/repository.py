"""All SQL of change requests. Never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects.changes.models import ChangeRequest


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
