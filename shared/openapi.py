"""The answers every operation can give besides its own, written into each service's OpenAPI document once.

The middleware and handlers of `shared.app` answer for every route: 413 for a body over the limit, 429
for writes over the rate limit, 422 for a NUL byte in any parameter, 503 when the database is gone.
Every error is `application/problem+json` (never the `application/json` FastAPI assumes), so the
document says exactly that.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.problems import PROBLEM_JSON, Problem
from shared.settings import ServiceSettings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
LOCATION = {
    "Location": {
        "description": "The path of what was created, on this service (`/v1/…`)",
        "required": True,
        "schema": {"type": "string"},
    }
}
CACHE_HEADERS = {
    "ETag": {"description": "This answer's version: send it back as `If-None-Match`", "schema": {"type": "string"}},
    "Cache-Control": {"description": "How long the answer may be kept (`max-age`)", "schema": {"type": "string"}},
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
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


def created(
    description: str = "Created; `Location` names it", links: dict[str, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses` of an endpoint whose 201 names what it made in a `Location` header (and, with `links`,
    the operations that act on it next: `links_to`)."""
    answer: dict[str, Any] = {"description": description, "headers": LOCATION}
    if links:
        answer["links"] = links
    return {201: answer}


def links_to(parameter: str, operations: list[str], field: str = "id") -> dict[str, Any]:
    """OpenAPI links from an answer to `operations` (operation ids), each given the answer's `field` as its
    path parameter `parameter`: a client (or schemathesis' stateful mode) follows a created resource to what
    acts on it next."""
    return {
        operation: {"operationId": operation, "parameters": {parameter: f"$response.body#/{field}"}}
        for operation in operations
    }


def cacheable(description: str = "The answer, with its `ETag`") -> dict[int | str, dict[str, Any]]:
    """`responses` of a read sent with an `ETag` and `Cache-Control`, and answered 304 (no body) when the
    request's `If-None-Match` names the current ETag (`shared.caching`)."""
    return {
        200: {"description": description, "headers": CACHE_HEADERS},
        304: {
            "description": "Not modified: the `If-None-Match` ETag is current",
            "content": {},
            "headers": CACHE_HEADERS,
        },
    }


def csv_body(example: str) -> dict[str, Any]:
    """`openapi_extra` of an endpoint that reads its body as CSV (`text/csv`, UTF-8): declared as a file's
    bytes (`format: binary`), which generated clients send as they are (`File` in openapi-python-client)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}, "example": example}},
        }
    }


def operation_id(route: APIRoute) -> str:
    """An operation's id: its endpoint function's name in camelCase (`create_application` →
    `createApplication`), stable while the function keeps its name, and what generated clients call it."""
    head, *rest = route.name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}
    if headers:
        answer["headers"] = headers
    return answer


def _refs(node: Any) -> set[str]:
    """The component names `node` refers to (`#/components/schemas/<name>`), directly."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def require_answer_fields(document: dict[str, Any]) -> None:
    """Every property of a component only answers use (never a request body or parameter) is required:
    the services serialise every field of their models (nothing excluded), `null` when it has no value, so
    a generated client types it present. A component requests use too keeps pydantic's `required` (what a
    request may leave out), one component per model."""
    schemas = document.get("components", {}).get("schemas", {})
    asked: set[str] = set()
    answered: set[str] = set()
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            asked |= _refs(operation.get("requestBody")) | _refs(operation.get("parameters"))
            for status, answer in operation.get("responses", {}).items():
                if status.startswith("2"):
                    answered |= _refs(answer)
    for name in _closure(answered, schemas) - _closure(asked, schemas):
        if "properties" in schemas[name]:
            schemas[name]["required"] = list(schemas[name]["properties"])


def _optional_body(operation: dict[str, Any]) -> None:
    """An optional body (`body: X | None = None`) is declared as `X` and not required, without FastAPI's
    `anyOf [X, null]`: leaving it out is how a client says none, and generated clients then send nothing
    rather than an unset value."""
    body = operation.get("requestBody")
    if not body or body.get("required"):
        return
    for media in body.get("content", {}).values():
        options = media.get("schema", {}).get("anyOf", [])
        if len(options) == 2 and {"type": "null"} in options:
            media["schema"] = next(o for o in options if o != {"type": "null"})


def complete(document: dict[str, Any], *, rate_limited: bool) -> dict[str, Any]:
    """`document` with the common answers added to every operation and every error as problem+json."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            _optional_body(operation)
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
            if any(
                p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            ):
                for status, answer in responses.items():
                    if status.startswith("2"):
                        answer.setdefault("headers", {}).update(REPLAYED)
            for status in wanted:
                description, headers = COMMON[status]
                if status not in responses:
                    responses[status] = _problem(description, headers)
                elif headers:
                    responses[status].setdefault("headers", {}).update(headers)
            for status, answer in responses.items():
                if status[:1] in ("4", "5"):
                    answer["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    require_answer_fields(document)
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
