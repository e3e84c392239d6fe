"""`POST /v1/checks`: the eligibility report of an application (public)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.routing import APIRoute

from services.eligibility import checks
from services.eligibility.examples import CHECK_EXAMPLES, REPORT_EXAMPLE
from services.eligibility.rules import report_json
from services.eligibility.schemas import SLUG
from shared.auth import OptionalPrincipal
from shared.clock import clock_of
from shared.i18n import negotiate
from shared.problems import problem_responses
from shared.schemas.applications import CheckRequest
from shared.schemas.eligibility import Report


class CheckRoute(APIRoute):
    """The route of `POST /v1/checks`, with a direct path for the request almost every check is: a JSON body,
    no query string and no `Authorization`. Then the only parameters are the body, validated by the
    route's own body field exactly as FastAPI validates it (`json.loads`, then the field), and
    `Accept-Language`, read as FastAPI reads a header (the first one) — without solving the route's
    dependencies and parameters one by one (a sixth of the check's CPU). Anything else (a query
    parameter, a token, another content type, a body that does not parse or validate, dependency
    overrides) takes FastAPI's general handler, so its answers and errors stay FastAPI's, and the
    OpenAPI document stays the one the endpoint's signature declares."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        general = super().get_route_handler()
        body_field = self.body_field
        endpoint = self.endpoint
        if body_field is None:  # pragma: no cover - the route has its body
            return general

        async def handler(request: Request) -> Response:
            headers = request.headers
            if (
                request.scope.get("query_string")
                or "authorization" in headers
                or headers.get("content-type") != "application/json"
                or request.app.dependency_overrides
            ):
                return await general(request)
            raw = await request.body()  # kept by the request: the general handler reads it again if need be
            if not raw:
                return await general(request)
            try:
                data = json.loads(raw)
            except ValueError:
                return await general(request)
            application, errors = body_field.validate(data, {}, loc=("body",))
            if errors:
                return await general(request)
            response: Response = await endpoint(
                request=request, _caller=None, application=application, accept_language=headers.get("accept-language")
            )
            return response

        return handler


router = APIRouter(prefix="/v1", tags=["checks"], route_class=CheckRoute)


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
)
async def post_check(
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
    language = negotiate(accept_language)
    # The app's clock read here rather than through the `Now` dependency: one dependency less to solve on
    # the hottest route (the same instant: read once, for this request).
    now = clock_of(request)()
    # No request transaction: the check reads its rule set in a short session of its own, so nothing is
    # held open while the catalogue answers.
    report = await checks.check(
        request.app.state.db,
        request.app.state.catalogue,
        application,
        language=language,
        timezone=request.app.state.timezone,
        now=now,
        index=await request.app.state.rule_set_index.current(),
        rule_set_id=rule_set,
        version=rule_set_version,
        versions=request.app.state.rule_set_versions,
    )
    # The report is plain data built from validated parts (rules.report_of), encoded once (rules.report_json):
    # no models are built to be serialised, and `response_model` only documents it.
    return Response(
        content=report_json(report),
        media_type="application/json",
        headers={"Content-Language": language, "Vary": "Accept-Language", "Cache-Control": "no-store"},
    )
