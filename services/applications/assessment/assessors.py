"""The assessment of an eligible application by the secretariat's assessors.

- **assign** (officer; prepare → apply): the catalogue's criteria set for the call (the call's own, else
  the programme's first) is read before any lock and copied to the application with its first assessors,
  so every assessor scores the same criteria whatever the catalogue says later.
- **declare** (the assessor): before anything else, the assessor declares whether they have a conflict of
  interest with the application's partner organisations (naming them). With a conflict they may not score
  (403 `conflict-of-interest`) and do not count towards completion.
- **score** (the assessor, after declaring no conflict): every criterion, a whole score on the set's scale
  and a justification; submitting is final and records the version scored.
- **read**: an assessor who has not submitted sees who assesses and when, never the others' scores (nor the
  consolidation); once they have submitted, or for staff not assessing it, everything is shown. The
  consolidation (`scoring.py`) is given once the assessment is complete: every assessor without a
  conflict has submitted, and at least one has.

Each change bumps the application's revision, so a committee session prepared on other scores is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.assessment.scoring import ROUNDING, Consolidated, consolidate, exact, shown
from services.applications.errors import (
    AssessmentSubmitted,
    ConflictOfInterest,
    DeclarationRequired,
    InvalidApplication,
    NoCriteria,
    NotAssessor,
)
from services.applications.models import Application, Assessment
from services.applications.outbound.upstreams import Upstreams
from services.applications.schemas.assessment import (
    AssessmentOut,
    AssessorOut,
    AssignRequest,
    ConsolidatedOut,
    CriterionResultOut,
    DeclarationRequest,
    ScoreIn,
    ScoresRequest,
)
from services.applications.workflow.access import load_visible, require_rights
from services.applications.workflow.moves import KeyScope, locked, planned, snapshot
from services.applications.workflow.transitions import Action, next_status
from shared.auth import Principal
from shared.db import Database
from shared.problems import FieldError, UpstreamError
from shared.schemas.assessment import CriteriaSet


@dataclass(frozen=True)
class AssignmentPlan:
    application_id: str
    revision: int
    criteria: dict[str, Any] | None
    """The set to copy (None: the application holds its set already)."""


async def prepare_assignment(
    db: Database, up: Upstreams, principal: Principal, application_id: str, *, idempotency: KeyScope
) -> AssignmentPlan | None:
    """The criteria set the application will be scored against, read from the catalogue before any lock."""
    app, replay = await snapshot(db, principal, application_id, Action.ASSIGN, idempotency)
    if replay:
        return None
    if app.criteria is not None:
        return AssignmentPlan(app.id, app.revision, None)
    programme = await up.catalogue.require_programme(app.programme)
    call = await up.catalogue.call(app.call_id)
    wanted = call.assessment_criteria if call is not None else None
    chosen = next((s for s in programme.assessment_criteria if wanted in (None, s.code)), None)
    if chosen is None and wanted is not None:
        raise UpstreamError(f"the catalogue's call names criteria '{wanted}' it does not serve", service="catalogue")
    if chosen is None:
        raise NoCriteria(f"the catalogue publishes no assessment criteria for {app.programme}")
    return AssignmentPlan(app.id, app.revision, chosen.model_dump(mode="json"))


async def assign(
    session: AsyncSession, principal: Principal, plan: AssignmentPlan | None, body: AssignRequest, *, now: dt.datetime
) -> AssessmentOut:
    """Assign assessors (officers; one already assigned is kept as is)."""
    plan = planned(plan)
    app = await locked(session, plan.application_id, plan.revision, Action.ASSIGN)
    require_rights(principal, app, Action.ASSIGN)
    if app.criteria is None:
        app.criteria = plan.criteria
    assigned = {row.assessor for row in (await repo.assessments(session, [app.id]))[app.id]}
    for sub in dict.fromkeys(body.assessors):
        if sub not in assigned:
            repo.add_row(
                session, Assessment(application_id=app.id, assessor=sub, assigned_by=principal.sub, assigned_at=now)
            )
    app.revision += 1
    await session.flush()
    return await overview(session, principal, app)


async def _mine(
    session: AsyncSession, principal: Principal, application_id: str, action: Action
) -> tuple[Application, Assessment]:
    """The locked application and the caller's assessment of it: 403 unless they are its assessor."""
    app = await load_visible(session, principal, application_id, for_update=True)
    require_rights(principal, app, action)
    next_status(app.status, action, app.kind)
    row = next((r for r in (await repo.assessments(session, [app.id]))[app.id] if r.assessor == principal.sub), None)
    if row is None:
        raise NotAssessor(f"{principal.sub} is not assigned to assess application {app.reference or app.id}")
    return app, row


