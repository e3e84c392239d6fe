"""Two-step calls: a concept note first (step 1), then the full application of an invited one (step 2).

The smallest design that does it, with the catalogue's calls and the eligibility service's per-call rule
sets as they are:
- Step 1 is a call of its own with `concept_note: true`. An application submitted to it is a concept
  note (`kind`, decided by the call at submission): the same body, whose budget and financing may stay
  empty or indicative. Its own rules are the eligibility rule set stored for that call (a set with the
  call's `call_id` overrides the programme's), so no rule needs to know about steps.
- An officer `invite`s an eligible concept note (or rejects it). A concept note is never approved,
  assessed or returned (`workflow.KIND_ONLY`).
- Step 2 is a call naming the first in `concept_note_call_id`. Its full applications are created from an
  invited concept note (`POST /v1/applications/{id}/full-application`: the note's content in the step-2
  call, linked to the note, one per note) and submitted in the step-2 call's window; a full application
  without an invited concept note of the step-1 call, by the same applicant, is refused (409).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import ApplicationNotFound, ConceptNoteRequired, InvalidApplication
from services.applications.intake import drafts
from services.applications.models import Application
from services.applications.outbound.upstreams import Upstreams
from services.applications.schemas.applications import ApplicationOut, FullApplicationRequest
from services.applications.workflow.access import owns
from services.applications.workflow.moves import KeyScope, planned, snapshot
from services.applications.workflow.transitions import Status
from shared.auth import Principal
from shared.db import Database
from shared.problems import FieldError, Forbidden
from shared.schemas.applications import ApplicationContent
from shared.schemas.catalogue import Call


def _invited(note: Application | None, app_owner: Application, step_one: str) -> bool:
    return (
        note is not None
        and note.kind == "concept-note"
        and note.status == Status.INVITED
        and note.call_id == step_one
        and (note.owner_sub == app_owner.owner_sub or bool(note.owner_org and note.owner_org == app_owner.owner_org))
    )


async def kind_at_submission(db: Database, app: Application, call: Call) -> str:
    """The kind the call makes of the application (`concept-note` for step 1, else `full`), refusing a full
    application to a step-2 call without an invited concept note of its step 1."""
    if call.concept_note or call.concept_note_call_id is None:
        if app.concept_note_id is not None:
            raise InvalidApplication(
                f"the call {call.number} is not step 2 of a two-step call: it takes no concept note's full application",
                errors=[FieldError(field="call_id", message="not a step-2 call")],
            )
        return "concept-note" if call.concept_note else "full"
    note = None
    if app.concept_note_id is not None:
        async with db.sessionmaker() as session:
            note = await repo.get(session, app.concept_note_id)
    if not _invited(note, app, str(call.concept_note_call_id)):
        raise ConceptNoteRequired(
            f"the call {call.number} takes the full applications of concept notes invited in its first step "
            f"({call.concept_note_call_id}): create it from your invited concept note "
            "(POST /v1/applications/{id}/full-application)",
            concept_note_call_id=str(call.concept_note_call_id),
        )
    return "full"


@dataclass(frozen=True)
class FullApplicationPlan:
    concept_note_id: str
    content: dict[str, Any]


async def prepare_full_application(
    db: Database,
    up: Upstreams,
    principal: Principal,
    concept_note_id: str,
    body: FullApplicationRequest,
    *,
    idempotency: KeyScope,
) -> FullApplicationPlan | None:
    """The invited concept note's content in the step-2 call the catalogue names (read before any lock)."""
    note, replay = await snapshot(db, principal, concept_note_id, None, idempotency)
    if replay:
        return None
    if not owns(principal, note):
        raise Forbidden("only the applicant of the concept note may write its full application")
    if note.kind != "concept-note" or note.status != Status.INVITED:
        raise ConceptNoteRequired(
            f"{note.reference or note.id} is not an invited concept note (it is a {note.kind} that is {note.status})"
        )
    call = await up.catalogue.call(body.call_id)
    if call is None or call.concept_note_call_id is None or str(call.concept_note_call_id) != note.call_id:
        raise InvalidApplication(
            f"the call {body.call_id} is not the step 2 of the concept note's call {note.call_id}",
            errors=[FieldError(field="call_id", message="not the step-2 call of the concept note's call")],
        )
    content = ApplicationContent.model_validate({**note.content, "call_id": str(body.call_id)})
    return FullApplicationPlan(concept_note_id=note.id, content=content.model_dump(mode="json"))


async def create_full_application(
    session: AsyncSession, principal: Principal, plan: FullApplicationPlan | None, *, now: dt.datetime
) -> ApplicationOut:
    """A draft full application linked to the invited concept note (one per note, withdrawn ones aside)."""
    plan = planned(plan)
    note = await repo.get(session, plan.concept_note_id, for_update=True)
    if note is None:
        raise ApplicationNotFound(f"no application {plan.concept_note_id}")
    taken = [a for a in await repo.following(session, note.id) if a.status != Status.WITHDRAWN]
    if taken:
        raise ConceptNoteRequired(
            f"the concept note {note.reference} already has its full application {taken[0].id}",
            application_id=taken[0].id,
        )
    content = ApplicationContent.model_validate(plan.content)
    return await drafts.create(session, principal, content, now=now, concept_note_id=note.id)
