"""All SQL of the applications service. Never commits (the request's session does, once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.applications.models import (
    AidUndertaking,
    Application,
    ApplicationVersion,
    Assessment,
    CommitteeDecision,
    CommitteeSession,
    Condition,
    Grant,
    ReferenceCounter,
    StatusChange,
    idempotency_keys,
    outbox,
)
from services.applications.workflow.commitment import CommitmentStatus
from services.applications.workflow.transitions import Status
from shared import outbox_records as messages
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


async def approved(session: AsyncSession, *, programme: str | None = None) -> list[Application]:
    """The approved applications (of one programme, or all), in the order they were decided."""
    stmt = select(Application).where(Application.status == Status.APPROVED)
    if programme is not None:
        stmt = stmt.where(Application.programme == programme)
    stmt = stmt.order_by(Application.decided_at, Application.id)
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True)
class ListFilters:
    status: str | None = None
    programme: str | None = None
    call_id: str | None = None
    specific_objective: str | None = None
    country: str | None = None
    submitted_from: dt.datetime | None = None
    submitted_before: dt.datetime | None = None


def list_statement(
    principal: Principal,
    filters: ListFilters,
    limit: int,
    after: tuple[dt.datetime, str] | None,
    columns: list[Any] | None = None,
) -> Select[Any]:
    """Newest first, keyset on (created_at, id); `limit` rows at most; the applications, or `columns` of them."""
    stmt = select(*columns) if columns else select(Application)
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
    return stmt.order_by(Application.created_at.desc(), Application.id.desc()).limit(limit)


async def list_applications(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: ListFilters,
    limit: int,
    after: tuple[dt.datetime, str] | None,
) -> list[Application]:
    """Newest first, keyset on (created_at, id); `limit` rows at most."""
    return list((await session.execute(list_statement(principal, filters, limit, after))).scalars())


async def next_reference_number(session: AsyncSession, programme: str, year: int) -> int:
    """Take the next number of (programme, year) inside the caller's transaction.

    One statement: the counter row is created at 1 or incremented (INSERT … ON CONFLICT DO UPDATE …
    RETURNING), which locks it until the caller commits (SQLite's BEGIN IMMEDIATE already serialises
    writers). Concurrent first submissions of a programme wait on that row, so it is taken in one round
    trip, not three. A transaction that rolls back gives its number back, so numbers are gap-free and
    never reused.
    """
    dialect = session.get_bind().dialect.name
    insert_fn: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    taken = (
        insert_fn(ReferenceCounter)
        .values(programme=programme, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.programme, ReferenceCounter.year],
            set_={"last_value": ReferenceCounter.last_value + 1},
        )
        .returning(ReferenceCounter.last_value)
    )
    return int((await session.execute(taken)).scalar_one())


def add_version(session: AsyncSession, version: ApplicationVersion) -> None:
    session.add(version)


async def get_version(session: AsyncSession, application_id: str, number: int) -> ApplicationVersion | None:
    return await session.get(ApplicationVersion, (application_id, number))


async def versions_of(session: AsyncSession, keys: list[tuple[str, int]]) -> dict[tuple[str, int], ApplicationVersion]:
    """The versions of `keys` ((application, number)) that exist, by key."""
    stmt = select(ApplicationVersion).where(
        tuple_(ApplicationVersion.application_id, ApplicationVersion.number).in_(keys)
    )
    return {(v.application_id, v.number): v for v in (await session.execute(stmt)).scalars()}


async def documents_of(session: AsyncSession, keys: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored JSON text of the versions of `keys` that exist, by key (nothing else of them is read)."""
    v = ApplicationVersion
    stmt = select(v.application_id, v.number, v.document).where(tuple_(v.application_id, v.number).in_(keys))
    return {(row.application_id, row.number): row.document for row in (await session.execute(stmt))}


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


