"""All SQL of partner search. Never commits.

The search is one portable statement on both back ends: every query word must be one of the entry's stems
(`terms` holds ` stem stem … `, so `LIKE '% stem %'` matches a whole stem), any of the word's stems in the
languages searched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue.models import PartnerEntry


@dataclass(frozen=True)
class Filters:
    programme: str | None = None
    country: str | None = None
    specific_objective: str | None = None
    organisation_type: str | None = None
    kind: str | None = None
    words: Sequence[Sequence[str]] | None = ()
    """Per query word, the stems any one of which the entry must have; None: a query without a word, which
    matches nothing."""


def add(session: AsyncSession, row: PartnerEntry) -> None:
    session.add(row)


async def entry(session: AsyncSession, entry_id: uuid.UUID, *, for_update: bool = False) -> PartnerEntry | None:
    stmt = select(PartnerEntry).where(PartnerEntry.id == entry_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def published(session: AsyncSession, filters: Filters, *, before: int | None, limit: int) -> list[PartnerEntry]:
    """Entries not withdrawn that match every filter, newest first."""
    if filters.words is None:
        return []
    stmt = select(PartnerEntry).where(PartnerEntry.withdrawn_at.is_(None))
    for column, value in (
        (PartnerEntry.programme, filters.programme),
        (PartnerEntry.country, filters.country),
        (PartnerEntry.organisation_type, filters.organisation_type),
        (PartnerEntry.kind, filters.kind),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.specific_objective is not None:
        stmt = stmt.where(PartnerEntry.objectives_key.contains(f",{filters.specific_objective},", autoescape=True))
    if filters.words:
        stmt = stmt.where(
            and_(
                *(
                    or_(*(PartnerEntry.terms.contains(f" {s} ", autoescape=True) for s in stems))
                    for stems in filters.words
                )
            )
        )
    if before is not None:
        stmt = stmt.where(PartnerEntry.seq < before)
    return list((await session.scalars(stmt.order_by(PartnerEntry.seq.desc()).limit(limit))).all())


async def authored(session: AsyncSession, author: str, *, before: int | None, limit: int) -> list[PartnerEntry]:
    """The author's entries, withdrawn ones too, newest first."""
    stmt = select(PartnerEntry).where(PartnerEntry.author_sub == author)
    if before is not None:
        stmt = stmt.where(PartnerEntry.seq < before)
    return list((await session.scalars(stmt.order_by(PartnerEntry.seq.desc()).limit(limit))).all())
