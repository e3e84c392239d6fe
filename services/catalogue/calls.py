"""Calls: their identity, their status at an instant, and the admin's writes (create, change, close).

A call's id is derived from programme and number (the same in every database, whether the loader or
the API made it). Times are stored in UTC with the offset they were given in, and answered in that
offset. Raises the problems of `errors.py`; only flushes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import models, repository
from services.catalogue.datafiles.sources import ADMIN, ADMIN_CHANGED
from services.catalogue.errors import CallAlreadyClosed, CallNotFound, CallNumberTaken, InvalidCall
from services.catalogue.programmes import get_programme_row
from services.catalogue.schemas import CallCreate, CallUpdate
from services.catalogue.search import documents
from shared.pagination import Page, PageParams, paginate_sequence
from shared.problems import FieldError
from shared.schemas import catalogue as wire

CALL_NAMESPACE = uuid.UUID("5b0c2d8e-3f1a-4c55-9d7e-6a1b2c3d4e5f")
# A call is open through its closing instant; closing "now" makes `now` the first closed instant, so
# the last open one is one tick (the databases' microsecond) before it.
TICK = dt.timedelta(microseconds=1)
STATUS_SOURCE = "derived: from opens_at and closes_at at the server's clock"


def call_id(programme: str, number: str) -> uuid.UUID:
    """The id of call `number` of `programme`: the same in every database and on every load."""
    return uuid.uuid5(CALL_NAMESPACE, f"{programme}/{number}")


def offset_minutes(value: dt.datetime) -> int:
    delta = value.utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


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
        assessment_criteria=c.assessment_criteria,
        concept_note=c.concept_note,
        concept_note_call_id=c.concept_note_call_id,
        status=wire.call_status(c.opens_at, c.closes_at, now),
        sources={**c.sources, "status": STATUS_SOURCE},
    )


def _mark_changed(row: models.Call, fields: Iterable[str]) -> None:
    """The values an administrator changed no longer come from the data file's sources."""
    if "*" in row.sources:
        return
    out = dict(row.sources)
    for name in fields:
        for key in [k for k in out if k == name or k.startswith(f"{name}.")]:
            del out[key]
        out.update({f"name.{lang}": ADMIN_CHANGED for lang in row.name} if name == "name" else {name: ADMIN_CHANGED})
    row.sources = out


# --- reads ----------------------------------------------------------------------------------------------


async def calls(
    session: AsyncSession, *, programme: str, status: wire.CallStatus | None, now: dt.datetime, page: PageParams
) -> Page[wire.Call]:
    """The programme's calls in order of opening, with their status at `now`."""
    await get_programme_row(session, programme)
    out = [call_model(c, now) for c in await repository.calls(session, programme)]
    return paginate_sequence([c for c in out if status is None or c.status == status], page)


async def get_call_row(session: AsyncSession, cid: uuid.UUID, *, for_update: bool = False) -> models.Call:
    row = await repository.call(session, cid, for_update=for_update)
    if row is None:
        raise CallNotFound(
            {
                "sv": f"utlysningen '{cid}' finns inte",
                "nb": f"utlysningen '{cid}' finnes ikke",
                "en": f"there is no call '{cid}'",
            },
            call_id=str(cid),
        )
    return row


async def get_call(session: AsyncSession, *, call: uuid.UUID, now: dt.datetime) -> wire.Call:
    return call_model(await get_call_row(session, call), now)


# --- writes (admin) -------------------------------------------------------------------------------------


async def _check_call(
    session: AsyncSession,
    programme: str,
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime | None,
    objectives: list[str],
    types: list[str],
    criteria: str | None = None,
    steps: tuple[bool, uuid.UUID | None] = (False, None),
) -> None:
    errors: list[FieldError] = await _check_options(session, programme, criteria, steps)
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


