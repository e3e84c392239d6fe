"""HTTP caching for reads: strong ETags over the exact JSON bytes, `If-None-Match` -> 304, Cache-Control."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (or is `*`); weak and strong forms compare equal."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return etag in candidates


def cached_json(request: Request, content: Any, *, max_age: int = 60, public: bool = True) -> Response:
    """A JSON response with an ETag; 304 with no body when the client already has this version."""
    body = json.dumps(jsonable_encoder(content), ensure_ascii=False, separators=(",", ":")).encode()
    return cached_body(request, body, media_type="application/json", max_age=max_age, public=public)


def cached_body(request: Request, body: bytes, *, media_type: str, max_age: int = 60, public: bool = True) -> Response:
    """Any body (a CSV export) with a strong ETag over its bytes; 304 when the client already has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'public' if public else 'private'}, max-age={max_age}, must-revalidate",
        "Vary": "Accept-Language, Authorization",
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
