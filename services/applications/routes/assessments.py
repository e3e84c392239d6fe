"""Tag `assessments`: assessors assigned to an eligible application, their declarations of interests and
their scores against the programme's published criteria, and the consolidated result."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.applications.assessment import assessors
from services.applications.routes.dependencies import ApplicationId, Db, Up, key_scope
from services.applications.schemas.assessment import AssessmentOut, AssignRequest, DeclarationRequest, ScoresRequest
from shared.app import DbSession
from shared.auth import CurrentPrincipal, Staff
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.problems import problem_responses

TAG = {
    "name": "assessments",
    "description": "Assessors, declarations of interests, scores per criterion and the consolidated score",
}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
MOVE = problem_responses(401, 403, 404, 409, 422)


@router.post(
    "/applications/{application_id}/assessors",
    response_model=AssessmentOut,
    responses={**MOVE, **problem_responses(503)},
)
async def assign_assessors(
    db: Db,
    up: Up,
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: AssignRequest,
    now: Now,
) -> JSONResponse:
    """An officer assigns assessors (officers, by token subject) to an `eligible` full application; those
    already assigned stay. At the first assignment the criteria set of the call (else the programme's
    first set) is read from the catalogue and kept with the application, so every assessor scores the same
    criteria. 409 when the application is not `eligible` (or is a concept note); 409
    `no-assessment-criteria` when the catalogue publishes none."""
    plan = await assessors.prepare_assignment(db, up, principal, str(application_id), idempotency=key_scope(idempotent))
    return await idempotent(work=lambda: assessors.assign(session, principal, plan, body, now=now))


@router.post("/applications/{application_id}/assessments/declaration", response_model=AssessmentOut, responses=MOVE)
async def declare_interests(
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: DeclarationRequest,
    now: Now,
) -> JSONResponse:
    """The assessor (the caller, assigned to the application) declares, once and before scoring, whether
    they have a conflict of interest with its partner organisations, naming them if so (each must be a
    partner's organisation number: 422 otherwise). With a conflict they may not assess it. 403
    `not-assessor` for an officer not assigned; 409 when already declared."""
    return await idempotent(work=lambda: assessors.declare(session, principal, str(application_id), body, now=now))


@router.post("/applications/{application_id}/assessments/scores", response_model=AssessmentOut, responses=MOVE)
async def submit_scores(
    session: DbSession,
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    application_id: ApplicationId,
    body: ScoresRequest,
    now: Now,
) -> JSONResponse:
    """The assessor submits a score (whole points on the set's scale) and a justification for every
    criterion; final once submitted (409 after). 403 `declaration-required` before the declaration of
    interests, 403 `conflict-of-interest` for an assessor who declared a conflict with a partner, 403
    `not-assessor` for an officer not assigned; 422 naming a missing, repeated, unknown or out-of-scale
    score. The answer shows the others' scores too, now that the caller's are in."""
    return await idempotent(work=lambda: assessors.score(session, principal, str(application_id), body, now=now))


@router.get(
    "/applications/{application_id}/assessments",
    response_model=AssessmentOut,
    responses=problem_responses(401, 403, 404),
)
async def get_application_assessment(
    session: DbSession, principal: Staff, application_id: ApplicationId
) -> AssessmentOut:
    """The assessment (officers, admins): the criteria, each assessor's declaration and scores, and the
    consolidated score once complete, computed exactly and explained per criterion (mean of the assessors,
    × weight, against the minimum; the weighted total against its minimum). An assessor who has not
    submitted their own scores sees nobody's (`scores_hidden`)."""
    return await assessors.read(session, principal, str(application_id))
