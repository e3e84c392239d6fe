"""Drafts: an applicant creates an application and replaces its body while it is a draft. Only the
structure is checked here (`content.validate_content`); the programme's rules are the eligibility
service's, reported at the pre-check and at submission."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import InvalidApplication
from services.applications.intake.content import countries_of, validate_content
from services.applications.models import Application, StatusChange
from services.applications.reads.views import application_etag, application_out
from services.applications.schemas.applications import ApplicationOut
from services.applications.workflow.access import load_visible, require_rights
from services.applications.workflow.transitions import Action, Status, next_status
from shared.auth import Principal
from shared.etags import require_match
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent


async def create(
    session: AsyncSession,
    principal: Principal,
    content: ApplicationContent,
    *,
    now: dt.datetime,
    concept_note_id: str | None = None,
) -> ApplicationOut:
    """A new draft owned by the caller (and their organisation), its creation the first history entry;
    `concept_note_id`: the invited concept note a full application follows (`steps.py`)."""
    validate_content(content)
    app = Application(
        id=str(uuid.uuid4()),
        owner_sub=principal.sub,
        owner_org=principal.organisation,
        programme=content.programme,
        call_id=str(content.call_id),
        specific_objective=content.specific_objective,
        project_type=content.project_type,
        acronym=content.acronym,
        countries=countries_of(content),
        content=content.model_dump(mode="json"),
        status=Status.DRAFT.value,
        reference=None,
        version=0,
        revision=1,
        commitment_id=None,
        created_at=now,
        updated_at=now,
        submitted_at=None,
        decided_at=None,
        kind="full",
        concept_note_id=concept_note_id,
        approvals=0,
    )
    repo.add(session, app)
    repo.add_history(
        session,
        StatusChange(
            application_id=app.id,
            from_status=None,
            to_status=Status.DRAFT.value,
            action=Action.CREATE.value,
            actor=principal.sub,
            role="applicant" if principal.has("applicant") else "admin",
            reason=f"the full application of concept note {concept_note_id}" if concept_note_id else None,
            version=None,
            at=now,
        ),
    )
    await session.flush()
    return application_out(app, principal)


async def update(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    content: ApplicationContent,
    *,
    now: dt.datetime,
    if_match: str | None,
) -> tuple[ApplicationOut, str]:
    """Replace the body of a draft, or of an application returned for completion (the workflow's `update`:
    anything else is 409), made on its current state (`If-Match`: 428 without, 412 when stale); once
    submitted, an application keeps its programme and call. The answer and its new ETag."""
    app = await load_visible(session, principal, application_id, for_update=True)
    require_rights(principal, app, Action.UPDATE)
    require_match(if_match, application_etag(app))
    next_status(app.status, Action.UPDATE, app.kind)
    validate_content(content)
    if app.reference is not None and (content.programme, str(content.call_id)) != (app.programme, app.call_id):
        raise InvalidApplication(
            "a submitted application stays in its call: the completion keeps programme and call_id",
            errors=[FieldError(field="call_id", message=f"must stay {app.call_id}")],
        )
    app.programme, app.call_id = content.programme, str(content.call_id)
    app.specific_objective, app.project_type = content.specific_objective, content.project_type
    app.acronym, app.countries = content.acronym, countries_of(content)
    app.content = content.model_dump(mode="json")
    app.revision += 1
    app.updated_at = now
    await session.flush()
    return application_out(app, principal), application_etag(app)
