"""RFC 9457 problem details: one error shape across all services, from one set of handlers.

Services raise `ProblemError` (or a subclass carrying its own status and type); validation errors,
unknown routes and unexpected failures are turned into `application/problem+json` here, never a stack
trace and never a 500 for bad input.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://problems.interreg-backend.dev/"
log = logging.getLogger("problems")


class FieldError(BaseModel):
    field: str = Field(description="Where the error is: dotted path into the body, or query./header./path. prefix")
    message: str


class Problem(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = Field(description="A URI naming the kind of problem", examples=[PROBLEM_BASE + "validation-error"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error that becomes a problem+json response. Subclass it with a fixed `status` and `slug`."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.errors = errors
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if instance:
            out["instance"] = instance
        if self.errors:
            out["errors"] = [e.model_dump() for e in self.errors]
        out.update(jsonable_encoder(self.extra))
        return out


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(ProblemError):
    status, slug, title = 422, "validation-error", "The request is not valid"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class UpstreamError(ProblemError):
    """Another service did not answer usefully; the request fails closed (503), never a silent pass."""

    status, slug, title = 503, "upstream-unavailable", "A service this request depends on is unavailable"


class UpstreamRefused(ProblemError):
    """Another service refused what this request asked of it as invalid (its 4xx): the caller's input is
    the cause, so it is said as such (422 naming the service and its answer), not as an outage (503)."""

    status, slug, title = 422, "upstream-refused", "A service this request depends on refused it"


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(errors: list[dict[str, Any]] | Any) -> list[FieldError]:
    out = []
    for e in errors:
        msg = str(e.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        out.append(FieldError(field=_loc_to_field(e.get("loc", ())), message=msg))
    return out


def allowed_methods(request: Request) -> str:
    """`Allow` of a 405: every method some route of the path answers (Starlette names only the first
    route's, though e.g. GET and PATCH of one path may live in two routers)."""
    methods = [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes
        )
    ]
    return ", ".join(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.body(request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = validation_errors(exc.errors())
        detail = "; ".join(f"{e.field}: {e.message}" for e in errs[:5])
        return problem_response(422, Unprocessable(detail, errors=errs).body(request.url.path))

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> JSONResponse:
        errs = validation_errors(exc.errors())
        detail = "; ".join(f"{e.field}: {e.message}" for e in errs[:5])
        return problem_response(422, Unprocessable(detail, errors=errs).body(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: "Not found",
            405: "Method not allowed",
            401: "Authentication required",
            403: "Not allowed",
            413: "Content too large",
        }
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        # A 413 is the same problem however the body came (declared or chunked): one type for it.
        slugs = {413: "content-too-large"}
        body = {
            "type": PROBLEM_BASE + slugs[exc.status_code] if exc.status_code in slugs else "about:blank",
            "title": titles.get(exc.status_code, "Error"),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return problem_response(exc.status_code, body, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        body = {
            "type": PROBLEM_BASE + "internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": "The server could not complete the request; it has been logged.",
            "instance": request.url.path,
        }
        return problem_response(500, body)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json errors of an endpoint."""
    descriptions = {
        400: "Bad request",
        401: "No or invalid bearer token",
        403: "The token's roles do not allow this",
        404: "Not found (or not yours)",
        409: "Conflicts with the current state",
        412: "Precondition failed",
        422: "The request body or parameters are not valid",
        503: "A service or database this request needs is unavailable",
    }
    return {
        s: {"model": Problem, "description": descriptions.get(s, "Error"), "content": {PROBLEM_JSON: {}}}
        for s in statuses
    }
