"""Who may see and do what with an application: its owner (or the owner's organisation) and staff see
it; the workflow table's `WHO` says whether the applicant, an officer, an assessor (an officer) or only an
admin performs a move; admins may do what applicants and officers do. Anyone else gets a 404 that never tells whether the application exists."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import ApplicationNotFound
from services.applications.models import Application
from services.applications.workflow.transitions import WHO, Action, Actor
from shared.auth import Principal
from shared.problems import Forbidden


def owns(principal: Principal, app: Application) -> bool:
    if app.owner_sub == principal.sub:
        return True
    return bool(principal.organisation and app.owner_org and principal.organisation == app.owner_org)


def can_see(principal: Principal, app: Application) -> bool:
    return principal.is_staff or owns(principal, app)


def require_rights(principal: Principal, app: Application, action: Action) -> str:
    """403 unless the caller may perform `action` (on an application they can see); the role recorded."""
    who: Actor = WHO[action]
    if who == "admin":
        if principal.has("admin"):
            return "admin"
        raise Forbidden(f"only an admin may {action.value} an application")
    if who == "assessor":  # an officer; that they are the application's assessor is `assessments.py`'s to check
        if principal.has("officer"):
            return "assessor"
        raise Forbidden(f"only an officer assigned as assessor may {action.value} an application")
    if who == "officer":
        if principal.has("officer"):
            return "officer"
        if principal.has("admin"):
            return "admin"
        raise Forbidden(f"only an officer may {action.value} an application")
    if owns(principal, app):
        return "applicant"
    if principal.has("admin"):
        return "admin"
    raise Forbidden(f"only the applicant who owns the application may {action.value} it")


async def load_visible(
    session: AsyncSession, principal: Principal, application_id: str, *, for_update: bool = False
) -> Application:
    """The application if the caller may see it; 404 otherwise (never telling whether it exists)."""
    app = await repo.get(session, application_id, for_update=for_update)
    if app is None or not can_see(principal, app):
        raise ApplicationNotFound(f"no application {application_id}")
    return app
