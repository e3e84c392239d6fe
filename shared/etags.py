"""Optimistic concurrency for resources that several people edit (RFC 9110 §8.8.3, §13.1): a strong ETag
derived from the row's own revision counter (nothing stored beside it that could drift), `If-None-Match`
on a read (304), and `If-Match` required on a write: without it a 428 `precondition-required`, with a
stale one a 412 `precondition-failed` naming the current ETag; neither changes anything.

The conditions are checked on the locked row after the caller is known to see it (404) and to be allowed
to write it (403), before the move itself is judged (409, 422), so a refused write stays a refusal."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Header, Request, Response

from shared.caching import etag_matches
from shared.problems import Problem, ProblemError

T = TypeVar("T")

ETAG_HEADER = {
    "ETag": {
        "description": "Strong validator of the resource's current state: send it back as `If-Match` to write",
        "schema": {"type": "string", "examples": ['"7.active"']},
    }
}

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the state this write was made on (from the last read or write); required: "
        "428 without it, 412 when the resource has changed since",
    ),
]
IfNoneMatch = Annotated[
    str | None, Header(alias="If-None-Match", description="An ETag the client holds: 304 when it is current")
]


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "The resource has changed since it was read"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Resursen har ändrats sedan den lästes",
        "nb": "Ressursen er endret siden den ble lest",
    }


class PreconditionRequired(ProblemError):
    status, slug, title = 428, "precondition-required", "This write needs If-Match"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Den här ändringen kräver If-Match",
        "nb": "Denne endringen krever If-Match",
    }


def etag_of(*parts: object) -> str:
    """A strong ETag of the parts (revision counters, states): `"7.active"`."""
    return '"' + ".".join("-" if p is None else str(p) for p in parts) + '"'


def require_match(if_match: str | None, current: str) -> None:
    """428 without `If-Match`, 412 naming `current` when it names another state (strong comparison: a
    weak tag never matches; `*` matches the existing resource)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            {
                "sv": f"skicka If-Match med resursens ETag (nu {current}); läs den först",
                "nb": f"send If-Match med ressursens ETag (nå {current}); les den først",
                "en": f"send If-Match with the resource's ETag (now {current}); read it first",
            },
            current_etag=current,
            headers={"ETag": current},
        )
    candidates = [c.strip() for c in if_match.split(",")]
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed(
        {
            "sv": f"resursen har ändrats: If-Match {if_match.strip()}, nu {current}; läs den igen och gör om ändringen",
            "nb": f"ressursen er endret: If-Match {if_match.strip()}, nå {current}; les den på nytt og gjør endringen igjen",
            "en": f"the resource has changed: If-Match {if_match.strip()}, now {current}; read it again and redo the change",
        },
        current_etag=current,
        headers={"ETag": current},
    )


VARY = "Authorization, Accept-Language"
"""What a tagged answer depends on besides the resource: the caller (its `allowed_actions`, what it may see)."""


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 when the read's `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2), else None."""
    if request.method in ("GET", "HEAD") and etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Vary": VARY})
    return None


def tagged(response: Response, etag: str, body: T) -> T:
    """`body`, answered with its `ETag` (set on the endpoint's `response`)."""
    response.headers["ETag"] = etag
    response.headers["Vary"] = VARY
    return body


def conditional(*, read: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` of an operation with an ETag: the 200's header, and a read's 304 or a write's
    412 and 428 (problem+json)."""
    out: dict[int | str, dict[str, Any]] = {200: {"description": "OK", "headers": ETAG_HEADER}}
    if read:
        out[304] = {"description": "Not modified: the `If-None-Match` ETag is current", "headers": ETAG_HEADER}
        return out
    for status, description in (
        (412, "Precondition failed: `If-Match` names an older state; `current_etag` (and `ETag`) the current one"),
        (428, "Precondition required: the write has no `If-Match`"),
    ):
        out[status] = {
            "description": description,
            "headers": ETAG_HEADER,
            "model": Problem,
        }
    return out