async def count_by_programme_and_status(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(programme, status, number of applications) for every pair that has at least one (the metrics)."""
    stmt = select(Application.programme, Application.status, func.count()).group_by(
        Application.programme, Application.status
    )
    return [(p, s, int(n)) for p, s, n in (await session.execute(stmt)).all()]


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    aggregate: str,
    payload: dict[str, Any],
    at: dt.datetime,
    wake: messages.Wake | None,
) -> bool:
    """Record a message the outbox owes another service, in the caller's transaction."""
    return await messages.enqueue(
        session, outbox, kind=kind, key=key, aggregate=aggregate, payload=payload, at=at, wake=wake
    )


async def holding_money(session: AsyncSession, programme: str, also: list[str]) -> list[Application]:
    """The programme's applications that hold or owe project money (approved, or with a commitment
    state), and those of `also` (ids the budget has commitments for)."""
    stmt = select(Application).where(
        Application.programme == programme,
        or_(
            Application.status == Status.APPROVED,
            Application.commitment_status.is_not(None),
            Application.id.in_(also),
        ),
    )
    return list((await session.execute(stmt)).scalars())


async def pending_by_application(session: AsyncSession, application_ids: list[str]) -> dict[str, list[str]]:
    """The kinds of messages still owed per application (oldest first), for those that owe any."""
    stmt = (
        select(outbox.c.aggregate, outbox.c.kind)
        .where(outbox.c.delivered_at.is_(None), outbox.c.aggregate.in_(application_ids))
        .order_by(outbox.c.id)
    )
    out: dict[str, list[str]] = {}
    for aggregate, kind in (await session.execute(stmt)).all():
        out.setdefault(aggregate, []).append(kind)
    return out


async def programmes_holding_money(session: AsyncSession) -> list[str]:
    """Programmes with an application that holds or owes project money."""
    stmt = (
        select(Application.programme)
        .where(or_(Application.status == Status.APPROVED, Application.commitment_status.is_not(None)))
        .distinct()
    )
    return list((await session.execute(stmt)).scalars())


# --- assessments, the committee, two-step calls ------------------------------------------------------


def add_row(session: AsyncSession, row: Assessment | CommitteeSession | CommitteeDecision | Condition) -> None:
    session.add(row)


async def get_many(session: AsyncSession, application_ids: list[str], *, for_update: bool = False) -> list[Application]:
    """The applications of `application_ids` in id order (locked in that order: no deadlock between two)."""
    stmt = select(Application).where(Application.id.in_(application_ids)).order_by(Application.id)
    if for_update:
        stmt = stmt.with_for_update()
    return list((await session.execute(stmt)).scalars())


async def assessments(session: AsyncSession, application_ids: list[str]) -> dict[str, list[Assessment]]:
    """The assessments of each application, in the order the assessors were assigned."""
    stmt = select(Assessment).where(Assessment.application_id.in_(application_ids)).order_by(Assessment.id)
    out: dict[str, list[Assessment]] = {aid: [] for aid in application_ids}
    for row in (await session.execute(stmt)).scalars():
        out[row.application_id].append(row)
    return out


async def in_call(session: AsyncSession, call_id: str, status: str) -> list[Application]:
    """The full applications of a call in `status` (the committee's lists), by reserve rank then first submission."""
    stmt = (
        select(Application)
        .where(Application.call_id == call_id, Application.status == status, Application.kind == "full")
        .order_by(Application.reserve_rank, Application.submitted_at, Application.id)
    )
    return list((await session.execute(stmt)).scalars())


async def owing_commitment(session: AsyncSession, programme: str) -> list[Application]:
    """The programme's approved applications whose commitment the outbox still owes the budget."""
    stmt = select(Application).where(
        Application.programme == programme,
        Application.status == Status.APPROVED,
        Application.commitment_status == CommitmentStatus.PENDING,
    )
    return list((await session.execute(stmt)).scalars())


async def get_committee_session(session: AsyncSession, session_id: str) -> CommitteeSession | None:
    return await session.get(CommitteeSession, session_id)


async def committee_decisions(session: AsyncSession, session_id: str) -> list[CommitteeDecision]:
    stmt = (
        select(CommitteeDecision).where(CommitteeDecision.session_id == session_id).order_by(CommitteeDecision.position)
    )
    return list((await session.execute(stmt)).scalars())


async def conditions(
    session: AsyncSession, application_id: str, *, approval: int | None = None, session_id: str | None = None
) -> list[Condition]:
    """The conditions of an application (of one approval, or of one session), in order."""
    stmt = select(Condition).where(Condition.application_id == application_id)
    if approval is not None:
        stmt = stmt.where(Condition.approval == approval)
    if session_id is not None:
        stmt = stmt.where(Condition.session_id == session_id)
    return list((await session.execute(stmt.order_by(Condition.approval, Condition.number))).scalars())


async def following(session: AsyncSession, concept_note_id: str) -> list[Application]:
    """The full applications that follow a concept note (step 2 of a two-step call)."""
    stmt = select(Application).where(Application.concept_note_id == concept_note_id)
    return list((await session.execute(stmt)).scalars())


# --- decisions: the undertakings' turns and what approvals granted ------------------------------------
async def aid_counters(session: AsyncSession, numbers: list[str]) -> dict[str, int]:
    """How many approvals each organisation number has had (0 for one never granted aid)."""
    if not numbers:
        return {}
    rows = await session.execute(
        select(AidUndertaking.organisation_number, AidUndertaking.approvals).where(
            AidUndertaking.organisation_number.in_(numbers)
        )
    )
    found = {number: int(count) for number, count in rows}
    return {n: found.get(n, 0) for n in numbers}


async def take_aid_turns(session: AsyncSession, counters: dict[str, int]) -> list[str]:
    """Lock the undertakings' rows (created if missing, in a fixed order so two transactions never wait on
    each other crosswise; SELECT … FOR UPDATE on PostgreSQL, SQLite's BEGIN IMMEDIATE serialises writers)
    and count one more approval each. Returns the organisation numbers whose count is no longer the one
    read (another approval of them came in between); nothing is counted then."""
    if not counters:
        return []
    dialect = session.get_bind().dialect.name
    insert_fn: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    numbers = sorted(counters)
    for number in numbers:
        await session.execute(
            insert_fn(AidUndertaking).values(organisation_number=number, approvals=0).on_conflict_do_nothing()
        )
    stmt = select(AidUndertaking).where(AidUndertaking.organisation_number.in_(numbers))
    rows = {
        r.organisation_number: r
        for r in (await session.execute(stmt.order_by(AidUndertaking.organisation_number).with_for_update())).scalars()
    }
    moved = [n for n in numbers if rows[n].approvals != counters[n]]
    if not moved:
        for number in numbers:
            rows[number].approvals += 1
    return moved


def add_grant(session: AsyncSession, grant: Grant) -> None:
    session.add(grant)


async def grants(session: AsyncSession, apps: list[Application]) -> dict[str, Grant]:
    """The grant of each application's current approval (an approval made before grants were recorded has none)."""
    if not apps:
        return {}
    wanted = {(a.id, a.approvals) for a in apps}
    stmt = select(Grant).where(Grant.application_id.in_([a.id for a in apps]))
    return {
        g.application_id: g for g in (await session.execute(stmt)).scalars() if (g.application_id, g.approval) in wanted
    }
