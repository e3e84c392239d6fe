"""The answers every operation can give besides its own, written into each service's OpenAPI document once.

The middleware and handlers of `shared.app` answer for every route: 413 for a body over the limit, 429
for writes over the rate limit, 422 for a NUL byte in any parameter, 503 when the database is gone.
Every error is `application/problem+json` (never the `application/json` FastAPI assumes), so the
document says exactly that.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.problems import PROBLEM_JSON, Problem
from shared.settings import ServiceSettings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}
WRITES = ("post", "put", "patch", "delete")
NO_DATABASE = ("/healthz", "/metrics", "/readyz")

COMMON: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("The body cannot be read as the media type it declares (e.g. not UTF-8 JSON)", {}),
    "413": ("The request body is larger than the service accepts", {}),
    "422": ("The request body or parameters are not valid", {}),
    "429": ("Too many writes from this client", RETRY_AFTER),
    "503": ("The database or a service this request needs is unavailable", RETRY_AFTER),
}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}
    if headers:
        answer["headers"] = headers
    return answer


def complete(document: dict[str, Any], *, rate_limited: bool) -> dict[str, Any]:
    """`document` with the common answers added to every operation and every error as problem+json."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted: list[str] = []
            if operation.get("requestBody"):
                wanted.append("400")
            if operation.get("requestBody") or method in WRITES:
                wanted.append("413")
            if operation.get("requestBody") or operation.get("parameters"):
                wanted.append("422")
            if rate_limited and method in WRITES:
                wanted.append("429")
            if path not in NO_DATABASE:
                wanted.append("503")
            for status in wanted:
                description, headers = COMMON[status]
                if status not in responses:
                    responses[status] = _problem(description, headers)
                elif headers:
                    responses[status].setdefault("headers", {}).update(headers)
            for status, answer in responses.items():
                if status[:1] in ("4", "5"):
                    answer["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in schemas:
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def document_common_answers(app: FastAPI, settings: ServiceSettings) -> None:
    """Make `app.openapi()` return the completed document (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(FastAPI.openapi(app), rate_limited=bool(settings.write_rate_limit))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
