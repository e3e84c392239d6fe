"""Change requests, step by step, each ONE local transaction (what it owes other services in the outbox):

- **create** (the owner of a side the diff touches): a draft against the approved version; 422 naming each
  field the diff gets wrong, 409 `change-request-conflict` naming the open request that changes a same part.
- **submit** (each touched side's owner, both when it touches both): when every side has, the request is
  `submitted` and owes the eligibility check of its resulting version (`change.check`, `outcome.checked`).
- **assess** (the secretariat: an officer) a checked request; **decide** (an officer, or the committee's
  minutes named): approval owes the increase of what rises (`budget.increase`, all funds or none) and is
  applied when the budget accepts (`outcome.apply`), at once when nothing rises; rejection ends it.
- **withdraw** (an owner of a touched side) before a decision.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.outbound import events
from services.applications.projects import repository as project_repo
from services.applications.projects.baseline import Project, baseline_content, record, visible
from services.applications.projects.changes import diff as changes
from services.applications.projects.changes import outcome
from services.applications.projects.changes import repository as repo
from services.applications.projects.changes.models import ChangeRequest
from services.applications.projects.changes.schemas import (
    AssessmentIn,
    ChangeDecisionIn,
    ChangeRequestIn,
    ChangeRequestOut,
    WithdrawalIn,
)
from services.applications.projects.changes.states import OPEN, ChangeAction, ChangeStatus, change_next
from services.applications.projects.changes.views import change_out
from services.applications.projects.errors import (
    ChangeConflict,
    ChangeRequestNotFound,
    ChangeStale,
    InvalidProjectData,
    NotContracted,
    NotOwner,
    ProjectNotFound,
)
from services.applications.projects.states import ProjectStatus
from services.applications.projects.texts import say
from shared.auth import Principal
from shared.outbox_records import Wake
from shared.problems import Forbidden

A = ChangeAction


def _officer(principal: Principal) -> str:
    if principal.has("officer"):
        return "officer"
    if principal.has("admin"):
        return "admin"
    raise Forbidden("only an officer may do this")


def _owner_role(project: Project, principal: Principal, sides: list[str], language: str) -> tuple[str, set[str]]:
    """The caller's role and the touched sides it acts for (403 when none)."""
    acting = project.owner_sides(principal) & set(sides)
    if acting:
        return "owner", acting
    if principal.has("admin"):
        return "admin", set(sides)
    raise NotOwner(
        say(
            "change-side-not-touched",
            language,
            side="/".join(sorted(project.owner_sides(principal))) or "-",
            sides=", ".join(sides),
        )
    )


async def _found(
    session: AsyncSession, principal: Principal, request_id: str, *, now: dt.datetime
) -> tuple[ChangeRequest, Project]:
    cr = await repo.get(session, request_id, for_update=True)
    if cr is None:
        raise ChangeRequestNotFound(f"no change request {request_id}")
    try:
        project = await visible(session, principal, cr.application_id, now=now, for_update=True)
    except ProjectNotFound:
        raise ChangeRequestNotFound(f"no change request {request_id}") from None
    return cr, project


