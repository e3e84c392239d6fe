"""Decisions and the moves that end or return an application: approval (which commits the budget) or
rejection by an officer, re-opening an ineligible application, and the applicant's withdrawal (which
releases a commitment recorded for it).

Approval and withdrawal call the budget, so they run prepare → apply. A commitment made for an
approval that then cannot be recorded is given back here (`decide_with_compensation`), so the money
is never held for an application that stays eligible.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.access import load_visible, require_rights
from services.applications.config import Settings
from services.applications.content import commitment_lines
from services.applications.errors import BudgetRefused, InvalidApplication, VersionNotFound
from services.applications.models import Application
from services.applications.moves import KeyScope, locked, planned, snapshot, transition
from services.applications.schemas import ApplicationOut, DecisionRequest, WithdrawRequest
from services.applications.upstreams import Upstreams, priority_of, service_bearer
from services.applications.views import application_out
from services.applications.workflow import Action
from shared.auth import Principal
from shared.clients.budget import CommitmentRefused
from shared.db import Database
from shared.problems import FieldError, ProblemError
from shared.schemas.applications import ApplicationContent
from shared.schemas.budget import CommitmentRequest

R = TypeVar("R")
Work = Callable[[], Awaitable[ApplicationOut]]


@dataclass(frozen=True)
class DecisionPlan:
    application_id: str
    revision: int
    action: Action
    reason: str | None
    commitment_id: str | None
    at: dt.datetime


async def _commit_budget(db: Database, up: Upstreams, app: Application, *, bearer: str) -> str | None:
    """Commit the programme money of the submitted version (one line per fund, on the priority of its
    specific objective) with the officer's token; None when it asks for none. A refusal is a 409."""
    async with db.sessionmaker() as session:
        version = await repo.get_version(session, app.id, app.version)
    if version is None:  # cannot happen for an eligible application; fail loudly rather than commit nothing
        raise VersionNotFound(f"the application {app.id} has no submitted version")
    content = ApplicationContent.model_validate(json.loads(version.document)["content"])
    lines = commitment_lines(content)
    if not lines:
        return None
    priority = await priority_of(up.catalogue, app.programme, app.specific_objective)
    try:
        commitment = await up.budget.commit(
            CommitmentRequest(
                programme=app.programme,
                application_id=app.id,
                priority=priority,
                specific_objective=app.specific_objective,
                call_id=uuid.UUID(app.call_id),
                reference=app.reference,
                lines=lines,
            ),
            bearer=bearer,
            idempotency_key=f"approve:{app.id}:v{app.version}",
        )
    except CommitmentRefused as refused:
        raise BudgetRefused(
            f"the budget service refused the commitment: {refused.detail}",
            budget_detail=refused.detail,
            **refused.facts,
        ) from None
    return str(commitment.id)


async def prepare_decision(
    db: Database,
    up: Upstreams,
    principal: Principal,
    application_id: str,
    body: DecisionRequest,
    *,
    idempotency: KeyScope,
    bearer: str,
    now: dt.datetime,
) -> DecisionPlan | None:
    """Check the move, and for an approval commit the budget (before any lock). None: a replay."""
    reason = (body.reason or "").strip() or None
    if body.decision == "rejected" and reason is None:
        raise InvalidApplication(
            "a rejection needs a reason",
            errors=[FieldError(field="reason", message="required when the decision is rejected")],
        )
    action = Action.APPROVE if body.decision == "approved" else Action.REJECT
    app, replay = await snapshot(db, principal, application_id, action, idempotency)
    if replay:
        return None
    commitment_id = await _commit_budget(db, up, app, bearer=bearer) if action is Action.APPROVE else None
    return DecisionPlan(
        application_id=app.id,
        revision=app.revision,
        action=action,
        reason=reason,
        commitment_id=commitment_id,
        at=now,
    )


