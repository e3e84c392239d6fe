"""What a change request owes and what the answers do (the relay's `settle`, `outbound/deliveries.py`):

- `owe_check`: a submitted request owes the eligibility check of its resulting version (`change.check`):
  the relay applies the diff to the approved version as it is then, computes the cost options again and
  sends the result to `POST /v1/checks` at the instant of the project's submission (the call was open then,
  as for a completion). `checked` stores the result and its report: ineligible, or within the programme's
  flexibility (the report's `change-flexibility` rule gives the share) notified and applied at once, or
  checked (to be assessed and decided). A check made against an older approved version is made again.
- `owe_money`: an approved request's money is the difference per fund of the two versions' commitment
  lines. What rises is asked of the budget (`budget.increase`, keyed `change:<request>`, all funds or none);
  the request is `approving` until it answers: accepted, the request is applied; refused (409 no room), it
  goes back to `assessed` with the budget's figures and nothing changes. What falls is released (keyed
  `change:<request>:release`) once applied. Nothing rises: applied at once.
- `apply`: the project's next approved version (the result, its report), the contract's baseline and end date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as app_repo
from services.applications.intake.content import canonical_json
from services.applications.models import Application, ApplicationVersion
from services.applications.outbound import events
from services.applications.outbound.kinds import MessageKind
from services.applications.projects import repository as project_repo
from services.applications.projects.baseline import Project, baseline_content, record
from services.applications.projects.changes import diff as changes
from services.applications.projects.changes import repository as repo
from services.applications.projects.changes.models import ChangeRequest
from services.applications.projects.changes.states import ChangeAction, ChangeStatus, change_next
from services.applications.projects.models import ProjectContract
from shared.outbox_records import Wake
from shared.schemas.applications import ApplicationContent

SYSTEM = "system:applications"
FLEXIBILITY_RULE = "change-flexibility"


def move(
    session: AsyncSession,
    cr: ChangeRequest,
    action: ChangeAction,
    *,
    actor: str,
    at: dt.datetime,
    role: str = "system",
    reason: str | None = None,
) -> None:
    """`cr` moved by `action` through its table, the step in the project's history (a person's role, or
    `system` for what the outbox's answers do)."""
    target = change_next(cr.status, action)
    record(
        session,
        cr.application_id,
        f"change-request:{cr.id}",
        action.value,
        actor=actor,
        role=role,
        at=at,
        from_status=cr.status,
        to_status=target.value,
        reason=reason,
    )
    cr.status, cr.updated_at = target.value, at
    cr.revision += 1


async def owe_check(
    session: AsyncSession, cr: ChangeRequest, project: Project, *, at: dt.datetime, wake: Wake | None
) -> None:
    version = project.contract.baseline_version
    await app_repo.enqueue(
        session,
        kind=MessageKind.CHANGE_CHECK,
        key=f"{MessageKind.CHANGE_CHECK}:{cr.id}:v{version}",
        aggregate=project.id,
        payload={"change_request_id": cr.id, "version": version},
        at=at,
        wake=wake,
    )


def _share(report: dict[str, Any]) -> Decimal | None:
    for result in report.get("results", []):
        if result.get("rule") == FLEXIBILITY_RULE and "reallocation_share" in result.get("facts", {}):
            return Decimal(str(result["facts"]["reallocation_share"]))
    return None


