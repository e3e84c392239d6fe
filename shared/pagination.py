"""Cursor pagination: `?limit=` (default 50, max 500) and `?cursor=`; body `{"items": [...], "next_cursor": …}`.

A cursor is opaque to clients: URL-safe base64 of the JSON keyset (the sort key of the last item).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from shared.problems import FieldError, Unprocessable

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as ?cursor= for the next page; null on the last")


def encode_cursor(keyset: dict[str, Any]) -> str:
    raw = json.dumps(keyset, separators=(",", ":"), sort_keys=True, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise Unprocessable(
            "the cursor is not one this API returned",
            errors=[FieldError(field="query.cursor", message="invalid cursor")],
        )
    return value


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: dict[str, Any] | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500)")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="The `next_cursor` of the previous page")] = None,
) -> PageParams:
    """FastAPI dependency for list endpoints."""
    return PageParams(limit=limit, cursor=decode_cursor(cursor) if cursor else None)


def paginate(rows: list[T], params: PageParams, keyset: Any) -> Page[T]:
    """Cut a list fetched with `limit + 1` rows into a page; `keyset(row)` gives the next cursor's keyset."""
    more = len(rows) > params.limit
    items = rows[: params.limit]
    next_cursor = encode_cursor(keyset(items[-1])) if more and items else None
    return Page[T](items=items, next_cursor=next_cursor)


def paginate_sequence(rows: list[T], params: PageParams) -> Page[T]:
    """Paginate a small in-memory list (reference data) by position."""
    start = int(params.cursor.get("offset", 0)) if params.cursor else 0
    chunk = rows[start : start + params.limit]
    nxt = start + params.limit
    return Page[T](items=chunk, next_cursor=encode_cursor({"offset": nxt}) if nxt < len(rows) else None)
