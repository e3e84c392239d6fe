"""What an upstream said when it refused: the `detail` of its problem+json, cut to a readable length."""

from __future__ import annotations

from typing import Any

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