async def checked(
    session: AsyncSession,
    request_id: str,
    version: int,
    result: ApplicationContent | None,
    report: dict[str, Any],
    *,
    at: dt.datetime,
) -> str:
    """The check of the request's resulting version arrived (`result` None: the diff gives no valid budget)."""
    cr = await repo.get(session, request_id, for_update=True)
    if cr is None or cr.status != ChangeStatus.SUBMITTED:
        return "gone"
    app = await app_repo.get(session, cr.application_id, for_update=True)
    contract = await project_repo.contract(session, cr.application_id, for_update=True)
    if app is None or contract is None:
        return "gone"
    project = Project(
        app=app, contract=contract, content=await baseline_content(session, app, contract.baseline_version)
    )
    if contract.baseline_version != version:
        await owe_check(session, cr, project, at=at, wake=None)
        return "stale"
    cr.report, cr.checked_version = report, version
    cr.result = result.model_dump(mode="json") if result is not None else None
    if result is None or not report.get("eligible"):
        failed = [r["rule"] for r in report.get("results", []) if not r.get("passed") and r.get("severity") == "error"]
        move(
            session,
            cr,
            ChangeAction.CHECK_INELIGIBLE,
            actor="system:eligibility",
            at=at,
            reason=f"failed: {', '.join(failed) or report.get('detail', 'the resulting budget')}",
        )
    else:
        diff = changes.ChangeDiff.model_validate(cr.diff)
        cr.flexibility = changes.flexibility(cr.type, diff, project.content, result, _share(report))
        approving = any(o.status == ChangeStatus.APPROVING for o in await repo.of_project(session, cr.application_id))
        if cr.flexibility is not None and cr.flexibility["within"] and not approving:
            move(
                session,
                cr,
                ChangeAction.NOTIFY,
                actor="system:eligibility",
                at=at,
                reason=f"within the programme's flexibility ({cr.flexibility['share']} of the side's approved budget): notified, not decided",
            )
            await apply(session, cr, project, at=at)
        else:
            action = ChangeAction.CHECK_ELIGIBLE if cr.assessment is None else ChangeAction.CHECK_ASSESSED
            move(
                session,
                cr,
                action,
                actor="system:eligibility",
                at=at,
                reason=f"eligible on version {version} with the change (rule set {report.get('rule_set', {}).get('id')} v{report.get('rule_set', {}).get('version')})",
            )
    await session.flush()
    await events.change_request(session, cr, at=at)
    return "delivered"


async def owe_money(
    session: AsyncSession,
    cr: ChangeRequest,
    project: Project,
    base: ApplicationContent,
    *,
    at: dt.datetime,
    wake: Wake | None,
) -> None:
    result = ApplicationContent.model_validate(cr.result)
    rises, falls = changes.money(base, result)
    cr.money = {
        "increase": [{"fund": f, "amount": m.model_dump(mode="json")} for f, m in rises],
        "release": [{"fund": f, "amount": m.model_dump(mode="json")} for f, m in falls],
        "state": "pending" if rises else "none",
        "detail": None,
        "facts": {},
    }
    if rises and project.app.commitment_id is not None:
        await app_repo.enqueue(
            session,
            kind=MessageKind.INCREASE,
            key=f"change:{cr.id}",
            aggregate=project.id,
            payload={
                "change_request_id": cr.id,
                "commitment_id": project.app.commitment_id,
                "lines": cr.money["increase"],
                "reason": f"change request {cr.number} of {project.app.reference}: {cr.type}",
            },
            at=at,
            wake=wake,
        )
        return
    move(session, cr, ChangeAction.APPLY, actor=SYSTEM, at=at, reason="nothing rises: applied")
    await apply(session, cr, project, at=at)
    await owe_release(session, cr, project.app, at=at, wake=wake)


async def owe_release(
    session: AsyncSession, cr: ChangeRequest, app: Application, *, at: dt.datetime, wake: Wake | None
) -> None:
    if cr.money and cr.money["release"] and app.commitment_id is not None:
        await app_repo.enqueue(
            session,
            kind=MessageKind.RELEASE_LINES,
            key=f"change:{cr.id}:release",
            aggregate=app.id,
            payload={
                "change_request_id": cr.id,
                "commitment_id": app.commitment_id,
                "programme": app.programme,
                "lines": cr.money["release"],
                "reason": f"change request {cr.number} of {app.reference}: {cr.type}",
            },
            at=at,
            wake=wake,
        )


