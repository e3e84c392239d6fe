"""All SQL of the applications service. Never commits (the request's session does, once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.applications.models import (
    Application,
    ApplicationVersion,
    ReferenceCounter,
    StatusChange,
    idempotency_keys,
)
from shared.auth import Principal


def owned_by(principal: Principal) -> ColumnElement[bool]:
    """Applications of the caller: created by them, or by their organisation when both carry one."""
    mine = Application.owner_sub == principal.sub
    if principal.organisation:
        return or_(mine, and_(Application.owner_org.is_not(None), Application.owner_org == principal.organisation))
    return mine


async def get(session: AsyncSession, application_id: str, *, for_update: bool = False) -> Application | None:
    stmt = select(Application).where(Application.id == application_id)
    if for_update:
        # PostgreSQL locks the row; SQLite needs nothing (BEGIN IMMEDIATE already serialises writers).
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, application: Application) -> None:
    session.add(application)


@dataclass(frozen=True)
class ListFilters:
    status: str | None = None
    programme: str | None = None
    call_id: str | None = None
    specific_objective: str | None = None
    country: str | None = None
    submitted_from: dt.datetime | None = None
    submitted_before: dt.datetime | None = None


async def list_applications(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: ListFilters,
    limit: int,
    after: tuple[dt.datetime, str] | None,
) -> list[Application]:
    """Newest first, keyset on (created_at, id); `limit` rows at most."""
    stmt = select(Application)
    if not principal.is_staff:
        stmt = stmt.where(owned_by(principal))
    if filters.status:
        stmt = stmt.where(Application.status == filters.status)
    if filters.programme:
        stmt = stmt.where(Application.programme == filters.programme)
    if filters.call_id:
        stmt = stmt.where(Application.call_id == filters.call_id)
    if filters.specific_objective:
        stmt = stmt.where(Application.specific_objective == filters.specific_objective)
    if filters.country:
        stmt = stmt.where(Application.countries.contains(f",{filters.country},", autoescape=True))
    if filters.submitted_from:
        stmt = stmt.where(Application.submitted_at >= filters.submitted_from)
    if filters.submitted_before:
        stmt = stmt.where(Application.submitted_at < filters.submitted_before)
    if after is not None:
        created, last_id = after
        stmt = stmt.where(
            or_(Application.created_at < created, and_(Application.created_at == created, Application.id < last_id))
        )
    stmt = stmt.order_by(Application.created_at.desc(), Application.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def next_reference_number(session: AsyncSession, programme: str, year: int) -> int:
    """Take the next number of (programme, year) inside the caller's transaction.

    The counter row is created if missing (INSERT … ON CONFLICT DO NOTHING), then locked (SELECT … FOR
    UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) and incremented. A
    transaction that rolls back gives its number back, so numbers are gap-free and never reused.
    """
    dialect = session.get_bind().dialect.name
    insert_fn: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert_fn(ReferenceCounter).values(programme=programme, year=year, last_value=0).on_conflict_do_nothing()
    )
    where = (ReferenceCounter.programme == programme, ReferenceCounter.year == year)
    current = (await session.execute(select(ReferenceCounter.last_value).where(*where).with_for_update())).scalar_one()
    await session.execute(update(ReferenceCounter).where(*where).values(last_value=current + 1))
    return int(current) + 1


def add_version(session: AsyncSession, version: ApplicationVersion) -> None:
    session.add(version)


async def get_version(session: AsyncSession, application_id: str, number: int) -> ApplicationVersion | None:
    return await session.get(ApplicationVersion, (application_id, number))


async def list_versions(
    session: AsyncSession, application_id: str, *, after: int, limit: int
) -> list[ApplicationVersion]:
    stmt = (
        select(ApplicationVersion)
        .where(ApplicationVersion.application_id == application_id, ApplicationVersion.number > after)
        .order_by(ApplicationVersion.number)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_versions(session: AsyncSession, application_id: str) -> int:
    stmt = (
        select(func.count()).select_from(ApplicationVersion).where(ApplicationVersion.application_id == application_id)
    )
    return int((await session.execute(stmt)).scalar_one())


def add_history(session: AsyncSession, entry: StatusChange) -> None:
    session.add(entry)


async def list_history(session: AsyncSession, application_id: str, *, after: int, limit: int) -> list[StatusChange]:
    stmt = (
        select(StatusChange)
        .where(StatusChange.application_id == application_id, StatusChange.id > after)
        .order_by(StatusChange.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def idempotency_key_used(session: AsyncSession, scope: str, key: str) -> bool:
    stmt = select(idempotency_keys.c.key).where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
    return (await session.execute(stmt)).first() is not None
