"""Domain operations: storing rule-set versions, loading the rule-set files, choosing the rule set for an
application and running a check. Only flushes; the request's session commits."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility import repository as repo
from services.eligibility.clients import CatalogueClient
from services.eligibility.errors import (
    InvalidRuleSetFile,
    RuleSetConflict,
    RuleSetMismatch,
    RuleSetNotFound,
    UnknownProgramme,
)
from services.eligibility.models import RuleSetRow, RuleSetVersionRow
from services.eligibility.rules import Context, ReferenceData, Rule, RuleSet, evaluate, needs
from services.eligibility.schemas import (
    LoadedRuleSet,
    RuleOut,
    RuleSetCreate,
    RuleSetOut,
    RuleSetSummary,
    RuleSetVersionSummary,
)
from shared.schemas.applications import CheckRequest
from shared.schemas.eligibility import Report

SEED_AUTHOR = "load-rules"


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def digest(body: RuleSetCreate) -> str:
    """SHA-256 of what makes a version: its rules (normalised params), name and description."""
    canonical = {
        "rules": [r.model_dump(mode="json") for r in body.rules],
        "name": body.name,
        "description": body.description,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def to_out(header: RuleSetRow, version: RuleSetVersionRow, latest: int) -> RuleSetOut:
    return RuleSetOut(
        id=header.id,
        version=version.version,
        latest_version=latest,
        programme=header.programme,
        call_id=header.call_id,
        name=version.name,
        description=version.description,
        created_at=_utc(version.created_at),
        created_by=version.created_by,
        rules=[RuleOut(code=r.code, kind=r.kind, severity=r.severity, params=r.params) for r in version.rules],
    )


def to_summary(version: RuleSetVersionRow) -> RuleSetVersionSummary:
    return RuleSetVersionSummary(
        id=version.rule_set_id,
        version=version.version,
        name=version.name,
        created_at=_utc(version.created_at),
        created_by=version.created_by,
        rules=len(version.rules),
    )


def to_rule_set_summary(header: RuleSetRow, version: RuleSetVersionRow) -> RuleSetSummary:
    return RuleSetSummary(
        id=header.id,
        programme=header.programme,
        call_id=header.call_id,
        latest_version=version.version,
        name=version.name,
        updated_at=_utc(version.created_at),
    )


async def create_version(
    session: AsyncSession, body: RuleSetCreate, *, created_by: str, skip_if_unchanged: bool = False
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
    now = dt.datetime.now(dt.UTC)
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
            return to_out(header, current, latest), False
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
        rules=[{"code": r.code, "kind": r.kind, "severity": r.severity, "params": r.params} for r in body.rules],
    )
    stored = await repo.get_version(session, rule_set_id, version)
    assert stored is not None
    return to_out(header, stored, version), True


async def get_version(session: AsyncSession, rule_set_id: str, version: int | None) -> RuleSetOut:
    """A version of a rule set (the latest when `version` is None); 404 when there is none."""
    header = await repo.get_rule_set(session, rule_set_id)
    latest = await repo.latest_version(session, rule_set_id) if header else None
    if header is None or latest is None:
        raise RuleSetNotFound(f"there is no rule set {rule_set_id!r}")
    row = await repo.get_version(session, rule_set_id, version or latest)
    if row is None:
        raise RuleSetNotFound(f"the rule set {rule_set_id!r} has no version {version} (latest: {latest})")
    return to_out(header, row, latest)


def read_rule_set_file(path: Path) -> RuleSetCreate:
    """A rule-set file, validated like a `POST /v1/rule-sets` body."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RuleSetCreate.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise InvalidRuleSetFile(f"{path.name}: {exc}") from exc


async def load_rule_files(session: AsyncSession, folder: Path) -> list[LoadedRuleSet]:
    """Store every `*.yaml` rule set of `folder` that is new or changed (idempotent). All files are
    validated before anything is stored."""
    paths = await asyncio.to_thread(lambda: sorted(folder.glob("*.yaml")))
    bodies = [read_rule_set_file(p) for p in paths]
    out = []
    for body in bodies:
        stored, created = await create_version(session, body, created_by=SEED_AUTHOR, skip_if_unchanged=True)
        out.append(LoadedRuleSet(id=stored.id, version=stored.version, created=created))
    return out


async def resolve_rule_set(
    session: AsyncSession, application: CheckRequest, *, rule_set_id: str | None, version: int | None
) -> RuleSet:
    """The rule set a check uses: the one given, else the call's own set, else the programme's; its latest
    version unless one is given."""
    if rule_set_id is not None:
        header = await repo.get_rule_set(session, rule_set_id)
        if header is None:
            raise RuleSetNotFound(f"there is no rule set {rule_set_id!r}")
        if header.programme != application.programme:
            raise RuleSetMismatch(
                f"the rule set {rule_set_id!r} is for programme {header.programme!r}, not {application.programme!r}"
            )
    else:
        header = await repo.find_rule_set(
            session, application.programme, str(application.call_id)
        ) or await repo.find_rule_set(session, application.programme, None)
        if header is None:
            raise UnknownProgramme(f"there are no eligibility rules for the programme {application.programme!r}")
    number = version or await repo.latest_version(session, header.id)
    row = await repo.get_version(session, header.id, number) if number else None
    if row is None:
        raise RuleSetNotFound(f"the rule set {header.id!r} has no version {number}")
    return RuleSet(
        id=header.id,
        version=row.version,
        programme=header.programme,
        call_id=header.call_id,
        rules=tuple(
            Rule(code=r.code, kind=r.kind, severity=r.severity, params=r.params)  # type: ignore[arg-type]
            for r in row.rules
        ),
    )


async def _nothing() -> None:
    return None


async def reference_data(catalogue: CatalogueClient, rule_set: RuleSet, application: CheckRequest) -> ReferenceData:
    """Fetch, concurrently, the reference data the set's rules read."""
    wanted = needs(rule_set)
    programme_code = application.programme

    programme, regions, org_types, project_types, call = await asyncio.gather(
        catalogue.programme(programme_code),
        catalogue.regions(programme_code) if "regions" in wanted else _nothing(),
        catalogue.organisation_types(programme_code) if "organisation_types" in wanted else _nothing(),
        catalogue.project_types(programme_code) if "project_types" in wanted else _nothing(),
        catalogue.call(application.call_id) if "call" in wanted else _nothing(),
    )
    if programme is None:
        raise UnknownProgramme(f"the catalogue does not know the programme {programme_code!r}")
    return ReferenceData(
        programme=programme, regions=regions, organisation_types=org_types, project_types=project_types, call=call
    )


async def check(
    session: AsyncSession,
    catalogue: CatalogueClient,
    application: CheckRequest,
    *,
    language: str,
    timezone: ZoneInfo,
    rule_set_id: str | None = None,
    version: int | None = None,
) -> Report:
    """The eligibility report of `application` (side-effect free)."""
    rule_set = await resolve_rule_set(session, application, rule_set_id=rule_set_id, version=version)
    reference = await reference_data(catalogue, rule_set, application)
    as_of = application.as_of or dt.datetime.now(timezone).date()
    ctx = Context(application=application, reference=reference, as_of=as_of, timezone=timezone)
    return evaluate(rule_set, ctx, language)
