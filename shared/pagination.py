"""Cursor pagination, the one way every list pages: `?limit=` (default 50, max 500) and `?cursor=`;
body `{"items": [...], "next_cursor": …}`.

A cursor is opaque to clients: URL-safe base64 of the JSON keyset (the sort key of the last item).
Each list declares its keyset as a pydantic model (`class After(Keyset): number: int = Field(ge=1)`),
so a cursor is decoded and validated in one place: anything that is not a keyset of that list — crafted,
truncated, negative, of another list — is a 422 naming `query.cursor`, never a 500.

    params: Paging                              # ?limit= and ?cursor=
    after = params.after(ByNumber)              # ByNumber | None
    rows = await repository.things(session, after=after, limit=params.limit + 1)
    return paginate(rows, params, lambda row: ByNumber(number=row.number))
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.problems import FieldError, Unprocessable

T = TypeVar("T")
K = TypeVar("K", bound="Keyset")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_LENGTH = 512
MAX_VERSION = 2_147_483_647
"""The largest version number a path or query may name: what an INTEGER column holds on PostgreSQL (and
SQLite), so a larger one is a 422 naming the parameter, never a 500 from the database."""


class Page(BaseModel, Generic[T]):
    """One page of a list: its `items`, and `next_cursor` for the next page (`?cursor=`). Every paged list
    answers this envelope; a report that is not paged carries all its parts at once under their own names
    (the budget's `rows`, a time series' `points`)."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as ?cursor= for the next page; null on the last")


class Keyset(BaseModel):
    """Base of a list's keyset: the sort key of the last item of a page. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Offset(Keyset):
    """Keyset of small in-memory lists (reference data) paged by position."""

    offset: int = Field(ge=0)


def _invalid() -> Unprocessable:
    return Unprocessable(
        "the cursor is not one this API returned",
        errors=[FieldError(field="query.cursor", message="invalid cursor")],
    )


def encode_cursor(keyset: Keyset) -> str:
    raw = keyset.model_dump_json().encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keyset: type[K]) -> K:
    """The keyset a cursor carries; 422 for anything this API did not return."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        # Strict JSON validation: `{"offset": "1"}` is not a cursor this API wrote (it writes 1).
        return keyset.model_validate_json(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, ValidationError):
        raise _invalid() from None


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None

    def after(self, keyset: type[K]) -> K | None:
        """The decoded keyset of `?cursor=`, or None on the first page."""
        return decode_cursor(self.cursor, keyset) if self.cursor is not None else None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500)")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_CURSOR_LENGTH, description="The `next_cursor` of the previous page"),
    ] = None,
) -> PageParams:
    """FastAPI dependency for list endpoints."""
    return PageParams(limit=limit, cursor=cursor)


Paging = Annotated[PageParams, Depends(page_params)]
"""A list endpoint's `?limit=` and `?cursor=` (the one way every list takes them)."""


def next_cursor(rows: Sequence[T], params: PageParams, keyset: Callable[[T], Keyset]) -> str | None:
    """The cursor after a page fetched with `limit + 1` rows, or None when it was the last."""
    if len(rows) > params.limit and params.limit > 0:
        return encode_cursor(keyset(rows[params.limit - 1]))
    return None


def paginate(rows: Sequence[T], params: PageParams, keyset: Callable[[T], Keyset]) -> Page[T]:
    """Cut a list fetched with `limit + 1` rows into a page; `keyset(row)` gives the next cursor's keyset."""
    return Page[T](items=list(rows[: params.limit]), next_cursor=next_cursor(rows, params, keyset))


def paginate_sequence(rows: Sequence[T], params: PageParams) -> Page[T]:
    """Paginate a small in-memory list (reference data) by position."""
    after = params.after(Offset)
    start = after.offset if after else 0
    end = start + params.limit
    cursor = encode_cursor(Offset(offset=end)) if end < len(rows) else None
    return Page[T](items=list(rows[start:end]), next_cursor=cursor)
