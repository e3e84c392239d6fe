"""Rule sets and the check kinds they use (tag "rule sets"): reads are public, new versions are admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from services.eligibility import check_kinds
from services.eligibility.rule_sets import versions
from services.eligibility.rule_sets.fit import require_fit
from services.eligibility.schemas import (
    SLUG,
    CheckKindOut,
    RuleSetActivationIn,
    RuleSetCreate,
    RuleSetOut,
    RuleSetSummary,
    RuleSetVersionSummary,
)
from shared.app import DbSession
from shared.auth import Admin
from shared.caching import cached_json
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import cacheable, created
from shared.pagination import MAX_VERSION, Page, Paging
from shared.problems import problem_responses
from shared.text import Bounded

router = APIRouter(prefix="/v1", tags=["rule sets"])

RuleSetId = Annotated[str, Path(pattern=SLUG, description="The rule set's id", examples=["interreg-se-no-2021-2027"])]


@router.get(
    "/check-kinds",
    response_model=Page[CheckKindOut],
    summary="The kinds of check a rule can use, with their parameters",
    responses=problem_responses(422),
)
async def list_check_kinds(paging: Paging) -> Page[CheckKindOut]:
    """The registry of check kinds: what each checks, which reference data it reads and the JSON Schema of
    its `params` (what `POST /v1/rule-sets` validates)."""
    return check_kinds.list_check_kinds(paging)


@router.get(
    "/rule-sets",
    response_model=Page[RuleSetSummary],
    summary="List rule sets",
    responses=problem_responses(422),
)
async def list_rule_sets(
    session: DbSession,
    paging: Paging,
    programme: Annotated[
        Annotated[str, Bounded(64, min_length=1)] | None, Query(description="Only this programme's sets")
    ] = None,
) -> Page[RuleSetSummary]:
    """Rule sets (by id), each with its latest version; `?programme=` filters."""
    return await versions.list_rule_sets(session, paging, programme=programme)


@router.post(
    "/rule-sets",
    response_model=RuleSetOut,
    status_code=201,
    summary="Store a new version of a rule set as a draft (admin)",
    responses={**problem_responses(401, 403, 409, 422, 503), **created("Stored; `Location` names the version")},
)
async def create_rule_set(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    principal: Admin,
    now: Now,
    body: RuleSetCreate,
) -> Any:
    """Store the rules as the next version (latest + 1) of the rule set — a new set, version 1, when its id is
    not stored yet — as a **draft**: no check uses it until an admin activates it
    (`POST /v1/rule-sets/{id}/versions/{version}/activation`); a check may name it to try it
    (`?rule_set=&rule_set_version=`). Versions are immutable: a change of a threshold is a new version, and
    reports made with an older one can still be reproduced. Each rule's `params` are validated by its check
    kind (`GET /v1/check-kinds`) and against the programme as the catalogue has it (currencies, countries,
    funds): an unknown kind, an invalid parameter or one the programme does not have is a 422 naming the
    field. Send an `Idempotency-Key` to make a retry safe."""
    await require_fit(request.app.state.catalogue, body)

    async def work() -> RuleSetOut:
        out, _ = await versions.create_version(session, body, created_by=principal.sub, now=now)
        return out

    return await idempotent(
        work=work,
        status_code=201,
        headers=lambda b: {"Location": f"/v1/rule-sets/{b['id']}/versions/{b['version']}"},
    )


@router.post(
    "/rule-sets/{rule_set_id}/versions/{version}/activation",
    response_model=RuleSetOut,
    status_code=201,
    summary="Put a version in force from an instant (admin)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def activate_rule_set_version(
    session: DbSession,
    idempotent: Idempotency,
    principal: Admin,
    now: Now,
    rule_set_id: RuleSetId,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
    body: RuleSetActivationIn,
) -> Any:
    """From `effective_from` (now or later; default now) checks of an instant at or after it use this version;
    checks of an earlier instant keep the version in force then, so a report can always be made again with
    the rules of its day. Once per version (again: 409); an instant in the past: 422."""

    async def work() -> RuleSetOut:
        return await versions.activate(
            session, rule_set_id, version, effective_from=body.effective_from, by=principal.sub, now=now
        )

    return await idempotent(work=work, status_code=201)


@router.get(
    "/rule-sets/{rule_set_id}",
    response_model=RuleSetOut,
    summary="A rule set (the version in force, or ?version=)",
    responses={**problem_responses(404, 422), **cacheable()},
)
async def get_rule_set(
    request: Request,
    session: DbSession,
    now: Now,
    rule_set_id: RuleSetId,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_VERSION, description="This version instead of the one in force")
    ] = None,
) -> Response:
    """The version of the rule set in force now (or the one given with `?version=`; `latest_version` may be a
    newer draft), with its rules in order. Answers carry an ETag; send `If-None-Match` to get a 304 when
    nothing changed."""
    out = await versions.get_version(session, rule_set_id, version, now=now)
    return cached_json(request, out, max_age=0 if version is None else 60)


@router.get(
    "/rule-sets/{rule_set_id}/versions",
    response_model=Page[RuleSetVersionSummary],
    summary="The versions of a rule set",
    responses=problem_responses(404, 422),
)
async def list_rule_set_versions(
    session: DbSession, rule_set_id: RuleSetId, paging: Paging
) -> Page[RuleSetVersionSummary]:
    """Every stored version of the rule set, oldest first."""
    return await versions.list_versions(session, rule_set_id, paging)


@router.get(
    "/rule-sets/{rule_set_id}/versions/{version}",
    response_model=RuleSetOut,
    summary="One version of a rule set",
    responses={**problem_responses(404, 422), **cacheable()},
)
async def get_rule_set_version(
    request: Request,
    session: DbSession,
    now: Now,
    rule_set_id: RuleSetId,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
) -> Response:
    """One immutable version of the rule set (its rules never change; `latest_version` may grow)."""
    out = await versions.get_version(session, rule_set_id, version, now=now)
    return cached_json(request, out, max_age=60)
