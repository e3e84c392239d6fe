"""Answering a search: every language's documents (or one language's) asked with the query in that
language, on the database's own engine (PostgreSQL text search or SQLite FTS5), merged by rank and paged.

The text side (documents, stemming, query language, snippets) is `documents.py`; the SQL is `repository.py`.
"""

from __future__ import annotations

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import repository
from services.catalogue.programmes import get_programme_row
from services.catalogue.search import documents
from shared.pagination import Keyset, Page, PageParams, encode_cursor
from shared.problems import FieldError, Unprocessable
from shared.schemas import catalogue as wire

MAX_HITS = 1000
"""Hits reachable by paging one query; past them a search is too broad to read (narrow it instead)."""


class SearchAfter(Keyset):
    """Keyset of the search: the position after the last hit of a page (in rank order)."""

    offset: int = Field(ge=0, le=MAX_HITS)


async def search_catalogue(
    session: AsyncSession, *, q: str, programme: str | None, language: str | None, page: PageParams
) -> Page[wire.SearchHit]:
    """Hits ordered by rank (then programme, kind, code, language), a page at a time."""
    if not q.strip():
        raise Unprocessable("q: must contain a word", errors=[FieldError(field="query.q", message="is blank")])
    after = page.after(SearchAfter)
    if programme is not None:
        await get_programme_row(session, programme)
    start = after.offset if after else 0
    end = min(start + page.limit, MAX_HITS)
    # Each language's best `end + 1` rows hold the merged best `end + 1`: enough to cut the page and
    # to know whether another follows.
    wanted = end + 1
    languages = [language] if language else await repository.search_languages(session, programme)
    rows: list[repository.SearchRow] = []
    if session.get_bind().dialect.name == "postgresql":
        for lang in languages:
            rows += await repository.search_postgresql(session, q, lang, programme, wanted)
    else:
        groups = documents.parse_query(q)
        for lang in languages:
            rows += await repository.search_sqlite(session, groups, lang, programme, wanted)
    rows.sort(key=lambda r: (-r.rank, r.programme, r.kind, r.code, r.language))
    hits = [
        wire.SearchHit(
            programme=r.programme,
            kind=r.kind,
            code=r.code,
            language=r.language,
            title=r.title,
            snippet=r.snippet,
            rank=round(r.rank, 6),
        )
        for r in rows[start:end]
    ]
    more = len(rows) > end and end < MAX_HITS
    return Page[wire.SearchHit](items=hits, next_cursor=encode_cursor(SearchAfter(offset=end)) if more else None)
