"""An officer's decision on one application (`POST …/decision`), prepare → apply.

- **where the programme says**: the catalogue's programme setting `decisions` says whether approvals go
  only through a committee session (`committee-only`: Interreg Sverige–Norge, whose committee decides);
  then an approval of an eligible application here is refused (409 `committee-decides`, pointing to
  `POST /v1/committee/sessions` and the call's ranked list). A reserve project is approved here on every
  programme: the committee decided it onto its reserve list, and the reserve list proposes it when money
  frees up (after a revert, say).
- **the thresholds hold**: where direct decisions are allowed, an eligible application is approved only
  with a complete assessment that meets the quality thresholds (409 `assessment-incomplete`,
  `below-quality-threshold`), as a session would require.
- **State aid at the decision**: the State-aid rules run again for the decision's instant, under the
  undertakings' turns (`state_aid/at_decision.py`).

A rejection calls no other service and is applied at once (`decisions.decide`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.assessment.assessors import consolidated
from services.applications.committee import grants
from services.applications.committee.conflicts import refuse_if_conflicted
from services.applications.errors import AssessmentIncomplete, BelowThreshold, CommitteeDecides
from services.applications.models import Application
from services.applications.outbound.upstreams import Upstreams
from services.applications.reads.views import application_out
from services.applications.schemas.applications import ApplicationOut
from services.applications.state_aid.at_decision import AidChecks, Approving, check_at_decision, take_turns
from services.applications.workflow.access import require_rights
from services.applications.workflow.decisions import owe_commitment
from services.applications.workflow.moves import KeyScope, locked, planned, snapshot, transition
from services.applications.workflow.transitions import Action, Status
from shared.auth import Principal
from shared.db import Database
from shared.outbox_records import Wake
from shared.schemas.applications import ApplicationContent


@dataclass(frozen=True)
class ApprovalPlan:
    application_id: str
    revision: int
    content: ApplicationContent
    aid: AidChecks
    reason: str | None


async def _require_thresholds(db: Database, app: Application) -> None:
    async with db.sessionmaker() as session:
        rows = await repo.assessments(session, [app.id])
    result = consolidated(app, rows[app.id])
    if result is None:
        raise AssessmentIncomplete(f"the assessment of {app.reference} is not complete", application_id=app.id)
    if not result.meets_thresholds:
        raise BelowThreshold(f"{app.reference}: {result.explanation()}", application_id=app.id)


async def prepare_approval(
    db: Database,
    up: Upstreams,
    principal: Principal,
    application_id: str,
    reason: str | None,
    *,
    idempotency: KeyScope,
    timezone: ZoneInfo,
    accept_language: str | None,
    now: dt.datetime,
) -> ApprovalPlan | None:
    """Everything a direct approval needs before any lock: rights and workflow, the programme's setting,
    the thresholds, the State-aid rules at `now`. None: a replay."""
    app, replay = await snapshot(db, principal, application_id, Action.APPROVE, idempotency)
    if replay:
        return None
    if app.status != Status.RESERVE:
        programme = await up.catalogue.require_programme(app.programme)
        if programme.decisions == "committee-only":
            raise CommitteeDecides(
                f"{programme.code} approves applications only through its committee: record the approval of "
                f"{app.reference} in a committee session (POST /v1/committee/sessions, the call's ranked list at "
                f"GET /v1/committee/ranking?call_id={app.call_id}); this call rejects, or approves a reserve project",
                programme=programme.code,
                committee_sessions="/v1/committee/sessions",
                ranking=f"/v1/committee/ranking?call_id={app.call_id}",
            )
        await _require_thresholds(db, app)
    async with db.sessionmaker() as session:
        content = await grants.version_content(session, app)
    aid = await check_at_decision(
        db, up, [Approving(app=app, content=content)], now=now, timezone=timezone, accept_language=accept_language
    )
    reason = (reason or "").strip() or None
    return ApprovalPlan(application_id=app.id, revision=app.revision, content=content, aid=aid, reason=reason)


async def approve(
    session: AsyncSession, principal: Principal, plan: ApprovalPlan | None, *, now: dt.datetime, wake: Wake
) -> ApplicationOut:
    """The approval, on the locked application unchanged since the plan, in the undertakings' turns: the
    move, the commitment it owes and what it granted."""
    plan = planned(plan)
    app = await locked(session, plan.application_id, plan.revision, Action.APPROVE)
    role = require_rights(principal, app, Action.APPROVE)
    await refuse_if_conflicted(session, principal.sub, [app])
    await take_turns(session, plan.aid)
    await transition(
        session, app, Action.APPROVE, actor=principal.sub, role=role, at=now, reason=plan.reason, version=app.version
    )
    await owe_commitment(session, app, at=now, wake=wake, content=plan.content)
    grants.record(
        session,
        app,
        asked=plan.content,
        granted=plan.content,
        state_aid=plan.aid.reports.get(app.id),
        session_id=None,
        at=now,
    )
    await session.flush()
    return application_out(app, principal)
