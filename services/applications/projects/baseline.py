"""A project as the other project modules read it: the approved application, its contract row, the
baseline version's content, its two sides, who may see and do what, and the history entry of a move.

**Sides and owners.** Interreg Sverige–Norge has two project owners: the partners of the baseline with role
`lead`, one Swedish (the ERDF side) and one Norwegian (the NO-STATE side). Every partner belongs to the side
of its country. An applicant acts for a side when its token's `org` is the organisation number of that
side's lead partner; the application's creator (`owner_sub`) acts for the side of the lead whose
organisation number is the creator's `org`, else for the side of the first lead listed (the applicant
who wrote the application is that owner's person).

**Who sees what.** Staff (officers, admins) and finance see every project; an owner its project; a
controller the projects with a partner assigned to it, and of those only the partner reports of its
partners (any other is a 404). Personal data (the owners' contacts and bank accounts) go only to the
project read by itself, for these callers, never to lists, CSV, events or history texts.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as app_repo
from services.applications.models import Application
from services.applications.projects import repository as repo
from services.applications.projects.errors import NotOwner, ProjectNotFound
from services.applications.projects.models import ProjectContract, ProjectEvent
from services.applications.projects.states import ProjectStatus
from services.applications.workflow.access import owns
from services.applications.workflow.transitions import Status
from shared.auth import Principal
from shared.schemas.applications import ApplicationContent, Partner

SIDES = ("SE", "NO")
FUND_OF_SIDE = {"SE": "ERDF", "NO": "NO-STATE"}
CLAIM_CURRENCY = {"ERDF": "EUR", "NO-STATE": "NOK"}
"""ERDF is claimed in EUR (Regulation (EU) 2021/1059 Art. 39), the Norwegian state funds in NOK."""
PROJECT_STATUSES = (Status.APPROVED.value, Status.CLOSED.value, Status.TERMINATED.value)


@dataclass
class Project:
    app: Application
    contract: ProjectContract
    content: ApplicationContent

    @property
    def id(self) -> str:
        return self.app.id

    def partner(self, number: int) -> Partner | None:
        return self.content.partners[number - 1] if 1 <= number <= len(self.content.partners) else None

    def side_of(self, number: int) -> str | None:
        partner = self.partner(number)
        return partner.country if partner is not None and partner.country in SIDES else None

    def leads(self) -> dict[str, int]:
        """Side → the number of its lead partner (the first lead of that country)."""
        out: dict[str, int] = {}
        for i, p in enumerate(self.content.partners, start=1):
            if p.role == "lead" and p.country in SIDES:
                out.setdefault(p.country, i)
        return out

    def owner_sides(self, principal: Principal) -> set[str]:
        """The sides the caller acts for as a project owner."""
        sides: set[str] = set()
        if not principal.has("applicant"):
            return sides
        leads = self.leads()
        for side, number in leads.items():
            if (
                principal.organisation
                and self.content.partners[number - 1].organisation_number == principal.organisation
            ):
                sides.add(side)
        if self.app.owner_sub == principal.sub or owns(principal, self.app):
            own = [
                s for s, n in leads.items() if self.content.partners[n - 1].organisation_number == self.app.owner_org
            ]
            first = next(iter(sorted(leads.items(), key=lambda kv: kv[1])), None)
            if own:
                sides.add(own[0])
            elif first is not None:
                sides.add(first[0])
        return sides

    def co_financing(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Per fund: (its financing, its side's eligible costs) in the baseline, the side's currency the
        partners budget in (a ratio, so the currency cancels out)."""
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for side, fund in FUND_OF_SIDE.items():
            partners = [p for p in self.content.partners if p.country == side]
            costs = sum((line.amount.amount for p in partners for line in p.budget if line.amount), Decimal(0))
            money = sum((f.amount.amount for p in partners for f in p.financing if f.source == fund), Decimal(0))
            if costs > 0 and money > 0:
                out[fund] = (money, costs)
        return out


async def baseline_content(session: AsyncSession, app: Application, version: int) -> ApplicationContent:
    stored = await app_repo.get_version(session, app.id, version)
    if stored is None:
        raise ProjectNotFound(f"the project {app.id} has no version {version}")
    return ApplicationContent.model_validate(json.loads(stored.document)["content"])


async def load(
    session: AsyncSession, application_id: str, *, now: dt.datetime, for_update: bool = False, create: bool = False
) -> Project:
    """The project (404 unless the application is approved or was a project); its contract row is
    created at the first contract data (`create`), baseline = the approved version."""
    app = await app_repo.get(session, application_id, for_update=for_update)
    if app is None:
        raise ProjectNotFound(
            {
                "sv": f"inget projekt {application_id}",
                "nb": f"ikke noe prosjekt {application_id}",
                "en": f"no project {application_id}",
            }
        )
    contract = await repo.contract(session, application_id, for_update=for_update)
    if contract is None:
        if app.status != Status.APPROVED or app.approvals < 1:
            raise ProjectNotFound(f"no project {application_id}: only an approved application is a project")
        contract = ProjectContract(
            application_id=app.id,
            status=ProjectStatus.CONTRACTING.value,
            baseline_version=app.version,
            owners={},
            updated_at=now,
            revision=1,
        )
        if create:
            repo.add(session, contract)
            await session.flush()
    return Project(app=app, contract=contract, content=await baseline_content(session, app, contract.baseline_version))


async def controls(session: AsyncSession, project: Project, principal: Principal) -> set[int]:
    """The partners of the project assigned to the caller as controller."""
    if not principal.has("controller"):
        return set()
    return {p for p, sub in (await repo.assignments(session, project.id)).items() if sub == principal.sub}


async def visible(
    session: AsyncSession, principal: Principal, application_id: str, *, now: dt.datetime, for_update: bool = False
) -> Project:
    """The project if the caller may see it (404 otherwise)."""
    project = await load(session, application_id, now=now, for_update=for_update)
    if principal.is_staff or principal.has("finance") or project.owner_sides(principal):
        return project
    if await controls(session, project, principal):
        return project
    raise ProjectNotFound(
        {
            "sv": f"inget projekt {application_id}",
            "nb": f"ikke noe prosjekt {application_id}",
            "en": f"no project {application_id}",
        }
    )


def require_owner(project: Project, principal: Principal, side: str | None) -> str:
    """403 unless the caller is the owner of `side` (admins act for any side); the role recorded."""
    if side is not None and side in project.owner_sides(principal):
        return "owner"
    if principal.has("admin"):
        return "admin"
    raise NotOwner(f"only the project owner of the {side or 'partner'}'s side may do this")


def record(
    session: AsyncSession,
    project_id: str,
    subject: str,
    action: str,
    *,
    actor: str,
    role: str,
    at: dt.datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
) -> None:
    """One history entry (never personal data in `reason`)."""
    repo.add(
        session,
        ProjectEvent(
            application_id=project_id,
            subject=subject,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            role=role,
            reason=reason,
            at=at,
        ),
    )
