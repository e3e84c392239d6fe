"""Rule-set versions: storing the next version of a set, reading one, and listing sets and versions.

A set is scoped to (programme, call); its versions are immutable and numbered 1, 2, … so that a report
naming (id, version) can always be reproduced. Only flushes; the request's session commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility import repository as repo
from services.eligibility.errors import InvalidActivation, RuleSetConflict, RuleSetNotFound
from services.eligibility.models import RuleSetActivation, RuleSetRow, RuleSetVersionRow
from services.eligibility.rule_sets.cache import RuleSetHeader
from services.eligibility.schemas import (
    RuleOut,
    RuleSetCreate,
    RuleSetOut,
    RuleSetSummary,
    RuleSetVersionSummary,
)
from shared.pagination import Keyset, Page, PageParams, next_cursor


class ById(Keyset):
    """Keyset of `GET /v1/rule-sets`: the id of the last set of the page."""

    id: str = Field(min_length=1, max_length=100)


class ByVersion(Keyset):
    """Keyset of `GET /v1/rule-sets/{id}/versions`: the number of the last version of the page."""

    version: int = Field(ge=1)


def digest(body: RuleSetCreate) -> str:
    """SHA-256 of what makes a version: its rules (normalised params), name and description."""
    canonical = {
        "rules": [r.model_dump(mode="json") for r in body.rules],
        "name": body.name,
        "description": body.description,
        "sources": body.sources,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def to_out(
    header: RuleSetRow, version: RuleSetVersionRow, latest: int, activation: RuleSetActivation | None
) -> RuleSetOut:
    return RuleSetOut(
        id=header.id,
        version=version.version,
        latest_version=latest,
        programme=header.programme,
        call_id=header.call_id,
        name=version.name,
        description=version.description,
        created_at=version.created_at,
        created_by=version.created_by,
        effective_from=activation.effective_from if activation else None,
        activated_by=activation.activated_by if activation else None,
        rules=[
            RuleOut(
                code=r.code,
                kind=r.kind,
                severity=r.severity,
                params=r.params,
                source=r.source,
                param_sources=r.param_sources or {},
            )
            for r in version.rules
        ],
        sources=version.sources or {},
    )


def to_version_summary(version: RuleSetVersionRow, activation: RuleSetActivation | None) -> RuleSetVersionSummary:
    return RuleSetVersionSummary(
        id=version.rule_set_id,
        version=version.version,
        name=version.name,
        created_at=version.created_at,
        created_by=version.created_by,
        effective_from=activation.effective_from if activation else None,
        rules=len(version.rules),
    )


def to_rule_set_summary(header: RuleSetRow, version: RuleSetVersionRow) -> RuleSetSummary:
    return RuleSetSummary(
        id=header.id,
        programme=header.programme,
        call_id=header.call_id,
        latest_version=version.version,
        name=version.name,
        updated_at=version.created_at,
    )


async def create_version(
    session: AsyncSession,
    body: RuleSetCreate,
    *,
    created_by: str,
    now: dt.datetime,
    skip_if_unchanged: bool = False,
) -> tuple[RuleSetOut, bool]:
    """Store `body` as the next version (max + 1) of its rule set, creating the set if needed.

    A set is scoped to (programme, call); one id per scope, and an id never changes scope (409 otherwise).
    With `skip_if_unchanged` (file loading) a body equal to the latest version stores nothing.
    Returns the version and whether it was created.
    """
    call_id = str(body.call_id) if body.call_id else None
    in_scope = await repo.find_rule_set(session, body.programme, call_id)
    rule_set_id = body.id or (
        in_scope.id if in_scope else (body.programme if call_id is None else f"{body.programme}.call-{call_id}")
    )
    header = await repo.get_rule_set(session, rule_set_id, lock=True)
    if header is None:
        if in_scope is not None:
            raise RuleSetConflict(
                f"the rule set {in_scope.id!r} already holds the rules of this programme and call; "
                f"post a new version of it instead of {rule_set_id!r}"
            )
        try:
            async with session.begin_nested():
                header = await repo.insert_rule_set(
                    session, rule_set_id=rule_set_id, programme=body.programme, call_id=call_id, now=now
                )
        except IntegrityError:
            raise RuleSetConflict("the rule set was created concurrently by another request; retry") from None
    elif header.programme != body.programme or header.call_id != call_id:
        raise RuleSetConflict(
            f"the rule set {rule_set_id!r} belongs to programme {header.programme!r} and call "
            f"{header.call_id or 'none'}; its scope cannot change"
        )
    latest = await repo.latest_version(session, rule_set_id) or 0
    fingerprint = digest(body)
    if skip_if_unchanged and latest:
        current = await repo.get_version(session, rule_set_id, latest)
        if current is not None and current.digest == fingerprint:
            return to_out(header, current, latest, await repo.activation_of(session, rule_set_id, latest)), False
    version = latest + 1
    # On PostgreSQL the row lock above serialises new versions of one set; SQLite serialises all writers.
    await repo.insert_version(
        session,
        rule_set_id=rule_set_id,
        version=version,
        name={str(k): v for k, v in body.name.items()},
        description={str(k): v for k, v in body.description.items()},
        digest=fingerprint,
        created_by=created_by,
        now=now,
        sources=dict(body.sources),
        rules=[
            {
                "code": r.code,
                "kind": r.kind,
                "severity": r.severity,
                "params": r.params,
                "source": r.source,
                "param_sources": dict(r.param_sources),
            }
            for r in body.rules
        ],
    )
    stored = await repo.get_version(session, rule_set_id, version)
    assert stored is not None
    return to_out(header, stored, version, None), True


async def activate(
    session: AsyncSession,
    rule_set_id: str,
    version: int,
    *,
    effective_from: dt.datetime | None,
    by: str,
    now: dt.datetime,
) -> RuleSetOut:
    """Put a draft version in force from `effective_from` (default `now`; never before `now`: checks already
    made keep the version they were made with). A version is activated once: again → 409."""
    header = await repo.get_rule_set(session, rule_set_id, lock=True)
    latest = await repo.latest_version(session, rule_set_id) if header else None
    row = await repo.get_version(session, rule_set_id, version) if header else None
    if header is None or latest is None or row is None:
        raise RuleSetNotFound(f"the rule set {rule_set_id!r} has no version {version}")
    done = await repo.activation_of(session, rule_set_id, version)
    if done is not None:
        raise RuleSetConflict(
            f"version {version} of {rule_set_id!r} was activated by {done.activated_by}, effective from "
            f"{done.effective_from.isoformat()}; a change is a new version"
        )
    at = effective_from or now
    if at < now:
        raise InvalidActivation(
            f"effective_from {at.isoformat()} is in the past: a version goes live now or later, so that "
            "checks already made keep the rules they were made with"
        )
    activation = await repo.insert_activation(
        session, rule_set_id=rule_set_id, version=version, effective_from=at, by=by, now=now
    )
    return to_out(header, row, latest, activation)


async def get_version(session: AsyncSession, rule_set_id: str, version: int | None, *, now: dt.datetime) -> RuleSetOut:
    """A version of a rule set (when `version` is None: the one in force at `now`, else the latest, a draft);
    404 when there is none."""
    header = await repo.get_rule_set(session, rule_set_id)
    latest = await repo.latest_version(session, rule_set_id) if header else None
    if header is None or latest is None:
        raise RuleSetNotFound(
            {
                "sv": f"regeluppsättningen {rule_set_id!r} finns inte",
                "nb": f"regelsettet {rule_set_id!r} finnes ikke",
                "en": f"there is no rule set {rule_set_id!r}",
            }
        )
    if version is None:
        schedule = [
            (a.effective_from, a.version) for a in await repo.activations(session) if a.rule_set_id == rule_set_id
        ]
        version = RuleSetHeader(header.id, header.programme, header.call_id, latest, tuple(schedule)).in_force(now)
    row = await repo.get_version(session, rule_set_id, version or latest)
    if row is None:
        raise RuleSetNotFound(f"the rule set {rule_set_id!r} has no version {version} (latest: {latest})")
    return to_out(header, row, latest, await repo.activation_of(session, rule_set_id, row.version))


async def list_rule_sets(session: AsyncSession, params: PageParams, *, programme: str | None) -> Page[RuleSetSummary]:
    """Rule sets by id, each with its latest version; `programme` filters."""
    after = params.after(ById)
    rows = await repo.list_rule_sets(
        session, programme=programme, after_id=after.id if after else None, limit=params.limit + 1
    )
    return Page[RuleSetSummary](
        items=[to_rule_set_summary(header, version) for header, version in rows[: params.limit]],
        next_cursor=next_cursor(rows, params, lambda row: ById(id=row[0].id)),
    )


async def list_versions(session: AsyncSession, rule_set_id: str, params: PageParams) -> Page[RuleSetVersionSummary]:
    """Every stored version of the rule set, oldest first; 404 when there is no such set."""
    after = params.after(ByVersion)
    if await repo.get_rule_set(session, rule_set_id) is None:
        raise RuleSetNotFound(
            {
                "sv": f"regeluppsättningen {rule_set_id!r} finns inte",
                "nb": f"regelsettet {rule_set_id!r} finnes ikke",
                "en": f"there is no rule set {rule_set_id!r}",
            }
        )
    rows = await repo.list_versions(
        session, rule_set_id, after_version=after.version if after else None, limit=params.limit + 1
    )
    return Page[RuleSetVersionSummary](
        items=[
            to_version_summary(v, await repo.activation_of(session, v.rule_set_id, v.version))
            for v in rows[: params.limit]
        ],
        next_cursor=next_cursor(rows, params, lambda row: ByVersion(version=row.version)),
    )
