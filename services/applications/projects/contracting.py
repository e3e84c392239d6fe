"""Contracting (after approval): an officer records the contract data, then sets the project `contracted`.

- `PUT …/contract` replaces the contract data as it stands; it may be incomplete. A controller assigned
  to a partner must be registered in the programme with the partner's country (422 otherwise: the Swedish
  side's partners are controlled by the Swedish central control, the Norwegian side's by a controller
  approved in Norway).
- `POST …/contracting` sets `contracted` only when the application is approved and its commitment is
  accepted by the budget (`commitment_status` `active`), every committee condition of the current approval
  is fulfilled (409 naming the open ones), and the data is complete (409 naming every missing item: the
  dates, at least one reporting period, each owner's contacts and bank account, a controller per partner).
- **Closure** (`POST …/closure`): once the final period's project report is verified, the project is
  closed and the application `closed` through the workflow's own close, which owes the budget the release
  of what the commitment still holds (`budget.release`: the budget releases committed − released − paid).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as app_repo
from services.applications.outbound import events
from services.applications.projects import repository as repo
from services.applications.projects.baseline import Project, load, record, visible
from services.applications.projects.errors import (
    ConditionsOpen,
    ContractIncomplete,
    FinalReportMissing,
    InvalidProjectData,
    NotApproved,
)
from services.applications.projects.models import PartnerControl, ReportingPeriod
from services.applications.projects.schemas import ContractRequest, ControllerAssignmentIn, ProjectOut
from services.applications.projects.states import ProjectAction, ProjectReportStatus, project_next
from services.applications.projects.texts import say
from services.applications.projects.views import project_etag, project_out
from services.applications.schemas.applications import EndRequest
from services.applications.workflow import decisions
from services.applications.workflow.commitment import CommitmentStatus
from services.applications.workflow.transitions import Action, Status
from shared.auth import Principal
from shared.etags import require_match
from shared.outbox_records import Wake
from shared.problems import FieldError, Forbidden


def _officer(principal: Principal) -> str:
    if principal.has("officer"):
        return "officer"
    if principal.has("admin"):
        return "admin"
    raise Forbidden("only an officer may do this")


async def put_contract(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    body: ContractRequest,
    *,
    now: dt.datetime,
    if_match: str | None,
) -> tuple[ProjectOut, str]:
    """Record the contract data on the project's current state (`If-Match`: 428 without, 412 when stale);
    the answer and the project's new ETag."""
    role = _officer(principal)
    project = await load(session, application_id, now=now, for_update=True, create=True)
    require_match(if_match, project_etag(project))
    contract = project.contract
    project_next(contract.status, ProjectAction.CONTRACT)
    errors: list[FieldError] = []
    for i, assignment in enumerate(body.controllers):
        fields = (f"controllers.{i}.partner", f"controllers.{i}.controller")
        errors += await _assignment_errors(session, project, assignment.partner, assignment.controller, fields)
    leads = project.leads()
    for side in body.owners:
        if side not in leads:
            errors.append(FieldError(field=f"owners.{side}", message=f"the baseline has no {side} lead partner"))
    if errors:
        raise InvalidProjectData("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    contract.decision_date, contract.contract_date = body.decision_date, body.contract_date
    contract.start_date, contract.end_date = body.start_date, body.end_date
    contract.owners = {side: data.model_dump(mode="json", exclude_none=True) for side, data in body.owners.items()}
    contract.updated_at = now
    contract.revision += 1
    await repo.replace_contract_rows(
        session,
        project.id,
        [ReportingPeriod(application_id=project.id, **p.model_dump()) for p in body.periods],
        [
            PartnerControl(application_id=project.id, partner=a.partner, controller=a.controller)
            for a in body.controllers
        ],
    )
    # Never personal data in the history: say what changed, not the contacts or accounts.
    record(
        session,
        project.id,
        "project",
        "contract",
        actor=principal.sub,
        role=role,
        at=now,
        from_status=contract.status,
        to_status=contract.status,
        reason=f"contract data recorded: {len(body.periods)} reporting periods, owners {', '.join(sorted(body.owners)) or 'none'}, "
        f"{len(body.controllers)} controller assignments",
    )
    await session.flush()
    return await project_out(session, project, principal), project_etag(project)


async def _assignment_errors(
    session: AsyncSession, project: Project, number: int, controller: str, fields: tuple[str, str]
) -> list[FieldError]:
    """What is wrong with `controller` controlling partner `number` of the approved version: no such partner,
    a controller the programme has not registered, or one of the other country (`fields`: where the partner
    and the controller were given)."""
    partner_field, controller_field = fields
    partner = project.partner(number)
    if partner is None:
        return [FieldError(field=partner_field, message=f"the approved version has no partner {number}")]
    registered = await repo.controller(session, project.app.programme, controller)
    if registered is None:
        return [FieldError(field=controller_field, message=f"no controller {controller!r} in the programme")]
    if registered.country != partner.country:
        message = (
            f"{controller} controls the {registered.country} side; partner {number} ({partner.name}) is in "
            f"{partner.country}"
        )
        return [FieldError(field=controller_field, message=message)]
    return []


async def assign_controller(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    number: int,
    body: ControllerAssignmentIn,
    *,
    now: dt.datetime,
    if_match: str | None,
) -> tuple[ProjectOut, str]:
    """An officer assigns (or replaces) the controller of one partner while the project is contracting or
    contracted: a partner a change request added, or a controller who changes. A report in control passes to
    the new controller (control is by the current assignment); its certificate still needs a second person."""
    role = _officer(principal)
    project = await load(session, application_id, now=now, for_update=True)
    require_match(if_match, project_etag(project))
    contract = project.contract
    project_next(contract.status, ProjectAction.ASSIGN_CONTROLLER)
    errors = await _assignment_errors(session, project, number, body.controller, ("path.partner", "controller"))
    if errors:
        raise InvalidProjectData("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    before = (await repo.assignments(session, project.id)).get(number)
    await repo.assign(session, project.id, number, body.controller)
    contract.updated_at, contract.revision = now, contract.revision + 1
    record(
        session,
        project.id,
        "project",
        ProjectAction.ASSIGN_CONTROLLER,
        actor=principal.sub,
        role=role,
        at=now,
        from_status=contract.status,
        to_status=contract.status,
        reason=f"partner {number}: controller {body.controller}" + (f" (was {before})" if before else ""),
    )
    await session.flush()
    return await project_out(session, project, principal), project_etag(project)


async def missing_items(session: AsyncSession, project: Project, language: str) -> list[str]:
    contract = project.contract
    missing = [
        say("missing-" + name, language)
        for name in ("decision_date", "contract_date", "start_date", "end_date")
        if getattr(contract, name) is None
    ]
    if not await repo.periods(session, project.id):
        missing.append(say("missing-periods", language))
    for side in project.leads():
        data = contract.owners.get(side) or {}
        if not data.get("contacts"):
            missing.append(say("missing-contacts", language, side=side))
        if not data.get("bank_account"):
            missing.append(say("missing-bank-account", language, side=side))
    assigned = await repo.assignments(session, project.id)
    for number, partner in enumerate(project.content.partners, start=1):
        if number not in assigned:
            missing.append(say("missing-controller", language, number=number, name=partner.name))
    return missing


async def set_contracted(
    session: AsyncSession, principal: Principal, application_id: str, *, now: dt.datetime, language: str
) -> ProjectOut:
    role = _officer(principal)
    project = await load(session, application_id, now=now, for_update=True, create=True)
    app, contract = project.app, project.contract
    target = project_next(contract.status, ProjectAction.CONTRACTING)
    if app.status != Status.APPROVED or app.commitment_status != CommitmentStatus.ACTIVE:
        raise NotApproved(
            say("not-approved", language, status=app.status, commitment=app.commitment_status or "none"),
            status_of_application=app.status,
            commitment_status=app.commitment_status,
        )
    open_conditions = [
        c for c in await app_repo.conditions(session, app.id, approval=app.approvals) if c.fulfilled_at is None
    ]
    if open_conditions:
        raise ConditionsOpen(
            say("conditions-open", language, conditions="; ".join(f"{c.number}. {c.text}" for c in open_conditions)),
            conditions=[{"number": c.number, "text": c.text} for c in open_conditions],
        )
    missing = await missing_items(session, project, language)
    if missing:
        raise ContractIncomplete(say("contract-incomplete", language, missing="; ".join(missing)), missing=missing)
    record(
        session,
        project.id,
        "project",
        ProjectAction.CONTRACTING,
        actor=principal.sub,
        role=role,
        at=now,
        from_status=contract.status,
        to_status=target,
        reason=f"baseline version {contract.baseline_version}",
    )
    contract.status, contract.contracted_at, contract.contracted_by = target, now, principal.sub
    contract.updated_at, contract.revision = now, contract.revision + 1
    await events.contracted(session, project.id, contract.baseline_version, at=now)
    await session.flush()
    return await project_out(session, project, principal)


async def close(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    reason: str | None,
    *,
    now: dt.datetime,
    wake: Wake,
    language: str,
) -> ProjectOut:
    role = _officer(principal)
    project = await visible(session, principal, application_id, now=now, for_update=True)
    contract = project.contract
    target = project_next(contract.status, ProjectAction.CLOSE)
    final = next((p for p in await repo.periods(session, project.id) if p.final), None)
    reports = {r.period: r for r in await repo.project_reports(session, project.id)}
    report = reports.get(final.number) if final else None
    if final is None or report is None or report.status != ProjectReportStatus.VERIFIED:
        raise FinalReportMissing(say("final-not-verified", language, period=final.number if final else "?"))
    text = reason or f"final report of period {final.number} verified"
    await decisions.end(session, principal, project.id, Action.CLOSE, EndRequest(reason=text), now=now, wake=wake)
    record(
        session,
        project.id,
        "project",
        ProjectAction.CLOSE,
        actor=principal.sub,
        role=role,
        at=now,
        from_status=contract.status,
        to_status=target,
        reason=text,
    )
    contract.status, contract.closed_at, contract.updated_at = target, now, now
    contract.revision += 1
    await session.flush()
    return await project_out(session, project, principal)
