"""The workflow applied to a stored application: a move recorded in the history, and the two reads of
a move that calls other services (prepare → apply).

`snapshot` is the prepare step's read, in a short session of its own so that no lock is held during
remote calls; `locked` is the apply step's read, in the request's transaction, refusing with 409 when
the application changed in between (its `revision`).
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import ApplicationNotFound, ConcurrentChange
from services.applications.models import Application, StatusChange
from services.applications.outbound import events
from services.applications.workflow.access import load_visible, require_rights
from services.applications.workflow.transitions import Action, next_status
from shared.auth import Principal
from shared.db import Database
from shared.problems import ProblemError

P = TypeVar("P")

KeyScope = tuple[str, str | None]
"""(scope, Idempotency-Key) under which `shared.idempotency` records the request's key."""


async def transition(
    session: AsyncSession,
    app: Application,
    action: Action,
    *,
    actor: str,
    role: str,
    at: dt.datetime,
    reason: str | None = None,
    version: int | None = None,
) -> None:
    """Move `app` by `action` (the table decides, 409 otherwise), record who, when and why, and emit the
    move's event (`outbound/events.py`) in the same transaction."""
    target = next_status(app.status, action, app.kind)
    repo.add_history(
        session,
        StatusChange(
            application_id=app.id,
            from_status=app.status,
            to_status=target.value,
            action=action.value,
            actor=actor,
            role=role,
            reason=reason,
            version=version,
            at=at,
        ),
    )
    app.status = target.value
    app.revision += 1
    app.updated_at = at
    await events.moved(session, app, action, at=at)


async def move(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    action: Action,
    *,
    at: dt.datetime,
    reason: str | None = None,
) -> Application:
    """A move that calls no other service, in the request's transaction: the application locked (404 if
    the caller may not see it), the caller's rights (403) and the workflow (409) checked, the move made
    and recorded in the history."""
    app = await load_visible(session, principal, application_id, for_update=True)
    role = require_rights(principal, app, action)
    await transition(
        session, app, action, actor=principal.sub, role=role, at=at, reason=reason, version=app.version or None
    )
    return app


async def snapshot(
    db: Database,
    principal: Principal,
    application_id: str,
    action: Action | None,
    idempotency: KeyScope | None = None,
) -> tuple[Application, bool]:
    """Read the application in a short session of its own (no lock kept during remote calls) and
    check visibility, rights and whether the workflow allows `action`. Returns (application,
    already_done) where already_done means the Idempotency-Key was used: the caller replays."""
    async with db.sessionmaker() as session:
        app = await load_visible(session, principal, application_id)
        if action is not None:
            require_rights(principal, app, action)
        if idempotency is not None and idempotency[1] is not None:
            if await repo.idempotency_key_used(session, idempotency[0], idempotency[1]):
                return app, True
        if action is not None:
            next_status(app.status, action, app.kind)
        return app, False


async def locked(session: AsyncSession, application_id: str, revision: int, action: Action) -> Application:
    """The application, locked, unchanged since it was read before the remote calls."""
    app = await repo.get(session, application_id, for_update=True)
    if app is None:
        raise ApplicationNotFound(f"no application {application_id}")
    if app.revision != revision:
        next_status(app.status, action, app.kind)  # it moved on: say so with the current status
        raise ConcurrentChange("the application was changed while this request was being processed; retry")
    return app


def planned(plan: P | None) -> P:
    """The plan of the apply step. None means the prepare step saw the Idempotency-Key used, yet the
    key's row was gone when the answer was to be replayed: the request must be made again."""
    if plan is None:
        raise ProblemError("retry the request", status=409, slug="retry")
    return plan
