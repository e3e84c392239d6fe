"""The committee's decision session per call, its ranked list and reserve list, and the conditions of its
approvals (the money is `ranking.py`'s).

- **ranking** (staff): the call's assessed applications (eligible, assessment complete), those meeting the
  quality thresholds first, by consolidated score (exact), then by first submission; line by line the
  money each asks per fund (as asked and in the programme's currency) and what would remain per fund of
  its priority if the list were approved in that order. An application that does not fit (or does not
  meet the thresholds) takes nothing from what remains.
- **record** (officer; prepare → apply, all or none): each application of the session is approved,
  approved with conditions, put on the reserve list (with its rank) or rejected (with a reason); the
  minutes reference is stored. The prepare step reads the budget's figures: approvals are taken in the
  order given, and if any no longer fits the money left on its priority the whole session is refused (409
  `does-not-fit`, naming each with fund, asked and available) and nothing is recorded. Otherwise ONE local
  transaction moves every application and records the commitment each approval owes (the outbox), so
  the budget's own refusal stays the final word if the money goes elsewhere before delivery.
- **reserve list** (staff): the call's reserve projects by rank, whether each fits the money available
  now, and the first that fits proposed; an officer approves it with the ordinary decision (reserve →
  approved), which commits its money.
- **conditions**: an approval's conditions, each marked fulfilled by an officer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.assessment.assessors import consolidated
from services.applications.assessment.scoring import Consolidated, shown
from services.applications.committee import grants
from services.applications.committee.conflicts import abstentions, conflicted_of, refuse_if_conflicted
from services.applications.committee.ranking import ROUNDING, Figures, fits, needs, read_figures, take
from services.applications.errors import (
    ApplicationNotFound,
    AssessmentIncomplete,
    BelowThreshold,
    CallNotFound,
    CommitteeSessionNotFound,
    ConcurrentChange,
    ConditionNotFound,
    DoesNotFit,
    InvalidApplication,
)
from services.applications.models import Application, CommitteeDecision, CommitteeSession, Condition
from services.applications.outbound.upstreams import Upstreams
from services.applications.schemas.assessment import (
    ConditionOut,
    RankedOut,
    RankingOut,
    ReserveItem,
    ReserveOut,
    SessionDecisionIn,
    SessionDecisionOut,
    SessionOut,
    SessionRequest,
)
from services.applications.state_aid.at_decision import AidChecks, Approving, check_at_decision, take_turns
from services.applications.workflow.access import load_visible, require_rights
from services.applications.workflow.decisions import owe_commitment
from services.applications.workflow.moves import planned, transition
from services.applications.workflow.transitions import Action, Status, next_status
from shared.auth import Principal
from shared.db import Database
from shared.money import decimal_str
from shared.outbox_records import Wake
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent

ACTIONS = {"approved": Action.APPROVE, "approved-with-conditions": Action.APPROVE, "reserve": Action.RESERVE}


async def _programme_of(up: Upstreams, call_id: str) -> str:
    call = await up.catalogue.call(call_id)
    if call is None:
        raise CallNotFound(f"the catalogue has no call {call_id}", call_id=call_id)
    return call.programme


def _order(item: tuple[Application, Consolidated]) -> tuple[bool, object, object, str]:
    app, result = item
    return (not result.meets_thresholds, -result.total, app.submitted_at, app.id)


async def ranking(
    db: Database, up: Upstreams, call_id: str, *, now: dt.datetime, viewer: str | None = None
) -> RankingOut:
    """The call's assessed applications ranked, with the money that would remain after each; an application
    whose conflict of interest `viewer` declared shows them no score (`score` null, `conflict_of_interest`)."""
    programme = await _programme_of(up, call_id)
    async with db.sessionmaker() as session:
        apps = await repo.in_call(session, call_id, Status.ELIGIBLE)
        rows = await repo.assessments(session, [a.id for a in apps])
        owing = await repo.owing_commitment(session, programme)
    withheld = conflicted_of(rows, viewer) if viewer else set()
    scored = [(a, r) for a in apps if (r := consolidated(a, rows[a.id])) is not None]
    scored.sort(key=_order)
    figures = await read_figures(up, programme, [a for a, _ in scored], owing, now=now)
    left = dict(figures.available)
    items = []
    for rank, (app, result) in enumerate(scored, start=1):
        fit = fits(figures, left, app)
        if fit and result.meets_thresholds:
            take(figures, left, app)
        items.append(
            RankedOut(
                rank=rank,
                application_id=UUID(app.id),
                reference=app.reference,
                acronym=app.acronym,
                status=app.status,
                specific_objective=app.specific_objective,
                priority=figures.priority(app),
                score=None if app.id in withheld else shown(result.total),
                conflict_of_interest=app.id in withheld,
                meets_thresholds=result.meets_thresholds,
                requested=figures.requested(figures.lines(app)),
                fits=fit,
                remaining=figures.figures(left, figures.priority(app)),
            )
        )
    return RankingOut(
        call_id=UUID(call_id),
        programme=programme,
        currency=figures.currency,
        items=items,
        available=figures.figures(figures.available),
        rounding=ROUNDING,
    )


@dataclass(frozen=True)
class SessionPlan:
    programme: str
    revisions: dict[str, int]
    asked: dict[str, ApplicationContent]
    granted: dict[str, ApplicationContent]
    """Per approval: the content as submitted and as granted (`grants.py`)."""
    aid: AidChecks


def _check_decision(app: Application, d: SessionDecisionIn, call_id: str, result: Consolidated | None) -> None:
    if app.call_id != call_id:
        raise InvalidApplication(
            f"{app.reference} is an application to another call",
            errors=[FieldError(field="decisions", message=f"{d.application_id}: not of call {call_id}")],
        )
    next_status(app.status, ACTIONS.get(d.decision, Action.REJECT), app.kind)
    if d.decision == "rejected" or app.status != Status.ELIGIBLE:
        return
    if result is None:
        raise AssessmentIncomplete(f"the assessment of {app.reference} is not complete", application_id=app.id)
    if not result.meets_thresholds:
        raise BelowThreshold(f"{app.reference}: {result.explanation()}", application_id=app.id)


async def prepare_session(
    db: Database,
    up: Upstreams,
    body: SessionRequest,
    *,
    idempotency: tuple[str, str | None],
    now: dt.datetime,
    timezone: ZoneInfo,
    accept_language: str | None = None,
) -> SessionPlan | None:
    """Check every decision, the financing of each reduced grant, that the approvals, in order, fit the
    money left and that they break no State-aid ceiling at `now` (`state_aid/at_decision.py`), before any
    lock."""
    scope, key = idempotency
    call_id = str(body.call_id)
    ids = [str(d.application_id) for d in body.decisions]
    async with db.sessionmaker() as session:
        if key is not None and await repo.idempotency_key_used(session, scope, key):
            return None
        apps = {a.id: a for a in await repo.get_many(session, ids)}
        rows = await repo.assessments(session, ids)
        missing = [i for i in ids if i not in apps]
        if missing:
            raise ApplicationNotFound(f"no application {missing[0]}")
        programme = apps[ids[0]].programme
        owing = await repo.owing_commitment(session, programme)
    for d in body.decisions:
        app = apps[str(d.application_id)]
        _check_decision(app, d, call_id, consolidated(app, rows[app.id]))
    chosen = [(apps[str(d.application_id)], d.granted) for d in body.decisions if d.decision.startswith("approved")]
    approved = [app for app, _ in chosen]
    asked, granted = await grants.prepare_approvals(db, up, chosen, accept_language=accept_language, timezone=timezone)
    figures = await read_figures(up, programme, approved, owing, now=now)
    left = dict(figures.available)
    short = []
    for app in approved:
        if fits(figures, left, app, granted[app.id]):
            take(figures, left, app, granted[app.id])
        else:
            short.append(_shortfall(figures, left, app, granted[app.id]))
    if short:
        raise DoesNotFit(
            "the money left does not cover these approvals (taken in the order given); nothing was recorded: "
            + "; ".join(short),
            applications=short,
        )
    approving = [Approving(app=app, content=granted[app.id]) for app in approved]
    aid = await check_at_decision(db, up, approving, now=now, timezone=timezone, accept_language=accept_language)
    return SessionPlan(
        programme=programme, revisions={i: apps[i].revision for i in ids}, asked=asked, granted=granted, aid=aid
    )


def _shortfall(
    figures: Figures, left: dict[tuple[str, str], Decimal], app: Application, content: ApplicationContent
) -> str:
    priority = figures.priority(app)
    lines = [
        f"{fund} asks {decimal_str(amount)} {figures.currency}, "
        f"{decimal_str(left.get((fund, priority), Decimal(0)))} available"
        for fund, amount in sorted(needs(figures, app, content).items())
    ]
    return f"{app.reference} (priority {priority}): {', '.join(lines)}"


async def record_session(
    session: AsyncSession,
    principal: Principal,
    body: SessionRequest,
    plan: SessionPlan | None,
    *,
    now: dt.datetime,
    wake: Wake,
) -> SessionOut:
    """Record the session in one transaction: every move, every commitment owed, the minutes reference."""
    plan = planned(plan)
    apps = {a.id: a for a in await repo.get_many(session, list(plan.revisions), for_update=True)}
    if any(apps[i].revision != r for i, r in plan.revisions.items()):
        raise ConcurrentChange("an application of the session changed while it was being recorded; retry")
    await refuse_if_conflicted(session, principal.sub, list(apps.values()))
    await take_turns(session, plan.aid)
    row = CommitteeSession(
        id=str(uuid.uuid4()),
        programme=plan.programme,
        call_id=str(body.call_id),
        minutes_reference=body.minutes_reference,
        held_on=body.held_on,
        recorded_by=principal.sub,
        recorded_at=now,
    )
    repo.add_row(session, row)
    await session.flush()
    for position, d in enumerate(body.decisions):
        app = apps[str(d.application_id)]
        action = ACTIONS.get(d.decision, Action.REJECT)
        role = require_rights(principal, app, action)
        reason = f"committee session {body.held_on} ({body.minutes_reference}): {d.decision}"
        reason += f"; {d.reason.strip()}" if d.reason and d.reason.strip() else ""
        await transition(
            session, app, action, actor=principal.sub, role=role, at=now, reason=reason, version=app.version
        )
        if action is Action.APPROVE:
            await owe_commitment(session, app, at=now, wake=wake, content=plan.granted[app.id])
            grants.record(
                session,
                app,
                asked=plan.asked[app.id],
                granted=plan.granted[app.id],
                state_aid=plan.aid.reports.get(app.id),
                session_id=row.id,
                at=now,
            )
            for number, text in enumerate(d.conditions, start=1):
                repo.add_row(
                    session,
                    Condition(
                        application_id=app.id, approval=app.approvals, number=number, text=text, session_id=row.id
                    ),
                )
        elif action is Action.RESERVE:
            app.reserve_rank = d.reserve_rank
        else:
            app.decided_at = now
        repo.add_row(
            session,
            CommitteeDecision(
                session_id=row.id,
                application_id=app.id,
                position=position,
                decision=d.decision,
                reserve_rank=d.reserve_rank,
                reason=d.reason,
            ),
        )
    await session.flush()
    return await session_out(session, row)


async def session_out(session: AsyncSession, row: CommitteeSession) -> SessionOut:
    decisions = await repo.committee_decisions(session, row.id)
    apps = {a.id: a for a in await repo.get_many(session, [d.application_id for d in decisions])}
    abstained = await abstentions(session, list(apps))
    out = []
    for d in decisions:
        conditions = await repo.conditions(session, d.application_id, session_id=row.id)
        out.append(
            SessionDecisionOut(
                application_id=UUID(d.application_id),
                reference=apps[d.application_id].reference,
                decision=d.decision,
                reserve_rank=d.reserve_rank,
                reason=d.reason,
                conditions=[c.text for c in conditions],
                abstentions=abstained.get(d.application_id, []),
            )
        )
    return SessionOut(
        id=UUID(row.id),
        call_id=UUID(row.call_id),
        programme=row.programme,
        minutes_reference=row.minutes_reference,
        held_on=row.held_on,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        decisions=out,
    )


async def read_session(session: AsyncSession, session_id: str) -> SessionOut:
    row = await repo.get_committee_session(session, session_id)
    if row is None:
        raise CommitteeSessionNotFound(f"no committee session {session_id}")
    return await session_out(session, row)


async def reserve_list(db: Database, up: Upstreams, call_id: str, *, now: dt.datetime) -> ReserveOut:
    """The call's reserve list by rank, and the first project whose money is there now, proposed."""
    programme = await _programme_of(up, call_id)
    async with db.sessionmaker() as session:
        apps = await repo.in_call(session, call_id, Status.RESERVE)
        owing = await repo.owing_commitment(session, programme)
    figures = await read_figures(up, programme, apps, owing, now=now)
    items, proposal = [], None
    for app in apps:
        fit = fits(figures, figures.available, app)
        proposed = fit and proposal is None
        proposal = UUID(app.id) if proposed else proposal
        items.append(
            ReserveItem(
                reserve_rank=app.reserve_rank,
                application_id=UUID(app.id),
                reference=app.reference,
                acronym=app.acronym,
                priority=figures.priority(app),
                requested=figures.requested(figures.lines(app)),
                fits=fit,
                proposed=proposed,
            )
        )
    return ReserveOut(
        call_id=UUID(call_id), proposal=proposal, items=items, available=figures.figures(figures.available)
    )


