"""RFC 9457 problem details: one error shape across all services, from one set of handlers.

Services raise `ProblemError` (or a subclass carrying its own status and type); validation errors,
unknown routes and unexpected failures are turned into `application/problem+json` here, never a stack
trace and never a 500 for bad input.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.i18n import negotiate, pick

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
    """An error that becomes a problem+json response. Subclass it with a fixed `status` and `slug`, its
    English `title` and that title in the other languages (`titles`, sv and nb). `detail` is a text, or
    the same in several languages (`{"sv": …, "nb": …, "en": …}`): the answer is in the language the
    request's `Accept-Language` chooses (`Content-Language` says which), English where there is none."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    titles: ClassVar[dict[str, str]] = {"sv": "Felaktig begäran", "nb": "Ugyldig forespørsel"}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "title" in cls.__dict__ and "titles" not in cls.__dict__:
            cls.titles = {}  # a new title without its translations: English, never the parent's translation

    def __init__(
        self,
        detail: str | dict[str, str] | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.details = detail if isinstance(detail, dict) else None
        english = pick(detail, "en") if isinstance(detail, dict) else detail
        super().__init__(english or title or self.title)
        self.detail = english
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.title_texts = dict(self.titles)
        if title is not None:
            self.title, self.title_texts = title, {}
        self.errors = errors
        self.headers = headers
        self.extra = extra

    def language(self, wanted: str) -> str:
        """The language the answer is in: `wanted` where the title is written in it, else English."""
        return wanted if wanted == "en" or wanted in self.title_texts else "en"

    def body(self, instance: str | None = None, language: str = "en") -> dict[str, Any]:
        detail = pick(self.details, language) if self.details else self.detail
        out: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title_texts.get(language, self.title),
            "status": self.status,
            "detail": detail or self.title_texts.get(language, self.title),
        }
        if instance:
            out["instance"] = instance
        if self.errors:
            out["errors"] = [e.model_dump() for e in self.errors]
        out.update(jsonable_encoder(self.extra))
        return out


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"
    titles: ClassVar[dict[str, str]] = {"sv": "Hittades inte", "nb": "Ikke funnet"}


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Konflikt med nuvarande tillstånd",
        "nb": "Konflikt med nåværende tilstand",
    }


class Unprocessable(ProblemError):
    status, slug, title = 422, "validation-error", "The request is not valid"
    titles: ClassVar[dict[str, str]] = {"sv": "Begäran är inte giltig", "nb": "Forespørselen er ikke gyldig"}


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"
    titles: ClassVar[dict[str, str]] = {"sv": "Inloggning krävs", "nb": "Innlogging kreves"}


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"
    titles: ClassVar[dict[str, str]] = {"sv": "Inte tillåtet", "nb": "Ikke tillatt"}


class UpstreamError(ProblemError):
    """Another service did not answer usefully; the request fails closed (503), never a silent pass."""

    status, slug, title = 503, "upstream-unavailable", "A service this request depends on is unavailable"
    titles: ClassVar[dict[str, str]] = {
        "sv": "En tjänst som begäran behöver är inte tillgänglig",
        "nb": "En tjeneste forespørselen trenger, er ikke tilgjengelig",
    }


class UpstreamRefused(ProblemError):
    """Another service refused what this request asked of it as invalid (its 4xx): the caller's input is
    the cause, so it is said as such (422 naming the service and its answer), not as an outage (503)."""

    status, slug, title = 422, "upstream-refused", "A service this request depends on refused it"
    titles: ClassVar[dict[str, str]] = {
        "sv": "En tjänst som begäran behöver avvisade den",
        "nb": "En tjeneste forespørselen trenger, avviste den",
    }


