"""Who may see and do what with an application: its owner (or the owner's organisation) and staff see
it; the workflow table's `WHO` says whether the applicant, an officer, an assessor (an officer) or only an
admin performs a move; admins may do what applicants and officers do. Anyone else gets a 404 that never tells whether the application exists."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import ApplicationNotFound
from services.applications.models import Application
from services.applications.reads.listing import Listed
from services.applications.workflow.transitions import WHO, Action, Actor, Status, allowed_actions
from shared.auth import Principal
from shared.problems import Forbidden


def owns(principal: Principal, app: Application | Listed) -> bool:
    if app.owner_sub == principal.sub:
        return True
    return bool(principal.organisation and app.owner_org and principal.organisation == app.owner_org)


def can_see(principal: Principal, app: Application) -> bool:
    return principal.is_staff or owns(principal, app)


def role_for(principal: Principal, app: Application | Listed, action: Action) -> str | None:
    """The role in which the caller may perform `action` on an application they can see (the one rule of
    `WHO`: the endpoints' 403 and each caller's `allowed_actions` both read it), or None."""
    who: Actor = WHO[action]
    if who == "system":
        return None
    if who == "admin":
        return "admin" if principal.has("admin") else None
    if who == "assessor":  # an officer; that they are the application's assessor is `assessments.py`'s to check
        return "assessor" if principal.has("officer") else None
    if who == "officer":
        return "officer" if principal.has("officer") else "admin" if principal.has("admin") else None
    if owns(principal, app):
        return "applicant"
    return "admin" if principal.has("admin") else None


REFUSALS: dict[Actor, dict[str, str]] = {
    "admin": {
        "sv": "endast en administratör får {action} en ansökan",
        "nb": "bare en administrator får {action} en søknad",
        "en": "only an admin may {action} an application",
    },
    "assessor": {
        "sv": "endast en handläggare utsedd till bedömare får {action} en ansökan",
        "nb": "bare en saksbehandler oppnevnt som vurderer får {action} en søknad",
        "en": "only an officer assigned as assessor may {action} an application",
    },
    "officer": {
        "sv": "endast en handläggare får {action} en ansökan",
        "nb": "bare en saksbehandler får {action} en søknad",
        "en": "only an officer may {action} an application",
    },
    "applicant": {
        "sv": "endast den sökande som äger ansökan får {action} den",
        "nb": "bare søkeren som eier søknaden, får {action} den",
        "en": "only the applicant who owns the application may {action} it",
    },
    "system": {
        "sv": "tjänsten själv gör {action}, ingen användare",
        "nb": "tjenesten selv gjør {action}, ingen bruker",
        "en": "the service itself does {action}, never a user",
    },
}


def require_rights(principal: Principal, app: Application, action: Action) -> str:
    """403 unless the caller may perform `action` (on an application they can see); the role recorded."""
    role = role_for(principal, app, action)
    if role is None:
        texts = REFUSALS[WHO[action]]
        raise Forbidden({lang: text.format(action=action.value) for lang, text in texts.items()})
    return role


def allowed_for(principal: Principal, app: Application | Listed) -> list[Action]:
    """What the caller may do next: the moves the workflow allows from the status that `role_for` lets
    this caller make (what a frontend shows as buttons)."""
    return [a for a in allowed_actions(Status(app.status), app.kind) if role_for(principal, app, a) is not None]


async def load_visible(
    session: AsyncSession, principal: Principal, application_id: str, *, for_update: bool = False
) -> Application:
    """The application if the caller may see it; 404 otherwise (never telling whether it exists)."""
    app = await repo.get(session, application_id, for_update=for_update)
    if app is None or not can_see(principal, app):
        raise ApplicationNotFound(
            {
                "sv": f"ingen ansökan {application_id}",
                "nb": f"ingen søknad {application_id}",
                "en": f"no application {application_id}",
            }
        )
    return app
