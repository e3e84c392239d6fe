"""Decisions and the moves after them, each ONE local transaction: the state change and the messages it
owes the budget (the outbox), never a remote call inside the request.

- **approve** (officer, from eligible): records the approval and the commitment it owes
  (`budget.commit`, business key `budget.commit:<application>:v<version>`); `commitment_status` is
  `pending` until the relay has it from the budget, then `active`. If the budget refuses (no room left
  on a fund of the priority), the relay returns the application to `eligible` with the budget's reason
  (`budget-refused`, actor `system:budget`) and `commitment_status` `refused`.
- **reject** (officer, reason required), **reopen** (officer, ineligible → draft) and **withdraw** (the
  applicant, before a decision) owe nothing: no commitment exists before an approval.
- **terminate** (officer, reason required: the project ends early) and **close** (officer: the project
  ended, possibly under budget) release what the budget holds and was not paid (`budget.release`,
  `commitment_status` `releasing`, then `released`); the release is delivered after the commitment.
- **revert** (admin, reason required, within `revert_period_days` of the approval): the approval is undone
  (back to `eligible`) and its commitment released the same way; the reserve list then proposes the first
  project that fits (`committee.reserve_list`). A later approval of the same version is the application's
  next approval: its messages carry `:a<n>` in their business keys (`decision_key`), so the budget makes
  it a new commitment instead of answering the released one.
- **return** (officer, from eligible: questions and a deadline) and **invite** (officer: a concept note
  invited to a full application) owe nothing.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.committee.conflicts import refuse_if_conflicted
from services.applications.errors import InvalidApplication, RevertPeriodOver, VersionNotFound
from services.applications.intake.content import commitment_lines
from services.applications.models import Application
from services.applications.outbound.kinds import MessageKind
from services.applications.reads.views import application_out
from services.applications.schemas.applications import (
    ApplicationOut,
    DecisionRequest,
    EndRequest,
    ReturnRequest,
    WithdrawRequest,
)
from services.applications.workflow.access import load_visible, require_rights
from services.applications.workflow.commitment import CommitmentEvent, may, move_commitment
from services.applications.workflow.moves import move, transition
from services.applications.workflow.transitions import Action, next_status
from shared.auth import Principal
from shared.outbox_records import Wake
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent


def _reason(text: str | None, *, required: bool, action: Action) -> str | None:
    reason = (text or "").strip() or None
    if required and reason is None:
        raise InvalidApplication(
            f"to {action.value} an application needs a reason",
            errors=[FieldError(field="reason", message=f"required to {action.value}")],
        )
    return reason


def decision_key(kind: str, app: Application) -> str:
    """The business key of the commitment (or release) of the application's current approval:
    `<kind>:<application>:v<version>`, with `:a<n>` from its second approval on."""
    key = f"{kind}:{app.id}:v{app.version}"
    return key if app.approvals <= 1 else f"{key}:a{app.approvals}"


async def owe_commitment(
    session: AsyncSession,
    app: Application,
    *,
    at: dt.datetime,
    wake: Wake,
    content: ApplicationContent | None = None,
) -> None:
    """Count the approval and record the commitment of the approved version's programme money (one line
    per fund and currency): as submitted, or as granted (`content`: a committee's reduced grant)."""
    app.approvals += 1
    app.decided_at = at
    if content is None:
        version = await repo.get_version(session, app.id, app.version)
        if version is None:  # cannot happen for an eligible application; fail loudly rather than commit nothing
            raise VersionNotFound(f"the application {app.id} has no submitted version")
        content = ApplicationContent.model_validate(json.loads(version.document)["content"])
    lines = commitment_lines(content)
    if not lines:
        return
    await repo.enqueue(
        session,
        kind=MessageKind.COMMIT,
        key=decision_key(MessageKind.COMMIT, app),
        aggregate=app.id,
        payload={
            "programme": app.programme,
            "application_id": app.id,
            "application_version": app.version,
            "specific_objective": app.specific_objective,
            "call_id": app.call_id,
            "reference": app.reference,
            "lines": [line.model_dump(mode="json") for line in lines],
        },
        at=at,
        wake=wake,
    )
    move_commitment(app, CommitmentEvent.OWE)


async def decide(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    body: DecisionRequest,
    *,
    now: dt.datetime,
    wake: Wake,
) -> ApplicationOut:
    """An officer's approval (owing the commitment) or rejection (with a reason), on the locked application."""
    action = Action.APPROVE if body.decision == "approved" else Action.REJECT
    reason = _reason(body.reason, required=action is Action.REJECT, action=action)
    app = await move(session, principal, application_id, action, at=now, reason=reason)
    await refuse_if_conflicted(session, principal.sub, [app])
    app.decided_at = now
    if action is Action.APPROVE:
        await owe_commitment(session, app, at=now, wake=wake)
    await session.flush()
    return application_out(app, principal)


async def end(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    action: Action,
    body: EndRequest,
    *,
    now: dt.datetime,
    wake: Wake,
) -> ApplicationOut:
    """Terminate (reason required) or close an approved project, owing the release of what was not paid."""
    reason = _reason(body.reason, required=action is Action.TERMINATE, action=action)
    app = await move(session, principal, application_id, action, at=now, reason=reason)
    await _owe_release(session, app, reason, at=now, wake=wake)
    await session.flush()
    return application_out(app, principal)


async def _owe_release(
    session: AsyncSession, app: Application, reason: str | None, *, at: dt.datetime, wake: Wake
) -> None:
    """Record the release of what the current approval's commitment holds (if it holds or owes one)."""
    if not may(app.commitment_status, CommitmentEvent.OWE_RELEASE):
        return
    await repo.enqueue(
        session,
        kind=MessageKind.RELEASE,
        key=decision_key(MessageKind.RELEASE, app),
        aggregate=app.id,
        payload={
            "application_id": app.id,
            "application_version": app.version,
            "reason": f"application {app.reference} {app.status}" + (f": {reason}" if reason else ""),
        },
        at=at,
        wake=wake,
    )
    move_commitment(app, CommitmentEvent.OWE_RELEASE)


async def revert(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    reason: str,
    *,
    now: dt.datetime,
    period: dt.timedelta,
    wake: Wake,
) -> ApplicationOut:
    """An admin reverts an approval within `period` of it: back to `eligible`, its commitment released."""
    app = await load_visible(session, principal, application_id, for_update=True)
    role = require_rights(principal, app, Action.REVERT)
    next_status(app.status, Action.REVERT, app.kind)
    if app.decided_at is not None and now - app.decided_at > period:
        raise RevertPeriodOver(
            f"the approval of {app.reference} was made at {app.decided_at.isoformat()}; it may be reverted for "
            f"{period.days} days, until {(app.decided_at + period).isoformat()}",
            decided_at=app.decided_at,
            revertible_until=app.decided_at + period,
        )
    await transition(
        session, app, Action.REVERT, actor=principal.sub, role=role, at=now, reason=reason, version=app.version
    )
    await _owe_release(session, app, f"approval reverted: {reason}", at=now, wake=wake)
    app.decided_at, app.reserve_rank = None, None
    await session.flush()
    return application_out(app, principal)


async def return_for_completion(
    session: AsyncSession, principal: Principal, application_id: str, body: ReturnRequest, *, now: dt.datetime
) -> ApplicationOut:
    """An officer returns an eligible application to the applicant with questions and a deadline."""
    if body.deadline <= now:
        raise InvalidApplication(
            "the deadline of a completion is in the future",
            errors=[FieldError(field="deadline", message=f"must be after {now.isoformat()}")],
        )
    reason = f"questions: {body.questions.strip()} (answer by {body.deadline.isoformat()})"
    app = await move(session, principal, application_id, Action.RETURN, at=now, reason=reason)
    app.return_deadline = body.deadline
    await session.flush()
    return application_out(app, principal)


async def invite(
    session: AsyncSession, principal: Principal, application_id: str, reason: str | None, *, now: dt.datetime
) -> ApplicationOut:
    """An officer invites an eligible concept note to a full application (step 2 of its two-step call)."""
    app = await move(session, principal, application_id, Action.INVITE, at=now, reason=reason)
    app.decided_at = now
    await session.flush()
    return application_out(app, principal)


async def reopen(
    session: AsyncSession, principal: Principal, application_id: str, reason: str, *, now: dt.datetime
) -> ApplicationOut:
    """An officer returns an ineligible application to draft for completion."""
    app = await move(session, principal, application_id, Action.REOPEN, at=now, reason=reason)
    await session.flush()
    return application_out(app, principal)


async def withdraw(
    session: AsyncSession, principal: Principal, application_id: str, body: WithdrawRequest | None, *, now: dt.datetime
) -> ApplicationOut:
    """The owning applicant withdraws an application that has no decision (so no commitment) yet."""
    reason = ((body.reason if body else None) or "").strip() or None
    app = await move(session, principal, application_id, Action.WITHDRAW, at=now, reason=reason)
    await session.flush()
    return application_out(app, principal)
