"""All SQL of the catalogue. Never commits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import models
from services.catalogue.search import documents

E = TypeVar("E", bound=models.Base)


async def check_migrated(session: AsyncSession) -> None:
    """Fails unless the catalogue's tables exist (readiness: the database is reachable and migrated)."""
    await session.execute(text("SELECT 1 FROM programmes LIMIT 1"))


async def programmes(session: AsyncSession) -> Sequence[models.Programme]:
    return (
        await session.scalars(select(models.Programme).order_by(models.Programme.position, models.Programme.code))
    ).all()


async def programme(session: AsyncSession, code: str) -> models.Programme | None:
    return await session.get(models.Programme, code)


async def entries(session: AsyncSession, model: type[E], programme: str, **filters: Any) -> Sequence[E]:
    """Entries of one programme in data-file order, optionally filtered by column equality."""
    stmt = select(model).where(model.programme == programme)  # type: ignore[attr-defined]
    for column, value in filters.items():
        stmt = stmt.where(getattr(model, column) == value)
    return (await session.scalars(stmt.order_by(model.position))).all()  # type: ignore[attr-defined]


async def entry(session: AsyncSession, model: type[E], programme: str, code: str) -> E | None:
    return await session.get(model, (programme, code))


async def calls(session: AsyncSession, programme: str) -> Sequence[models.Call]:
    stmt = select(models.Call).where(models.Call.programme == programme)
    return (await session.scalars(stmt.order_by(models.Call.opens_at, models.Call.number))).all()


