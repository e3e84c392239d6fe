"""All SQL of the eligibility service. Never commits; inserts only (versions are immutable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.eligibility.models import (
    PROGRAMME_WIDE,
    DataVersion,
    RuleRow,
    RuleSetActivation,
    RuleSetRow,
    RuleSetVersionRow,
)


async def get_rule_set(session: AsyncSession, rule_set_id: str, *, lock: bool = False) -> RuleSetRow | None:
    """The rule set's row; `lock` takes a row lock (PostgreSQL) so two new versions cannot race."""
    stmt = select(RuleSetRow).where(RuleSetRow.id == rule_set_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_rule_set(session: AsyncSession, programme: str, call_id: str | None) -> RuleSetRow | None:
    """The set for exactly this programme and call (`None`: the programme-wide set)."""
    scope = call_id or PROGRAMME_WIDE
    stmt = select(RuleSetRow).where(RuleSetRow.programme == programme, RuleSetRow.scope_key == scope)
    return (await session.execute(stmt)).scalar_one_or_none()


async def data_version(session: AsyncSession) -> int:
    """The rule sets' data version (bumped by triggers on every write of a rule-set table; 0 before any)."""
    stmt = select(DataVersion.version).where(DataVersion.id == 1)
    return int((await session.execute(stmt)).scalar_one_or_none() or 0)


async def rule_sets_with_latest(session: AsyncSession) -> list[tuple[RuleSetRow, int | None]]:
    """Every rule set with its latest version number (None when it has none), in one round trip."""
    latest = (
        select(func.max(RuleSetVersionRow.version))
        .where(RuleSetVersionRow.rule_set_id == RuleSetRow.id)
        .scalar_subquery()
    )
    return [(row, number) for row, number in (await session.execute(select(RuleSetRow, latest))).all()]


async def latest_version(session: AsyncSession, rule_set_id: str) -> int | None:
    stmt = select(func.max(RuleSetVersionRow.version)).where(RuleSetVersionRow.rule_set_id == rule_set_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_version(session: AsyncSession, rule_set_id: str, version: int) -> RuleSetVersionRow | None:
    """A version with its rules loaded (in order)."""
    stmt = (
        select(RuleSetVersionRow)
        .where(RuleSetVersionRow.rule_set_id == rule_set_id, RuleSetVersionRow.version == version)
        .options(selectinload(RuleSetVersionRow.rules))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_rule_sets(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(RuleSetRow))).scalar_one())


async def insert_rule_set(
    session: AsyncSession, *, rule_set_id: str, programme: str, call_id: str | None, now: dt.datetime
) -> RuleSetRow:
    row = RuleSetRow(
        id=rule_set_id, programme=programme, call_id=call_id, scope_key=call_id or PROGRAMME_WIDE, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def insert_version(
    session: AsyncSession,
    *,
    rule_set_id: str,
    version: int,
    name: dict[str, str],
    description: dict[str, str],
    digest: str,
    created_by: str,
    now: dt.datetime,
    sources: dict[str, str],
    rules: list[dict[str, Any]],
) -> None:
    """A new version and its rules (each dict: code, kind, severity, params, source, param_sources)."""
    session.add(
        RuleSetVersionRow(
            rule_set_id=rule_set_id,
            version=version,
            name=name,
            description=description,
            digest=digest,
            created_at=now,
            created_by=created_by,
            sources=sources,
        )
    )
    await session.flush()
    session.add_all(
        [
            RuleRow(
                rule_set_id=rule_set_id,
                version=version,
                position=i,
                code=r["code"],
                kind=r["kind"],
                severity=r["severity"],
                params=r["params"],
                source=r["source"],
                param_sources=r["param_sources"],
            )
            for i, r in enumerate(rules)
        ]
    )
    await session.flush()


async def activations(session: AsyncSession) -> list[RuleSetActivation]:
    """Every activation of every rule set, by set and effective instant."""
    stmt = select(RuleSetActivation).order_by(
        RuleSetActivation.rule_set_id, RuleSetActivation.effective_from, RuleSetActivation.version
    )
    return list((await session.execute(stmt)).scalars())


async def activation_of(session: AsyncSession, rule_set_id: str, version: int) -> RuleSetActivation | None:
    return await session.get(RuleSetActivation, (rule_set_id, version))


async def insert_activation(
    session: AsyncSession, *, rule_set_id: str, version: int, effective_from: dt.datetime, by: str, now: dt.datetime
) -> RuleSetActivation:
    row = RuleSetActivation(
        rule_set_id=rule_set_id, version=version, effective_from=effective_from, activated_by=by, activated_at=now
    )
    session.add(row)
    await session.flush()
    return row


def _latest_subquery() -> Subquery:
    return (
        select(RuleSetVersionRow.rule_set_id, func.max(RuleSetVersionRow.version).label("latest"))
        .group_by(RuleSetVersionRow.rule_set_id)
        .subquery()
    )


async def list_rule_sets(
    session: AsyncSession, *, programme: str | None, after_id: str | None, limit: int
) -> list[tuple[RuleSetRow, RuleSetVersionRow]]:
    """Rule sets ordered by id (keyset after `after_id`), each with its latest version (rules not loaded)."""
    latest = _latest_subquery()
    stmt = (
        select(RuleSetRow, RuleSetVersionRow)
        .join(latest, latest.c.rule_set_id == RuleSetRow.id)
        .join(
            RuleSetVersionRow,
            (RuleSetVersionRow.rule_set_id == RuleSetRow.id) & (RuleSetVersionRow.version == latest.c.latest),
        )
        .order_by(RuleSetRow.id)
        .limit(limit)
    )
    if programme is not None:
        stmt = stmt.where(RuleSetRow.programme == programme)
    if after_id is not None:
        stmt = stmt.where(RuleSetRow.id > after_id)
    return [(a, b) for a, b in (await session.execute(stmt)).all()]


async def list_versions(
    session: AsyncSession, rule_set_id: str, *, after_version: int | None, limit: int
) -> list[RuleSetVersionRow]:
    """Versions of a set, oldest first, with their rules loaded."""
    stmt = (
        select(RuleSetVersionRow)
        .where(RuleSetVersionRow.rule_set_id == rule_set_id)
        .options(selectinload(RuleSetVersionRow.rules))
        .order_by(RuleSetVersionRow.version)
        .limit(limit)
    )
    if after_version is not None:
        stmt = stmt.where(RuleSetVersionRow.version > after_version)
    return list((await session.execute(stmt)).scalars().all())
