"""How stored rows are answered: an application with its workflow state, a history entry."""

from __future__ import annotations

import uuid

from services.applications.models import Application, StatusChange
from services.applications.schemas.applications import ApplicationOut, HistoryEntry
from services.applications.workflow.access import allowed_for
from services.applications.workflow.transitions import Status
from shared.auth import Principal
from shared.etags import etag_of


def application_etag(app: Application) -> str:
    """The application's strong ETag: its revision (every change of its body or status counts one) and
    the budget side of its decision (which the outbox settles without a revision of its own)."""
    return etag_of(app.revision, app.commitment_status)


def application_out(app: Application, principal: Principal) -> ApplicationOut:
    """The body as last saved, its status, reference and the moves the caller may make next (the
    workflow's moves from the status that the caller's roles and ownership allow; never the service's own)."""
    # One validation of the stored body with the workflow state (ApplicationOut is the content and more):
    # validating the content, dumping it and validating the dump again cost twice as much per row of a list.
    return ApplicationOut.model_validate(
        {
            **app.content,
            "id": uuid.UUID(app.id),
            "reference": app.reference,
            "status": Status(app.status),
            "version": app.version,
            "owner": app.owner_sub,
            "organisation": app.owner_org,
            "commitment_id": uuid.UUID(app.commitment_id) if app.commitment_id else None,
            "commitment_status": app.commitment_status,
            "allowed_actions": allowed_for(principal, app),
            "created_at": app.created_at,
            "updated_at": app.updated_at,
            "submitted_at": app.submitted_at if app.submitted_at else None,
            "decided_at": app.decided_at if app.decided_at else None,
            "kind": "concept-note" if app.kind == "concept-note" else "full",
            "concept_note_id": uuid.UUID(app.concept_note_id) if app.concept_note_id else None,
            "return_deadline": app.return_deadline if app.status == Status.RETURNED else None,
            "reserve_rank": app.reserve_rank if app.status == Status.RESERVE else None,
        }
    )


def history_entry(entry: StatusChange) -> HistoryEntry:
    return HistoryEntry(
        id=entry.id,
        from_status=Status(entry.from_status) if entry.from_status else None,
        to_status=Status(entry.to_status),
        action=entry.action,
        actor=entry.actor,
        role=entry.role,
        reason=entry.reason,
        version=entry.version,
        at=entry.at,
    )
