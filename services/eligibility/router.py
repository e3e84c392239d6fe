"""HTTP endpoints of the eligibility service: checks (public) and rule sets (reads public, writes admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response

from services.eligibility import repository as repo
from services.eligibility import service
from services.eligibility.examples import CHECK_EXAMPLES, REPORT_EXAMPLE
from services.eligibility.models import idempotency_keys
from services.eligibility.rules import REGISTRY
from services.eligibility.schemas import (
    SLUG,
    CheckKindOut,
    RuleSetCreate,
    RuleSetOut,
    RuleSetSummary,
    RuleSetVersionSummary,
)
from shared.app import DbSession
from shared.auth import Principal, require_roles
from shared.caching import cached_json
from shared.i18n import negotiate
from shared.idempotency import Idempotent, idempotency
from shared.pagination import Page, PageParams, encode_cursor, page_params
from shared.problems import problem_responses
from shared.schemas.applications import CheckRequest
from shared.schemas.eligibility import Report

Idempotency = Annotated[Idempotent, Depends(idempotency(idempotency_keys))]
"""POSTs that create or move state or money: `Idempotency-Key` replays the first result."""

router = APIRouter(prefix="/v1")

RuleSetId = Annotated[str, Path(pattern=SLUG, description="The rule set's id", examples=["interreg-se-no-2021-2027"])]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


@router.post(
    "/checks",
    response_model=Report,
    tags=["checks"],
    summary="Check an application against its programme's rules",
    responses={
        200: {
            "content": {"application/json": {"example": REPORT_EXAMPLE}},
            "description": "The report (also when the application is not eligible)",
        },
        **problem_responses(404, 422, 503),
    },
)
async def post_check(
    request: Request,
    response: Response,
    session: DbSession,
    application: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
    rule_set: Annotated[
        str | None,
        Query(pattern=SLUG, description="Use this rule set (default: the call's own set, else the programme's)"),
    ] = None,
    rule_set_version: Annotated[
        int | None, Query(ge=1, description="Use this version (default: the latest), e.g. to reproduce an old report")
    ] = None,
    accept_language: Annotated[str | None, Header(description="sv, nb or en (default en)")] = None,
) -> Report:
    """Evaluate every rule of the rule set (never stopping at the first failure) and answer the report:
    per rule whether it passed, its severity, a message in the language of `Accept-Language` (sv, nb, en)
    and the figures it used. `eligible` is false when a rule of severity `error` failed — a 200, not an
    error. Side-effect free; the same application, check date (`as_of`, default today in Europe/Stockholm)
    and rule-set version always give the same report.

    Reference data (regions, organisation types, project types, the call) comes from the catalogue; when it
    cannot be reached the answer is 503, never a silent pass. An unknown programme is a 422; an unknown call
    fails the `call-open` rule."""
    language = negotiate(accept_language)
    report = await service.check(
        session,
        request.app.state.catalogue,
        application,
        language=language,
        timezone=request.app.state.timezone,
        rule_set_id=rule_set,
        version=rule_set_version,
    )
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return report


@router.get(
    "/check-kinds",
    response_model=list[CheckKindOut],
    tags=["rule sets"],
    summary="The kinds of check a rule can use, with their parameters",
)
async def list_check_kinds() -> list[CheckKindOut]:
    """The registry of check kinds: what each checks, which reference data it reads and the JSON Schema of
    its `params` (what `POST /v1/rule-sets` validates)."""
    return [
        CheckKindOut(
            code=k.code, description=k.description, reads=sorted(k.needs), params_schema=k.params.model_json_schema()
        )
        for k in REGISTRY.values()
    ]


@router.get(
    "/rule-sets",
    response_model=Page[RuleSetSummary],
    tags=["rule sets"],
    summary="List rule sets",
    responses=problem_responses(422),
)
async def list_rule_sets(
    session: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    programme: Annotated[str | None, Query(description="Only this programme's sets")] = None,
) -> Page[RuleSetSummary]:
    """Rule sets (by id), each with its latest version; `?programme=` filters."""
    after = str(paging.cursor["id"]) if paging.cursor and "id" in paging.cursor else None
    rows = await repo.list_rule_sets(session, programme=programme, after_id=after, limit=paging.limit + 1)
    items = [service.to_rule_set_summary(h, v) for h, v in rows[: paging.limit]]
    more = len(rows) > paging.limit
    return Page[RuleSetSummary](items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


@router.post(
    "/rule-sets",
    response_model=RuleSetOut,
    status_code=201,
    tags=["rule sets"],
    summary="Store a new version of a rule set (admin)",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_rule_set(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Admin,
    body: RuleSetCreate,
) -> Any:
    """Store the rules as the next version (latest + 1) of the rule set — a new set, version 1, when its id is
    not stored yet. Versions are immutable: a change of a threshold is a new version, and reports made
    with an older one can still be reproduced with `?rule_set=&rule_set_version=`. Each rule's `params`
    are validated by its check kind (`GET /v1/check-kinds`): an unknown kind or invalid parameter is a 422.
    Send an `Idempotency-Key` to make a retry safe."""

    async def work() -> RuleSetOut:
        out, _ = await service.create_version(session, body, created_by=principal.sub)
        return out

    return await idempotent(
        work=work,
        status_code=201,
        headers=lambda b: {"Location": f"/v1/rule-sets/{b['id']}/versions/{b['version']}"},
    )


@router.get(
    "/rule-sets/{rule_set_id}",
    response_model=RuleSetOut,
    tags=["rule sets"],
    summary="A rule set (its latest version, or ?version=)",
    responses=problem_responses(404, 422),
)
async def get_rule_set(
    request: Request,
    session: DbSession,
    rule_set_id: RuleSetId,
    version: Annotated[int | None, Query(ge=1, description="This version instead of the latest")] = None,
) -> Response:
    """The latest version of the rule set (or the one given with `?version=`), with its rules in order.
    Answers carry an ETag; send `If-None-Match` to get a 304 when nothing changed."""
    out = await service.get_version(session, rule_set_id, version)
    return cached_json(request, out, max_age=0 if version is None else 60)


@router.get(
    "/rule-sets/{rule_set_id}/versions",
    response_model=Page[RuleSetVersionSummary],
    tags=["rule sets"],
    summary="The versions of a rule set",
    responses=problem_responses(404, 422),
)
async def list_versions(
    session: DbSession,
    rule_set_id: RuleSetId,
    paging: Annotated[PageParams, Depends(page_params)],
) -> Page[RuleSetVersionSummary]:
    """Every stored version of the rule set, oldest first."""
    if await repo.get_rule_set(session, rule_set_id) is None:
        await service.get_version(session, rule_set_id, None)  # raises the 404
    after = int(paging.cursor["version"]) if paging.cursor and "version" in paging.cursor else None
    rows = await repo.list_versions(session, rule_set_id, after_version=after, limit=paging.limit + 1)
    items = [service.to_summary(v) for v in rows[: paging.limit]]
    more = len(rows) > paging.limit
    return Page[RuleSetVersionSummary](
        items=items, next_cursor=encode_cursor({"version": items[-1].version}) if more else None
    )


@router.get(
    "/rule-sets/{rule_set_id}/versions/{version}",
    response_model=RuleSetOut,
    tags=["rule sets"],
    summary="One version of a rule set",
    responses=problem_responses(404, 422),
)
async def get_rule_set_version(
    request: Request,
    session: DbSession,
    rule_set_id: RuleSetId,
    version: Annotated[int, Path(ge=1)],
) -> Response:
    """One immutable version of the rule set (its rules never change; `latest_version` may grow)."""
    out = await service.get_version(session, rule_set_id, version)
    return cached_json(request, out, max_age=60)
