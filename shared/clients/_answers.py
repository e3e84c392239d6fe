"""What the clients share of an upstream: the `detail` of a refusal's problem+json, cut to a readable length,
and path segments escaped."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The response's problem+json body, or {} when it is not a JSON object."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def detail_of(response: httpx.Response) -> str:
    """The problem's `detail` (or `title`), else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:1000]
    return str(body)[:300]


def segment(value: str) -> str:
    """One path segment of an upstream's URL, escaped: a code never changes the path it is put in."""
    return quote(value, safe="")