async def declare(
    session: AsyncSession, principal: Principal, application_id: str, body: DeclarationRequest, *, now: dt.datetime
) -> AssessmentOut:
    """The assessor's declaration of interests (once): no conflict, or a conflict with named partners."""
    app, row = await _mine(session, principal, application_id, Action.DECLARE)
    if row.declared_at is not None:
        raise AssessmentSubmitted("the declaration of interests was already made", declared_at=row.declared_at)
    partners = {p["organisation_number"] for p in app.content.get("partners", [])}
    unknown = [i for i, org in enumerate(body.organisations) if org not in partners]
    if unknown:
        raise InvalidApplication(
            "a conflict names partner organisations of the application",
            errors=[
                FieldError(field=f"organisations.{i}", message="not a partner's organisation number") for i in unknown
            ],
        )
    row.declared_at, row.conflict = now, body.conflict_of_interest
    row.conflict_organisations, row.declaration_note = list(body.organisations), body.note
    app.revision += 1
    await session.flush()
    return await overview(session, principal, app)


def _check_scores(criteria: CriteriaSet, body: ScoresRequest) -> None:
    codes = [c.code for c in criteria.criteria]
    errors = [
        FieldError(field=f"scores.{i}.criterion", message=f"not a criterion of the set ({', '.join(codes)})")
        for i, s in enumerate(body.scores)
        if s.criterion not in codes or [x.criterion for x in body.scores].count(s.criterion) > 1
    ]
    errors += [
        FieldError(field=f"scores.{i}.score", message=f"must be {criteria.scale_min}–{criteria.scale_max}")
        for i, s in enumerate(body.scores)
        if not criteria.scale_min <= s.score <= criteria.scale_max
    ]
    missing = [c for c in codes if c not in {s.criterion for s in body.scores}]
    errors += [FieldError(field="scores", message=f"no score for {c}") for c in missing]
    if errors:
        raise InvalidApplication("every criterion is scored once, on the scale, with a justification", errors=errors)


async def score(
    session: AsyncSession, principal: Principal, application_id: str, body: ScoresRequest, *, now: dt.datetime
) -> AssessmentOut:
    """Submit the assessor's scores (final): only after declaring no conflict of interest."""
    app, row = await _mine(session, principal, application_id, Action.SCORE)
    if row.conflict is None:
        raise DeclarationRequired("declare your interests with the application's partners first")
    if row.conflict:
        organisations = ", ".join(row.conflict_organisations or [])
        raise ConflictOfInterest(f"{principal.sub} declared a conflict of interest with {organisations}")
    if row.submitted_at is not None:
        raise AssessmentSubmitted("the assessment was already submitted", submitted_at=row.submitted_at)
    criteria = CriteriaSet.model_validate(app.criteria)
    _check_scores(criteria, body)
    row.scores = [s.model_dump(mode="json") for s in body.scores]
    row.version, row.submitted_at = app.version, now
    app.revision += 1
    await session.flush()
    return await overview(session, principal, app)


def complete(rows: list[Assessment]) -> bool:
    """Every assessor without a declared conflict has submitted, and at least one has."""
    counted = [r for r in rows if r.conflict is not True]
    return bool(counted) and all(r.submitted_at is not None for r in counted)


def consolidated(app: Application, rows: list[Assessment]) -> Consolidated | None:
    """The consolidation of a complete assessment (None before)."""
    if not complete(rows) or app.criteria is None:
        return None
    submitted = [r.scores or [] for r in rows if r.submitted_at is not None]
    return consolidate(CriteriaSet.model_validate(app.criteria), submitted)


def consolidated_out(result: Consolidated) -> ConsolidatedOut:
    return ConsolidatedOut(
        total=shown(result.total),
        total_exact=exact(result.total),
        minimum_total=result.minimum_total,
        meets_thresholds=result.meets_thresholds,
        assessments=result.assessments,
        criteria=[
            CriterionResultOut(
                criterion=c.criterion,
                weight=c.weight,
                scores=list(c.scores),
                mean=shown(c.mean),
                mean_exact=exact(c.mean),
                minimum=c.minimum,
                met=c.met,
                weighted=shown(c.weighted),
                explanation=c.explanation(),
            )
            for c in result.criteria
        ],
        explanation=result.explanation(),
        rounding=ROUNDING,
    )


async def overview(session: AsyncSession, principal: Principal, app: Application) -> AssessmentOut:
    """The assessment as the caller may see it (an assessor who has not submitted sees no scores)."""
    rows = (await repo.assessments(session, [app.id]))[app.id]
    mine = next((r for r in rows if r.assessor == principal.sub), None)
    hidden = mine is not None and mine.submitted_at is None
    result = consolidated(app, rows)
    return AssessmentOut(
        application_id=UUID(app.id),
        criteria=CriteriaSet.model_validate(app.criteria) if app.criteria is not None else None,
        assessors=[
            AssessorOut(
                assessor=r.assessor,
                assigned_by=r.assigned_by,
                assigned_at=r.assigned_at,
                declared_at=r.declared_at,
                conflict_of_interest=r.conflict,
                conflict_organisations=r.conflict_organisations or [],
                submitted_at=r.submitted_at,
                version=r.version,
                scores=None if (hidden and r is not mine) or r.scores is None else [ScoreIn(**s) for s in r.scores],
            )
            for r in rows
        ],
        complete=complete(rows),
        scores_hidden=hidden,
        consolidated=consolidated_out(result) if result is not None and not hidden else None,
    )


async def read(session: AsyncSession, principal: Principal, application_id: str) -> AssessmentOut:
    return await overview(session, principal, await load_visible(session, principal, application_id))