async def decide(session: AsyncSession, principal: Principal, plan: DecisionPlan | None) -> ApplicationOut:
    """Record the decision (and the commitment of an approval) on the application, locked."""
    plan = planned(plan)
    app = await locked(session, plan.application_id, plan.revision, plan.action)
    role = require_rights(principal, app, plan.action)
    if plan.commitment_id:
        app.commitment_id = plan.commitment_id
    app.decided_at = plan.at
    transition(
        session, app, plan.action, actor=principal.sub, role=role, at=plan.at, reason=plan.reason, version=app.version
    )
    await session.flush()
    return application_out(app)


async def undo_commitment(db: Database, up: Upstreams, settings: Settings, plan: DecisionPlan) -> None:
    """An approval whose commitment was made but which could not be stored gives the money back, unless
    the application holds that very commitment (a concurrent identical approval recorded it)."""
    if not plan.commitment_id:
        return
    async with db.sessionmaker() as session:
        app = await repo.get(session, plan.application_id)
    if app is None or app.commitment_id != plan.commitment_id:
        await up.budget.release(
            plan.commitment_id,
            reason="the approval could not be recorded",
            bearer=service_bearer(settings),
            idempotency_key=f"approve-undo:{plan.application_id}:{plan.commitment_id}",
        )


async def decide_with_compensation(
    session: AsyncSession,
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    plan: DecisionPlan | None,
    *,
    record: Callable[[Work], Awaitable[R]],
) -> R:
    """`decide` run inside `record` (the endpoint's Idempotency-Key). If it is refused (the application
    moved on, a concurrent request took the key), the commitment made for it is released: first the
    request's transaction is rolled back, so no lock is held while the budget is called."""

    async def work() -> ApplicationOut:
        return await decide(session, principal, plan)

    try:
        return await record(work)
    except ProblemError:
        if plan is not None and plan.commitment_id:
            await session.rollback()
            await undo_commitment(db, up, settings, plan)
        raise


async def reopen(
    session: AsyncSession, principal: Principal, application_id: str, reason: str, *, now: dt.datetime
) -> ApplicationOut:
    """An officer returns an ineligible application to draft for completion."""
    app = await load_visible(session, principal, application_id, for_update=True)
    role = require_rights(principal, app, Action.REOPEN)
    transition(session, app, Action.REOPEN, actor=principal.sub, role=role, at=now, reason=reason, version=app.version)
    await session.flush()
    return application_out(app)


@dataclass(frozen=True)
class WithdrawalPlan:
    application_id: str
    revision: int
    reason: str | None
    released: str | None
    at: dt.datetime


async def prepare_withdrawal(
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    application_id: str,
    body: WithdrawRequest | None,
    *,
    idempotency: KeyScope,
    now: dt.datetime,
) -> WithdrawalPlan | None:
    """Check the move, and release any commitment recorded for the application (service token)."""
    app, replay = await snapshot(db, principal, application_id, Action.WITHDRAW, idempotency)
    if replay:
        return None
    reason = ((body.reason if body else None) or "").strip() or None
    if app.commitment_id:
        await up.budget.release(
            app.commitment_id,
            reason=f"application {app.reference or app.id} withdrawn" + (f": {reason}" if reason else ""),
            bearer=service_bearer(settings),
            idempotency_key=f"withdraw:{app.id}:{app.commitment_id}",
        )
    return WithdrawalPlan(
        application_id=app.id, revision=app.revision, reason=reason, released=app.commitment_id, at=now
    )


async def withdraw(session: AsyncSession, principal: Principal, plan: WithdrawalPlan | None) -> ApplicationOut:
    """Record the withdrawal (naming a released commitment in the reason)."""
    plan = planned(plan)
    app = await locked(session, plan.application_id, plan.revision, Action.WITHDRAW)
    role = require_rights(principal, app, Action.WITHDRAW)
    reason = plan.reason
    if plan.released:
        reason = (reason + "; " if reason else "") + f"commitment {plan.released} released"
    transition(
        session,
        app,
        Action.WITHDRAW,
        actor=principal.sub,
        role=role,
        at=plan.at,
        reason=reason,
        version=app.version or None,
    )
    await session.flush()
    return application_out(app)