HTTP_TITLES: dict[int, dict[str, str]] = {
    401: {"en": "Authentication required", "sv": "Inloggning krävs", "nb": "Innlogging kreves"},
    403: {"en": "Not allowed", "sv": "Inte tillåtet", "nb": "Ikke tillatt"},
    404: {"en": "Not found", "sv": "Hittades inte", "nb": "Ikke funnet"},
    405: {"en": "Method not allowed", "sv": "Metoden är inte tillåten", "nb": "Metoden er ikke tillatt"},
    413: {"en": "Content too large", "sv": "Innehållet är för stort", "nb": "Innholdet er for stort"},
    500: {"en": "Internal error", "sv": "Internt fel", "nb": "Intern feil"},
}
"""The titles of the answers Starlette and the last-resort handler give, in sv, nb and en."""
HTTP_DETAILS: dict[int, dict[str, str]] = {
    404: {
        "en": "no such path: {path}",
        "sv": "sökvägen finns inte: {path}",
        "nb": "stien finnes ikke: {path}",
    },
    405: {
        "en": "{path} does not answer {method} (Allow: {allow})",
        "sv": "{path} svarar inte på {method} (Allow: {allow})",
        "nb": "{path} svarer ikke på {method} (Allow: {allow})",
    },
    500: {
        "en": "The server could not complete the request; it has been logged.",
        "sv": "Servern kunde inte slutföra begäran; felet har loggats.",
        "nb": "Serveren kunne ikke fullføre forespørselen; feilen er logget.",
    },
}


def language_of(request: Request) -> str:
    """The language of the request's messages: sv, nb or en by `Accept-Language` (English by default)."""
    return negotiate(request.headers.get("accept-language"))


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None, *, language: str = "en"
) -> JSONResponse:
    answer = JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    answer.headers["Content-Language"] = language
    vary = answer.headers.get("Vary")
    answer.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    return answer


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
    """Register the handlers that turn every error into problem+json, in the request's language."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        language = exc.language(language_of(request))
        return problem_response(exc.status, exc.body(request.url.path, language), exc.headers, language=language)

    def invalid(request: Request, errors: list[dict[str, Any]] | Any) -> JSONResponse:
        errs = validation_errors(errors)
        detail = "; ".join(f"{e.field}: {e.message}" for e in errs[:5])
        language = language_of(request)
        body = Unprocessable(detail, errors=errs).body(request.url.path, language)
        return problem_response(422, body, language=language)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(request, exc.errors())

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> JSONResponse:
        return invalid(request, exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        language = language_of(request)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        # A 413 is the same problem however the body came (declared or chunked): one type for it.
        slugs = {413: "content-too-large"}
        titles = HTTP_TITLES.get(exc.status_code, {"en": "Error", "sv": "Fel", "nb": "Feil"})
        details = HTTP_DETAILS.get(exc.status_code)
        fields = {"path": request.url.path, "method": request.method, "allow": headers.get("Allow", "")}
        body = {
            "type": PROBLEM_BASE + slugs[exc.status_code] if exc.status_code in slugs else "about:blank",
            "title": titles[language],
            "status": exc.status_code,
            "detail": details[language].format(**fields) if details else str(exc.detail),
            "instance": request.url.path,
        }
        return problem_response(exc.status_code, body, headers or None, language=language)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        language = language_of(request)
        body = {
            "type": PROBLEM_BASE + "internal-error",
            "title": HTTP_TITLES[500][language],
            "status": 500,
            "detail": HTTP_DETAILS[500][language],
            "instance": request.url.path,
        }
        return problem_response(500, body, language=language)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json errors of an endpoint."""
    descriptions = {
        400: "Bad request",
        401: "No or invalid bearer token",
        403: "The token's roles do not allow this",
        404: "Not found (or not yours)",
        409: "Conflicts with the current state",
        412: "Precondition failed: `If-Match` names an older state",
        428: "Precondition required: the write has no `If-Match`",
        422: "The request body or parameters are not valid",
        503: "A service or database this request needs is unavailable",
    }
    return {
        s: {"model": Problem, "description": descriptions.get(s, "Error"), "content": {PROBLEM_JSON: {}}}
        for s in statuses
    }
