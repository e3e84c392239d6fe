"""How stored rows are answered: an application with its workflow state, a history entry."""

from __future__ import annotations

from typing import Any

import orjson

from services.applications.models import Application, StatusChange
from services.applications.reads.listing import Listed
from services.applications.schemas.applications import ApplicationOut, HistoryEntry
from services.applications.workflow.access import allowed_for
from services.applications.workflow.transitions import Action, Status
from shared.auth import Principal
from shared.etags import etag_of


def application_etag(app: Application) -> str:
    """The application's strong ETag: its revision (every change of its body or status counts one) and
    the budget side of its decision (which the outbox settles without a revision of its own)."""
    return etag_of(app.revision, app.commitment_status)


def workflow_fields(
    app: Application | Listed, principal: Principal, allowed: list[Action] | None = None
) -> dict[str, Any]:
    """The workflow state an application carries besides its content (as JSON values: ids and datetimes
    as their Python objects, which both pydantic and orjson write in the same form), with the moves the
    caller may make next (`allowed_for`: the workflow's moves from the status that the caller's roles and
    ownership allow; never the service's own; `allowed`: those, already worked out by the caller)."""
    return {
        "id": app.id,
        "reference": app.reference,
        "status": app.status,
        "version": app.version,
        "owner": app.owner_sub,
        "organisation": app.owner_org,
        "commitment_id": app.commitment_id,
        "commitment_status": app.commitment_status,
        "allowed_actions": allowed_for(principal, app) if allowed is None else allowed,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
        "submitted_at": app.submitted_at,
        "decided_at": app.decided_at,
        "kind": "concept-note" if app.kind == "concept-note" else "full",
        "concept_note_id": app.concept_note_id,
        "return_deadline": app.return_deadline if app.status == Status.RETURNED else None,
        "reserve_rank": app.reserve_rank if app.status == Status.RESERVE else None,
    }


def application_out(app: Application, principal: Principal) -> ApplicationOut:
    """The body as last saved, its status, reference and the moves the caller may make next."""
    # One validation of the stored body with the workflow state (ApplicationOut is the content and more):
    # validating the content, dumping it and validating the dump again cost twice as much per row of a list.
    return ApplicationOut.model_validate({**app.content, **workflow_fields(app, principal)})


def application_json(
    app: Application | Listed, content: str, principal: Principal, allowed: list[Action] | None = None
) -> bytes:
    """The same application as `application_out` gives, written straight from the stored body's text: the
    body was validated and stored in its wire form (`model_dump(mode="json")`) when it was saved, so a
    list serves it as it is (like a frozen version) instead of validating every row of every page again."""
    head = orjson.dumps(workflow_fields(app, principal, allowed), option=orjson.OPT_UTC_Z)
    body = content.strip().encode()
    if body == b"{}":
        return head
    return head[:-1] + b"," + body[1:]


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