async def apply(session: AsyncSession, cr: ChangeRequest, project: Project, *, at: dt.datetime) -> None:
    """The project's next approved version: the request's result with its report."""
    app, contract = project.app, project.contract
    number = app.version + 1
    document = {
        "application_id": app.id,
        "number": number,
        "reference": app.reference,
        "programme": app.programme,
        "submitted_at": at.isoformat().replace("+00:00", "Z"),
        "submitted_by": f"change-request:{cr.id}",
        "change_request": {
            "id": cr.id,
            "number": cr.number,
            "type": cr.type,
            "previous_version": contract.baseline_version,
        },
        "content": cr.result,
    }
    app_repo.add_version(
        session,
        ApplicationVersion(
            application_id=app.id,
            number=number,
            document=canonical_json(document),
            report=canonical_json(cr.report) if cr.report is not None else None,
            created_at=at,
        ),
    )
    previous = contract.baseline_version
    app.version, app.content = number, cr.result or app.content
    await _rebase(session, contract, cr, number, at)
    if (cr.diff or {}).get("partners_out"):
        await repo.renumber_controls(session, app.id, list(cr.diff["partners_out"]))
    cr.version = number
    await _recheck_others(session, cr, project, at=at)
    record(
        session,
        app.id,
        "project",
        "change",
        actor=SYSTEM,
        role="system",
        at=at,
        from_status=contract.status,
        to_status=contract.status,
        reason=f"approved version {number} (was {previous}) from change request {cr.number} ({cr.type})",
    )
    await session.flush()


async def _recheck_others(session: AsyncSession, cr: ChangeRequest, project: Project, *, at: dt.datetime) -> None:
    """The project's other checked requests are checked again on the new approved version (they change other
    parts, so they still apply; their result is made anew)."""
    for other in await repo.of_project(session, cr.application_id):
        if other.id != cr.id and other.status in (ChangeStatus.CHECKED, ChangeStatus.INELIGIBLE, ChangeStatus.ASSESSED):
            move(
                session,
                other,
                ChangeAction.RECHECK,
                actor=SYSTEM,
                at=at,
                reason=f"checked again on version {project.contract.baseline_version}",
            )
            await owe_check(session, other, project, at=at, wake=None)


async def _rebase(
    session: AsyncSession, contract: ProjectContract, cr: ChangeRequest, number: int, at: dt.datetime
) -> None:
    """The contract follows the new approved version: its baseline and, for a new end date, its end and the
    final reporting period that ended with the project (its end moved there, its deadline by as many days)."""
    contract.baseline_version = number
    end = (cr.diff or {}).get("end_date")
    if end is not None and contract.end_date is not None:
        old, new = contract.end_date, dt.date.fromisoformat(end)
        contract.end_date = new
        for period in await project_repo.periods(session, contract.application_id):
            if period.final and period.end == old:
                period.end, period.deadline = new, period.deadline + (new - old)
    contract.updated_at, contract.revision = at, contract.revision + 1


async def increased(
    session: AsyncSession, request_id: str, refusal: tuple[str, dict[str, Any]] | None, *, at: dt.datetime
) -> str:
    """The budget's answer to the increase: applied, or back to `assessed` with its figures."""
    cr = await repo.get(session, request_id, for_update=True)
    if cr is None or cr.status != ChangeStatus.APPROVING or cr.money is None:
        return "gone"
    app = await app_repo.get(session, cr.application_id, for_update=True)
    contract = await project_repo.contract(session, cr.application_id, for_update=True)
    if app is None or contract is None:
        return "gone"
    if refusal is not None:
        detail, facts = refusal
        cr.money = {**cr.money, "state": "refused", "detail": detail, "facts": facts}
        figures = ", ".join(f"{k} {v}" for k, v in facts.items())
        move(
            session,
            cr,
            ChangeAction.BUDGET_REFUSED,
            actor="system:budget",
            at=at,
            reason=f"the budget refused the increase: {detail}" + (f" ({figures})" if figures else ""),
        )
        await session.flush()
        await events.change_request(session, cr, at=at, type=events.EventType.CHANGE_REFUSED)
        return "refused"
    cr.money = {**cr.money, "state": "accepted"}
    project = Project(
        app=app, contract=contract, content=await baseline_content(session, app, contract.baseline_version)
    )
    move(session, cr, ChangeAction.APPLY, actor="system:budget", at=at, reason="the budget raised the commitment")
    await apply(session, cr, project, at=at)
    await owe_release(session, cr, app, at=at, wake=None)
    await session.flush()
    await events.change_request(session, cr, at=at)
    return "delivered"
