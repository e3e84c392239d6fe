"""The catalogue's rules: reading entries as wire models, call status, and the admin's call writes.

Raises the problems of `errors.py`; only flushes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import models, repository, search
from services.catalogue.errors import (
    CallAlreadyClosed,
    CallNotFound,
    CallNumberTaken,
    EntryNotFound,
    InvalidCall,
    ProgrammeNotFound,
)
from services.catalogue.loader import call_id, offset_minutes
from services.catalogue.schemas import CallCreate, CallUpdate
from shared.money import Money
from shared.problems import FieldError
from shared.schemas import catalogue as wire

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- reads --------------------------------------------------------------------------------------------


async def get_programme_row(session: AsyncSession, code: str) -> models.Programme:
    row = await repository.programme(session, code)
    if row is None:
        raise ProgrammeNotFound(f"there is no programme '{code}'", programme=code)
    return row


def programme_summary(p: models.Programme) -> wire.ProgrammeSummary:
    return wire.ProgrammeSummary(
        code=p.code,
        kind=p.kind,
        cci=p.cci,
        reference_prefix=p.reference_prefix,
        name=p.name,
        currency=p.currency,
        period_start=p.period_start,
        period_end=p.period_end,
    )


def fund(f: models.Fund) -> wire.Fund:
    return wire.Fund(
        code=f.code,
        name=f.name,
        description=f.description,
        amount=Money(amount=f.amount, currency=f.currency),
        country=f.country,
    )


async def programme_detail(session: AsyncSession, code: str) -> wire.Programme:
    p = await get_programme_row(session, code)
    funds = await repository.entries(session, models.Fund, code)
    sub_areas = await repository.entries(session, models.SubArea, code)
    return wire.Programme(
        **programme_summary(p).model_dump(),
        short_name=p.short_name,
        vision=p.vision,
        description=p.description,
        languages=p.languages,
        funds=[fund(f) for f in funds],
        fixed_exchange_rates=[wire.FixedExchangeRate.model_validate(r) for r in p.fixed_exchange_rates],
        allocations=[wire.Allocation.model_validate(a) for a in p.allocations],
        sub_areas=[wire.SubArea(code=s.code, name=s.name) for s in sub_areas],
        smart_specialisation=[wire.NamedCode.model_validate(s) for s in p.smart_specialisation],
        cross_border_added_value=p.cross_border_added_value,
        partnership=p.partnership,
    )


async def priorities(session: AsyncSession, code: str) -> list[wire.Priority]:
    await get_programme_row(session, code)
    objectives = await repository.entries(session, models.SpecificObjective, code)
    out = []
    for p in await repository.entries(session, models.Priority, code):
        total = (
            Money(amount=p.total_financing, currency=p.total_financing_currency)
            if p.total_financing is not None and p.total_financing_currency
            else None
        )
        out.append(
            wire.Priority(
                code=p.code,
                name=p.name,
                description=p.description,
                share=p.share,
                total_financing=total,
                specific_objectives=[o.code for o in objectives if o.priority == p.code],
            )
        )
    return out


def specific_objective(o: models.SpecificObjective) -> wire.SpecificObjective:
    return wire.SpecificObjective(
        code=o.code,
        eu_code=o.eu_code,
        priority=o.priority,
        short_name=o.short_name,
        title=o.title,
        description=o.description,
        target_groups=o.target_groups,
        effects=o.effects,
        examples=o.examples,
        partners=o.partners,
    )


async def specific_objectives(session: AsyncSession, code: str, priority: str | None) -> list[wire.SpecificObjective]:
    await get_programme_row(session, code)
    filters = {"priority": priority} if priority is not None else {}
    return [specific_objective(o) for o in await repository.entries(session, models.SpecificObjective, code, **filters)]


async def specific_objective_detail(session: AsyncSession, code: str, so: str) -> wire.SpecificObjective:
    await get_programme_row(session, code)
    row = await repository.entry(session, models.SpecificObjective, code, so)
    if row is None:
        raise EntryNotFound(f"programme '{code}' has no specific objective '{so}'", programme=code, code=so)
    return specific_objective(row)


async def regions(session: AsyncSession, code: str, valid_on: dt.date | None, country: str | None) -> list[wire.Region]:
    await get_programme_row(session, code)
    out = []
    for r in await repository.entries(session, models.Region, code):
        region = wire.Region(
            code=r.code,
            name=r.name,
            country=r.country,
            nuts_level=r.nuts_level,
            sub_area=r.sub_area,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            successors=r.successors,
            predecessors=r.predecessors,
        )
        if valid_on is not None and not region.valid_on(valid_on):
            continue
        if country is not None and region.country != country.upper():
            continue
        out.append(region)
    return out


async def project_types(session: AsyncSession, code: str) -> list[wire.ProjectType]:
    await get_programme_row(session, code)
    return [
        wire.ProjectType(code=t.code, name=t.name, description=t.description, max_duration_months=t.max_duration_months)
        for t in await repository.entries(session, models.ProjectType, code)
    ]


async def organisation_types(session: AsyncSession, code: str) -> list[wire.OrganisationType]:
    await get_programme_row(session, code)
    return [
        wire.OrganisationType(code=t.code, name=t.name, description=t.description, may_apply=t.may_apply)
        for t in await repository.entries(session, models.OrganisationType, code)
    ]


# --- calls ----------------------------------------------------------------------------------------------


def call_status(opens_at: dt.datetime, closes_at: dt.datetime | None, now: dt.datetime) -> wire.CallStatus:
    """`planned` before opening, `open` from opening through closing (a rolling call, with no closing
    time, stays open), `closed` after."""
    if now < opens_at:
        return "planned"
    if closes_at is None or now <= closes_at:
        return "open"
    return "closed"


def _local(value: dt.datetime, offset: int | None) -> dt.datetime:
    return value.astimezone(dt.timezone(dt.timedelta(minutes=offset or 0)))


def call_model(c: models.Call, now: dt.datetime) -> wire.Call:
    opens_at = _local(c.opens_at, c.opens_at_offset)
    closes_at = _local(c.closes_at, c.closes_at_offset) if c.closes_at else None
    return wire.Call(
        id=c.id,
        programme=c.programme,
        number=c.number,
        name=c.name,
        opens_at=opens_at,
        closes_at=closes_at,
        decision_expected=c.decision_expected,
        specific_objectives=c.specific_objectives,
        project_types=c.project_types,
        status=call_status(c.opens_at, c.closes_at, now),
    )


async def calls(session: AsyncSession, code: str, now: dt.datetime, status: str | None) -> list[wire.Call]:
    await get_programme_row(session, code)
    out = [call_model(c, now) for c in await repository.calls(session, code)]
    return [c for c in out if status is None or c.status == status]


async def get_call_row(session: AsyncSession, cid: uuid.UUID, *, for_update: bool = False) -> models.Call:
    row = await repository.call(session, cid, for_update=for_update)
    if row is None:
        raise CallNotFound(f"there is no call '{cid}'", call_id=str(cid))
    return row


async def _check_call(
    session: AsyncSession,
    programme: str,
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime | None,
    objectives: list[str],
    types: list[str],
) -> None:
    errors: list[FieldError] = []
    if closes_at is not None and closes_at <= opens_at:
        errors.append(FieldError(field="closes_at", message="must be after opens_at"))
    known_objectives = {o.code for o in await repository.entries(session, models.SpecificObjective, programme)}
    known_types = {t.code for t in await repository.entries(session, models.ProjectType, programme)}
    for i, o in enumerate(objectives):
        if o not in known_objectives:
            errors.append(
                FieldError(
                    field=f"specific_objectives.{i}", message=f"programme '{programme}' has no specific objective '{o}'"
                )
            )
    for i, t in enumerate(types):
        if t not in known_types:
            errors.append(
                FieldError(field=f"project_types.{i}", message=f"programme '{programme}' has no project type '{t}'")
            )
    if errors:
        raise InvalidCall("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


async def _reindex_call(session: AsyncSession, row: models.Call) -> None:
    await repository.sync_search_documents(
        session, row.programme, search.call_documents(row), kind="call", code=str(row.id)
    )


async def create_call(
    session: AsyncSession, programme: str, body: CallCreate, actor: str, now: dt.datetime
) -> wire.Call:
    """A new call of `programme` (admin). Its id is derived from programme and number."""
    await get_programme_row(session, programme)
    await _check_call(
        session,
        programme,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        objectives=body.specific_objectives,
        types=body.project_types,
    )
    if await repository.call_by_number(session, programme, body.number) is not None:
        raise CallNumberTaken(
            f"programme '{programme}' already has a call numbered '{body.number}'",
            programme=programme,
            number=body.number,
        )
    row = models.Call(
        id=call_id(programme, body.number),
        programme=programme,
        number=body.number,
        name=body.name,
        opens_at=body.opens_at.astimezone(dt.UTC),
        opens_at_offset=offset_minutes(body.opens_at),
        closes_at=body.closes_at.astimezone(dt.UTC) if body.closes_at else None,
        closes_at_offset=offset_minutes(body.closes_at) if body.closes_at else None,
        decision_expected=body.decision_expected,
        specific_objectives=body.specific_objectives,
        project_types=body.project_types,
        source="api",
        created_at=now,
        updated_at=now,
        updated_by=actor,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # a concurrent request took the number first
        raise CallNumberTaken(
            f"programme '{programme}' already has a call numbered '{body.number}'",
            programme=programme,
            number=body.number,
        ) from None
    await _reindex_call(session, row)
    return call_model(row, now)


async def update_call(
    session: AsyncSession, cid: uuid.UUID, body: CallUpdate, actor: str, now: dt.datetime
) -> wire.Call:
    """Change a call (admin): only the fields given; `closes_at: null` makes it a rolling call."""
    row = await get_call_row(session, cid, for_update=True)
    given = body.model_fields_set
    opens_at = (
        body.opens_at
        if "opens_at" in given and body.opens_at is not None
        else _local(row.opens_at, row.opens_at_offset)
    )
    closes_at = (
        body.closes_at
        if "closes_at" in given
        else (_local(row.closes_at, row.closes_at_offset) if row.closes_at else None)
    )
    if "opens_at" in given and body.opens_at is None:
        raise InvalidCall(
            "opens_at: a call must have an opening time",
            errors=[FieldError(field="opens_at", message="must not be null")],
        )
    objectives = body.specific_objectives if body.specific_objectives is not None else row.specific_objectives
    types = body.project_types if body.project_types is not None else row.project_types
    await _check_call(
        session, row.programme, opens_at=opens_at, closes_at=closes_at, objectives=objectives, types=types
    )
    changes: dict[str, Any] = {
        "opens_at": opens_at.astimezone(dt.UTC),
        "opens_at_offset": offset_minutes(opens_at),
        "closes_at": closes_at.astimezone(dt.UTC) if closes_at else None,
        "closes_at_offset": offset_minutes(closes_at) if closes_at else None,
        "specific_objectives": objectives,
        "project_types": types,
    }
    if body.name is not None:
        changes["name"] = body.name
    if "decision_expected" in given:
        changes["decision_expected"] = body.decision_expected
    for name, value in changes.items():
        setattr(row, name, value)
    row.source, row.updated_at, row.updated_by = "api", now, actor
    await session.flush()
    await _reindex_call(session, row)
    return call_model(row, now)


async def close_call(
    session: AsyncSession, cid: uuid.UUID, at: dt.datetime | None, actor: str, clock: Clock
) -> wire.Call:
    """Close a call early: its closing time becomes `at` (default: now). Only moves closing earlier.
    The answer's status is read from the clock after the change, so closing now reads `closed`."""
    row = await get_call_row(session, cid, for_update=True)
    now = clock()
    when = at or now
    if when <= row.opens_at:
        raise InvalidCall(
            "at: a call cannot close before it opens",
            errors=[FieldError(field="at", message="must be after the call's opens_at")],
        )
    if row.closes_at is not None and row.closes_at <= when:
        raise CallAlreadyClosed(
            f"the call already closes at {_local(row.closes_at, row.closes_at_offset).isoformat()}; "
            "to move the closing time later, PATCH the call",
            call_id=str(cid),
        )
    row.closes_at = when.astimezone(dt.UTC)
    if at is not None:
        row.closes_at_offset = offset_minutes(at)
    elif row.closes_at_offset is None:
        row.closes_at_offset = row.opens_at_offset
    row.source, row.updated_at, row.updated_by = "api", now, actor
    await session.flush()
    await _reindex_call(session, row)
    return call_model(row, clock())


# --- search ---------------------------------------------------------------------------------------------


async def search_catalogue(
    session: AsyncSession, dialect: str, q: str, programme: str | None, language: str | None, limit: int
) -> list[wire.SearchHit]:
    if programme is not None:
        await get_programme_row(session, programme)
    languages = [language] if language else await repository.search_languages(session, programme)
    rows: list[repository.SearchRow] = []
    if dialect == "postgresql":
        for lang in languages:
            rows += await repository.search_postgresql(session, q, lang, programme, limit)
    else:
        groups = search.parse_query(q)
        for lang in languages:
            rows += await repository.search_sqlite(session, groups, lang, programme, limit)
    rows.sort(key=lambda r: (-r.rank, r.programme, r.kind, r.code, r.language))
    return [
        wire.SearchHit(
            programme=r.programme,
            kind=r.kind,
            code=r.code,
            language=r.language,
            title=r.title,
            snippet=r.snippet,
            rank=round(r.rank, 6),
        )
        for r in rows[:limit]
    ]