async def create(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    body: ChangeRequestIn,
    *,
    now: dt.datetime,
    language: str,
) -> ChangeRequestOut:
    project = await visible(session, principal, application_id, now=now, for_update=True)
    if project.contract.status != ProjectStatus.CONTRACTED:
        raise NotContracted(say("not-contracted", language, status=project.contract.status))
    base = project.content
    reported = {r.partner for r in await project_repo.partner_reports(session, project.id)}
    errors = changes.problems(body.type, body.diff, base, reported, language)
    if errors:
        raise InvalidProjectData("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    sides = changes.sides(body.diff, base)
    role, _ = _owner_role(project, principal, sides, language)
    parts = changes.parts(body.diff)
    await _refuse_conflicts(session, project.id, parts, None, language)
    cr = ChangeRequest(
        id=str(uuid.uuid4()),
        application_id=project.id,
        number=await repo.next_number(session, project.id),
        type=body.type,
        status=ChangeStatus.DRAFT.value,
        justification=body.justification,
        diff=body.diff.model_dump(mode="json", exclude_none=True),
        parts=parts,
        sides=sides,
        submitted={},
        base_version=project.contract.baseline_version,
        checked_version=None,
        result=None,
        report=None,
        flexibility=None,
        assessment=None,
        decision=None,
        money=None,
        version=None,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
        revision=1,
    )
    repo.add(session, cr)
    record(
        session,
        project.id,
        f"change-request:{cr.id}",
        "create",
        actor=principal.sub,
        role=role,
        at=now,
        to_status=cr.status,
        reason=f"{cr.type} against version {cr.base_version}: {', '.join(parts)}",
    )
    await session.flush()
    await events.change_request(session, cr, at=now)
    return change_out(cr)


async def _refuse_conflicts(
    session: AsyncSession, project_id: str, parts: list[str], own: str | None, language: str
) -> None:
    for other in await repo.of_project(session, project_id):
        shared = sorted(set(other.parts) & set(parts))
        if other.id != own and other.status in OPEN and shared:
            raise ChangeConflict(
                say("change-conflict", language, number=other.number, id=other.id, parts=", ".join(shared)),
                change_request=other.id,
                parts=shared,
            )


async def submit(
    session: AsyncSession, principal: Principal, request_id: str, *, now: dt.datetime, wake: Wake, language: str
) -> ChangeRequestOut:
    cr, project = await _found(session, principal, request_id, now=now)
    role, acting = _owner_role(project, principal, cr.sides, language)
    change_next(cr.status, A.SUBMIT_SIDE)
    cr.submitted = {**cr.submitted, **{s: {"by": principal.sub, "at": now.isoformat()} for s in sorted(acting)}}
    if set(cr.submitted) >= set(cr.sides):
        outcome.move(
            session,
            cr,
            A.SUBMIT,
            actor=principal.sub,
            role=role,
            at=now,
            reason=f"submitted by {', '.join(sorted(cr.submitted))}",
        )
        await outcome.owe_check(session, cr, project, at=now, wake=wake)
    else:
        outcome.move(
            session,
            cr,
            A.SUBMIT_SIDE,
            actor=principal.sub,
            role=role,
            at=now,
            reason=f"the {', '.join(sorted(acting))} side submitted",
        )
    await session.flush()
    if cr.status == ChangeStatus.SUBMITTED:
        await events.change_request(session, cr, at=now)
    return change_out(cr)


async def assess(
    session: AsyncSession, principal: Principal, request_id: str, body: AssessmentIn, *, now: dt.datetime
) -> ChangeRequestOut:
    role = _officer(principal)
    cr, _ = await _found(session, principal, request_id, now=now)
    outcome.move(
        session,
        cr,
        A.ASSESS,
        actor=principal.sub,
        role=role,
        at=now,
        reason=f"recommends {body.recommendation}: {body.comment}",
    )
    cr.assessment = {"by": principal.sub, "at": now.isoformat(), **body.model_dump(mode="json")}
    await session.flush()
    await events.change_request(session, cr, at=now)
    return change_out(cr)


async def decide(
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    body: ChangeDecisionIn,
    *,
    now: dt.datetime,
    wake: Wake,
    language: str,
) -> ChangeRequestOut:
    role = _officer(principal) if body.committee_reference is None else "committee"
    _officer(principal)
    cr, project = await _found(session, principal, request_id, now=now)
    cr.decision = {"by": principal.sub, "at": now.isoformat(), **body.model_dump(mode="json")}
    if body.decision == "rejected":
        outcome.move(session, cr, A.REJECT, actor=principal.sub, role=role, at=now, reason=body.reason)
        await session.flush()
        await events.change_request(session, cr, at=now)
        return change_out(cr)
    change_next(cr.status, A.APPROVE)
    for other in await repo.of_project(session, project.id):
        if other.id != cr.id and other.status == ChangeStatus.APPROVING:
            raise ChangeConflict(
                say("change-approving", language, number=other.number, id=other.id), change_request=other.id
            )
    if cr.checked_version != project.contract.baseline_version:
        raise ChangeStale(
            say("change-stale", language, checked=cr.checked_version, current=project.contract.baseline_version)
        )
    outcome.move(session, cr, A.APPROVE, actor=principal.sub, role=role, at=now, reason=body.reason)
    base = await baseline_content(session, project.app, project.contract.baseline_version)
    await outcome.owe_money(session, cr, project, base, at=now, wake=wake)
    await session.flush()
    await events.change_request(session, cr, at=now)
    return change_out(cr)


async def withdraw(
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    body: WithdrawalIn | None,
    *,
    now: dt.datetime,
    language: str,
) -> ChangeRequestOut:
    cr, project = await _found(session, principal, request_id, now=now)
    role, _ = _owner_role(project, principal, cr.sides, language)
    outcome.move(
        session, cr, A.WITHDRAW, actor=principal.sub, role=role, at=now, reason=(body.reason if body else None)
    )
    await session.flush()
    await events.change_request(session, cr, at=now)
    return change_out(cr)


async def one(session: AsyncSession, principal: Principal, request_id: str, *, now: dt.datetime) -> ChangeRequestOut:
    cr = await repo.get(session, request_id)
    if cr is None:
        raise ChangeRequestNotFound(f"no change request {request_id}")
    try:
        await visible(session, principal, cr.application_id, now=now)
    except ProjectNotFound:
        raise ChangeRequestNotFound(f"no change request {request_id}") from None
    return change_out(cr)


async def of_project(
    session: AsyncSession, principal: Principal, application_id: str, *, now: dt.datetime
) -> list[ChangeRequestOut]:
    project = await visible(session, principal, application_id, now=now)
    return [change_out(cr) for cr in await repo.of_project(session, project.id)]