def condition_out(c: Condition) -> ConditionOut:
    return ConditionOut(
        number=c.number,
        text=c.text,
        approval=c.approval,
        session_id=UUID(c.session_id) if c.session_id else None,
        fulfilled_at=c.fulfilled_at,
        fulfilled_by=c.fulfilled_by,
        note=c.note,
    )


async def conditions(session: AsyncSession, principal: Principal, application_id: str) -> list[ConditionOut]:
    """The conditions of every approval of the application (the current one last)."""
    app = await load_visible(session, principal, application_id)
    return [condition_out(c) for c in await repo.conditions(session, app.id)]


async def fulfil(
    session: AsyncSession, principal: Principal, application_id: str, number: int, note: str | None, *, now: dt.datetime
) -> ConditionOut:
    """An officer marks a condition of the application's current approval fulfilled (once)."""
    app = await load_visible(session, principal, application_id, for_update=True)
    require_rights(principal, app, Action.APPROVE)
    found = [c for c in await repo.conditions(session, app.id, approval=app.approvals) if c.number == number]
    if app.status != Status.APPROVED or not found:
        raise ConditionNotFound(f"the current approval of {app.reference or app.id} has no condition {number}")
    condition = found[0]
    if condition.fulfilled_at is None:
        condition.fulfilled_at, condition.fulfilled_by, condition.note = now, principal.sub, note
        await session.flush()
    return condition_out(condition)