async def _check_options(
    session: AsyncSession, programme: str, criteria: str | None, steps: tuple[bool, uuid.UUID | None]
) -> list[FieldError]:
    """The criteria set a call names is the programme's; a step-2 call names a step-1 call of the programme."""
    errors: list[FieldError] = []
    if criteria is not None:
        row = await get_programme_row(session, programme)
        if criteria not in {c["code"] for c in row.assessment_criteria}:
            message = f"programme '{programme}' has no assessment criteria '{criteria}'"
            errors.append(FieldError(field="assessment_criteria", message=message))
    concept_note, step_one = steps
    if step_one is not None:
        first = await repository.call(session, step_one)
        if concept_note or first is None or first.programme != programme or not first.concept_note:
            message = f"'{step_one}' is not a concept-note call of programme '{programme}'"
            errors.append(FieldError(field="concept_note_call_id", message=message))
    return errors


async def _reindex_call(session: AsyncSession, row: models.Call) -> None:
    await repository.sync_search_documents(
        session, row.programme, documents.call_documents(row), kind="call", code=str(row.id)
    )


def _number_taken(programme: str, number: str) -> CallNumberTaken:
    return CallNumberTaken(
        f"programme '{programme}' already has a call numbered '{number}'", programme=programme, number=number
    )


async def create_call(
    session: AsyncSession, *, programme: str, body: CallCreate, actor: str, now: dt.datetime
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
        criteria=body.assessment_criteria,
        steps=(body.concept_note, body.concept_note_call_id),
    )
    if await repository.call_by_number(session, programme, body.number) is not None:
        raise _number_taken(programme, body.number)
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
        assessment_criteria=body.assessment_criteria,
        concept_note=body.concept_note,
        concept_note_call_id=body.concept_note_call_id,
        source="api",
        sources={"*": ADMIN},
        created_at=now,
        updated_at=now,
        updated_by=actor,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # a concurrent request took the number first
        raise _number_taken(programme, body.number) from None
    await _reindex_call(session, row)
    return call_model(row, now)


async def update_call(
    session: AsyncSession, *, call: uuid.UUID, body: CallUpdate, actor: str, now: dt.datetime
) -> wire.Call:
    """Change a call (admin): only the fields given; `closes_at: null` makes it a rolling call."""
    row = await get_call_row(session, call, for_update=True)
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
    criteria = body.assessment_criteria if "assessment_criteria" in given else row.assessment_criteria
    await _check_call(
        session,
        row.programme,
        opens_at=opens_at,
        closes_at=closes_at,
        objectives=objectives,
        types=types,
        criteria=criteria,
    )
    changes: dict[str, Any] = {
        "opens_at": opens_at.astimezone(dt.UTC),
        "opens_at_offset": offset_minutes(opens_at),
        "closes_at": closes_at.astimezone(dt.UTC) if closes_at else None,
        "closes_at_offset": offset_minutes(closes_at) if closes_at else None,
        "specific_objectives": objectives,
        "project_types": types,
        "assessment_criteria": criteria,
    }
    if body.name is not None:
        changes["name"] = body.name
    if "decision_expected" in given:
        changes["decision_expected"] = body.decision_expected
    for name, value in changes.items():
        setattr(row, name, value)
    _mark_changed(row, [f for f in CallUpdate.model_fields if f in given])
    row.source, row.updated_at, row.updated_by = "api", now, actor
    await session.flush()
    await _reindex_call(session, row)
    return call_model(row, now)


async def close_call(
    session: AsyncSession, *, call: uuid.UUID, at: dt.datetime | None, actor: str, now: dt.datetime
) -> wire.Call:
    """Close a call early: its closing time becomes `at`, or, without `at`, it is closed from `now` on
    (so the answer reads `closed`). Only moves closing earlier."""
    row = await get_call_row(session, call, for_update=True)
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
            call_id=str(call),
        )
    if at is not None:
        row.closes_at = at.astimezone(dt.UTC)
        row.closes_at_offset = offset_minutes(at)
    else:
        row.closes_at = (now - TICK).astimezone(dt.UTC)
        if row.closes_at_offset is None:
            row.closes_at_offset = row.opens_at_offset
    _mark_changed(row, ["closes_at"])
    row.source, row.updated_at, row.updated_by = "api", now, actor
    await session.flush()
    await _reindex_call(session, row)
    return call_model(row, now)