async def call(session: AsyncSession, call_id: uuid.UUID, *, for_update: bool = False) -> models.Call | None:
    stmt = select(models.Call).where(models.Call.id == call_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def call_by_number(session: AsyncSession, programme: str, number: str) -> models.Call | None:
    stmt = select(models.Call).where(models.Call.programme == programme, models.Call.number == number)
    return (await session.scalars(stmt)).one_or_none()


async def delete_entries(session: AsyncSession, model: type[E], programme: str, keep: set[str]) -> int:
    """Remove the entries of `programme` whose code is not in `keep` (gone from the data file)."""
    code_col = model.code  # type: ignore[attr-defined]
    stmt = delete(model).where(model.programme == programme)  # type: ignore[attr-defined]
    if keep:
        stmt = stmt.where(code_col.not_in(keep))
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


# --- search index -----------------------------------------------------------------------------------


async def sync_search_documents(
    session: AsyncSession,
    programme: str,
    docs: list[documents.Document],
    *,
    kind: str | None = None,
    code: str | None = None,
) -> None:
    """Make the stored documents of `programme` (optionally only those of one kind/code) equal to
    `docs`: insert new ones, update changed ones, delete the rest. Unchanged rows are not touched."""
    stmt = select(models.SearchDocument).where(models.SearchDocument.programme == programme)
    if kind is not None:
        stmt = stmt.where(models.SearchDocument.kind == kind)
    if code is not None:
        stmt = stmt.where(models.SearchDocument.code == code)
    existing = {(d.kind, d.code, d.language): d for d in (await session.scalars(stmt)).all()}
    wanted = {(d.kind, d.code, d.language): d for d in docs}
    for key, stale in existing.items():
        if key not in wanted:
            await session.delete(stale)
    await session.flush()
    for key, doc in wanted.items():
        title_stem = documents.stemmed_copy(doc.title, doc.language)
        body_stem = documents.stemmed_copy(doc.body, doc.language)
        row = existing.get(key)
        if row is None:
            session.add(
                models.SearchDocument(
                    programme=programme,
                    kind=doc.kind,
                    code=doc.code,
                    language=doc.language,
                    title=doc.title,
                    body=doc.body,
                    title_stem=title_stem,
                    body_stem=body_stem,
                )
            )
        elif (row.title, row.body, row.title_stem, row.body_stem) != (doc.title, doc.body, title_stem, body_stem):
            row.title, row.body, row.title_stem, row.body_stem = doc.title, doc.body, title_stem, body_stem
    await session.flush()


@dataclass(frozen=True)
class SearchRow:
    programme: str
    kind: str
    code: str
    language: str
    title: str
    snippet: str
    rank: float


async def search_languages(session: AsyncSession, programme: str | None) -> list[str]:
    stmt = select(models.SearchDocument.language).distinct()
    if programme is not None:
        stmt = stmt.where(models.SearchDocument.programme == programme)
    return sorted((await session.scalars(stmt)).all())


_PG_HEADLINE_BODY = 'StartSel=[, StopSel=], MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … "'
_PG_HEADLINE_TITLE = "StartSel=[, StopSel=], HighlightAll=true"


async def search_postgresql(
    session: AsyncSession, q: str, language: str, programme: str | None, limit: int
) -> list[SearchRow]:
    """Documents of one language matched with its text search configuration (GIN index per language)."""
    config = documents.PG_CONFIGS.get(language, "simple")
    vector = (
        f"(setweight(to_tsvector('{config}'::regconfig, title), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, body), 'D'))"
    )
    sql = f"""
        WITH q AS (SELECT websearch_to_tsquery('{config}'::regconfig, :q) AS query)
        SELECT d.programme, d.kind, d.code, d.language, d.title,
               ts_rank({vector}, q.query) AS rank,
               ts_headline('{config}'::regconfig, d.title, q.query, :title_opts) AS title_hl,
               ts_headline('{config}'::regconfig, d.body, q.query, :body_opts) AS body_hl
        FROM search_documents d, q
        WHERE d.language = :language AND {vector} @@ q.query
              {"AND d.programme = :programme" if programme else ""}
        ORDER BY rank DESC, d.programme, d.kind, d.code
        LIMIT :limit
    """
    params: dict[str, Any] = {
        "q": q,
        "language": language,
        "limit": limit,
        "title_opts": _PG_HEADLINE_TITLE,
        "body_opts": _PG_HEADLINE_BODY,
    }
    if programme:
        params["programme"] = programme
    rows = (await session.execute(text(sql), params)).all()
    out = []
    for r in rows:
        snippet = r.body_hl if "[" in (r.body_hl or "") else r.title_hl
        out.append(SearchRow(r.programme, r.kind, r.code, r.language, r.title, snippet, float(r.rank)))
    return out


async def search_sqlite(
    session: AsyncSession, groups: list[list[documents.Term]], language: str, programme: str | None, limit: int
) -> list[SearchRow]:
    """Documents of one language matched in FTS5 with the query stemmed in that language; bm25 rank."""
    match = documents.fts5_match(groups, language)
    if match is None:
        return []
    sql = f"""
        SELECT d.programme, d.kind, d.code, d.language, d.title, d.body,
               -bm25(search_fts, {documents.TITLE_WEIGHT}, {documents.BODY_WEIGHT}) AS rank,
               highlight(search_fts, 0, char(2), char(3)) AS title_hl,
               highlight(search_fts, 1, char(2), char(3)) AS body_hl
        FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
        WHERE search_fts MATCH :match AND d.language = :language
              {"AND d.programme = :programme" if programme else ""}
        ORDER BY rank DESC, d.programme, d.kind, d.code
        LIMIT :limit
    """
    params: dict[str, Any] = {"match": match, "language": language, "limit": limit}
    if programme:
        params["programme"] = programme
    rows = (await session.execute(text(sql), params)).all()
    out = []
    for r in rows:
        snippet = (
            documents.marked_snippet(r.body, r.body_hl)
            or documents.marked_snippet(r.title, r.title_hl, window=60)
            or r.title
        )
        out.append(SearchRow(r.programme, r.kind, r.code, r.language, r.title, snippet, float(r.rank)))
    return out


# --- data version (services/catalogue/response_cache.py) ------------------------------------------------


async def data_state(session: AsyncSession, now: dt.datetime) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    """The data version (0 before any write), and the first opening after `now` and the first closing
    at or after `now` of any call: the instants at which answers that show a call's status change."""
    call = models.Call
    version = select(models.DataVersion.version).where(models.DataVersion.id == 1).scalar_subquery()
    opening = select(func.min(call.opens_at)).where(call.opens_at > now).scalar_subquery()
    closing = select(func.min(call.closes_at)).where(call.closes_at >= now).scalar_subquery()
    row = (await session.execute(select(version, opening, closing))).one()
    return int(row[0] or 0), row[1], row[2]
