"""`POST /v1/checks`: the eligibility report of an application; `POST /v1/checks/batch`: the reports of
several (public)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.eligibility import checks
from services.eligibility.engine.rules import report_json
from services.eligibility.examples import CHECK_EXAMPLES, GRON_INDUSTRIVAXT, GRON_INDUSTRIVAXT_66, REPORT_EXAMPLE
from services.eligibility.schemas import SLUG
from shared.auth import OptionalPrincipal
from shared.i18n import negotiate
from shared.problems import ProblemError, problem_responses
from shared.schemas.applications import CheckRequest
from shared.schemas.eligibility import CheckBatch, CheckBatchReport, CheckProblem, Report


class CheckFastPath:
    """`POST /v1/checks` answered at the ASGI level for the request almost every check is: a JSON body with a
    `Content-Length`, no query string, no `Authorization`. Its only parameters are then the body and
    `Accept-Language`: the body is validated from its bytes by pydantic-core (`model_validate_json`, which
    reads JSON as `json.loads` does for every body it accepts, at a fraction of the cost of parsing first
    and validating the objects after) and the report is made by `answer`, as the route makes it. Routing, the
    request and response objects and FastAPI's parameter solving are skipped: a third of what the
    framework costs this request (docs/performance.md). It runs inside the guards (`route_middleware` of
    `shared.app.build_app`), so the body-size and write-rate limits apply as to any route; the request
    context (request id, access line, metrics under the route's template) is outside it.

    Anything else — another method or path, a query parameter, a token, another content type, a body that
    does not parse or validate, dependency overrides — goes on to the routes with its body replayed, so
    FastAPI's answers and errors stay FastAPI's and the OpenAPI document stays the one the endpoint
    declares. An error the check raises is answered by the app's handler for it, as for the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] not in (CHECKS_PATH, BATCH_PATH)
            or scope["method"] != "POST"
            or scope["query_string"]
        ):
            await self.app(scope, receive, send)
            return
        content_type = length = language = None
        token = False
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = content_type or value
            elif name == b"content-length":
                length = length or value
            elif name == b"accept-language":
                language = language or value
            elif name == b"authorization":
                token = True  # to be verified: the route's
        fastapi_app = scope["app"]
        if token or content_type != b"application/json" or length is None or fastapi_app.dependency_overrides:
            await self.app(scope, receive, send)
            return
        raw, more = await _body(receive)
        replay = _replaying(raw, receive, more)
        batch = scope["path"] == BATCH_PATH
        application: CheckRequest | CheckBatch | None = None
        if more is None and raw:
            try:
                application = (CheckBatch if batch else CheckRequest).model_validate_json(raw)
            except ValueError:  # not JSON, or not valid: the route answers it, with FastAPI's own errors
                pass
        if application is None:
            await self.app(scope, replay, send)
            return
        scope["route"] = _BATCH_ROUTE if batch else _CHECK_ROUTE  # the template the access line and metrics name
        accept_language = language.decode("latin-1") if language is not None else None
        try:
            if isinstance(application, CheckBatch):
                content, chosen = await answer_batch(fastapi_app, application, accept_language)
            else:
                content, chosen = await answer(fastapi_app, application, accept_language)
        except Exception as exc:
            handler = _handler_for(fastapi_app, exc)
            if handler is None:
                raise
            response = await handler(Request(scope, replay), exc)
            await response(scope, replay, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode("latin-1")),
            *(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in report_headers(chosen).items()
            ),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def _body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body, or what was read of it and the message that ended it (a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replaying(raw: bytes, receive: Receive, ended: Message | None = None) -> Receive:
    """A `receive` that gives the body read already (or what ended it), then goes on with `receive`."""
    pending: list[Message] = [ended or {"type": "http.request", "body": raw, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


def _handler_for(app: Any, exc: Exception) -> Callable[..., Any] | None:
    """The app's handler for `exc` (the nearest class in its MRO), as Starlette's exception middleware finds
    it; None for what only the server-error middleware answers (a handler of `Exception` itself)."""
    handlers = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            handler: Callable[..., Any] = handlers[cls]
            return handler
    return None


def report_headers(language: str) -> dict[str, str]:
    """A report's headers besides its type and length, on either way it is answered."""
    return {"Content-Language": language, "Vary": "Accept-Language", "Cache-Control": "no-store"}


async def answer(
    app: Any,
    application: CheckRequest,
    accept_language: str | None,
    rule_set: str | None = None,
    rule_set_version: int | None = None,
) -> tuple[bytes, str]:
    """The report of `application` as the JSON the endpoint answers, and its language."""
    # The app state's values read from its dict: each `state.x` would first fail a plain attribute lookup,
    # with an exception and its message made, before Starlette's `State.__getattr__` finds it.
    state = app.state._state
    language = negotiate(accept_language)
    # No request transaction: the check reads its rule set in a short session of its own, so nothing is
    # held open while the catalogue answers.
    report = await checks.check(
        state["db"],
        state["reference"],
        application,
        language=language,
        timezone=state["timezone"],
        now=state["clock"](),
        index=await state["rule_set_index"].current(),
        rule_set_id=rule_set,
        version=rule_set_version,
        versions=state["rule_set_versions"],
    )
    # The report is plain data built from validated parts (rules.report_of), encoded once (rules.report_json):
    # no models are built to be serialised, and `response_model` only documents it.
    return report_json(report), language


router = APIRouter(prefix="/v1", tags=["checks"])
CHECKS_PATH = "/v1/checks"
BATCH_PATH = "/v1/checks/batch"


@router.post(
    "/checks",
    response_model=Report,
    summary="Check an application against its programme's rules",
    responses={
        200: {
            "content": {"application/json": {"example": REPORT_EXAMPLE}},
            "description": "The report (also when the application is not eligible)",
        },
        **problem_responses(401, 404, 422, 503),
    },
    # Public: a token is optional (a bad one is a 401), which OpenAPI says with an empty requirement.
    openapi_extra={"security": [{}]},
)
async def check_application(
    request: Request,
    _caller: OptionalPrincipal,
    application: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
    rule_set: Annotated[
        str | None,
        Query(pattern=SLUG, description="Use this rule set (default: the call's own set, else the programme's)"),
    ] = None,
    rule_set_version: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**31 - 1,  # the column's range: a larger number is a 422, not a database error
            description="Use this version (default: the latest), e.g. to reproduce an old report",
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(description="sv, nb or en (default en)")] = None,
) -> Response:
    """Evaluate every rule of the rule set (never stopping at the first failure) and answer the report:
    per rule whether it passed, its severity, a message in the language of `Accept-Language` (sv, nb, en)
    and the figures it used. `eligible` is false when a rule of severity `error` failed — a 200, not an
    error. Side-effect free; the same application, check date (`as_of`, default today in Europe/Stockholm)
    and rule-set version always give the same report.

    Reference data (regions, organisation types, project types, the call) comes from the catalogue; when it
    cannot be reached the answer is 503, never a silent pass. An unknown programme is a 422; an unknown call
    fails the `call-open` rule. No token is needed; a token that is sent must be valid (401 otherwise)."""
    content, language = await answer(request.app, application, accept_language, rule_set, rule_set_version)
    return Response(
        content=content,
        media_type="application/json",
        headers=report_headers(language),
    )


_CHECK_ROUTE = next(route for route in router.routes if isinstance(route, APIRoute) and route.path == CHECKS_PATH)


@router.post(
    BATCH_PATH.removeprefix("/v1"),
    response_model=CheckBatchReport,
    summary="Check several applications at once",
    responses={
        200: {"description": "One answer per application, in the batch's order (a report, or its problem)"},
        **problem_responses(401, 422),
    },
    openapi_extra={"security": [{}]},
)
async def check_applications(
    request: Request,
    _caller: OptionalPrincipal,
    batch: Annotated[
        CheckBatch,
        Body(
            openapi_examples={
                "two": {"summary": "Two applications", "value": {"items": [GRON_INDUSTRIVAXT, GRON_INDUSTRIVAXT_66]}}
            }
        ),
    ],
    accept_language: Annotated[str | None, Header(description="sv, nb or en (default en), for every report")] = None,
) -> Response:
    """Each application checked as `POST /v1/checks` checks it (with each one's rule set and version in force),
    answered at its place in the batch: its report, or the problem its check alone would have answered (an
    unknown programme 422, the catalogue unreachable 503), so one application never fails the others. A body
    that does not validate is a 422 for the whole batch, as for a single check. The applications service's
    outbox relay sends its owed checks this way: one request for up to 200 submissions."""
    content, language = await answer_batch(request.app, batch, accept_language)
    return Response(content=content, media_type="application/json", headers=report_headers(language))


async def answer_batch(app: Any, batch: CheckBatch, accept_language: str | None) -> tuple[bytes, str]:
    """The answer to `batch` as the JSON the endpoint answers, and its language."""
    parts: list[bytes] = []
    language = negotiate(accept_language)
    for application in batch.items:
        try:
            content, _ = await answer(app, application, accept_language)
        except ProblemError as exc:
            said = exc.body(CHECKS_PATH, exc.language(language))
            problem = {name: said.get(name) for name in CheckProblem.model_fields}  # every field, null if none
            parts.append(orjson.dumps({"status": exc.status, "report": None, "problem": problem}))
        else:
            parts.append(b'{"status":200,"report":' + content + b',"problem":null}')
    return b'{"items":[' + b",".join(parts) + b"]}", language


_BATCH_ROUTE = next(route for route in router.routes if isinstance(route, APIRoute) and route.path == BATCH_PATH)
