"""Reads of projects: the staff's list and its CSV (never personal data), one project (personal data for
those who may see it), its history, and its claims as the budget holds them (`GET /v1/claims?commitment_id=`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.config import Settings
from services.applications.outbound.upstreams import Upstreams, service_bearer
from services.applications.projects import repository as repo
from services.applications.projects.baseline import PROJECT_STATUSES, visible
from services.applications.projects.schemas import ProjectEventOut, ProjectOut, ProjectSummary
from services.applications.projects.views import project_etag, project_out, projects_csv, summary
from shared.auth import Principal
from shared.db import Database
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.schemas.budget import Claim

CSV_LIMIT = 100_000


class ById(Keyset):
    id: str


class ByEvent(Keyset):
    id: int


async def page(session: AsyncSession, params: PageParams) -> Page[ProjectSummary]:
    after = params.after(ById)
    rows = await repo.projects(
        session, statuses=PROJECT_STATUSES, after=after.id if after else None, limit=params.limit + 1
    )
    return paginate([summary(a, c) for a, c in rows], params, lambda s: ById(id=str(s.id)))


async def csv(session: AsyncSession) -> str:
    rows = await repo.projects(session, statuses=PROJECT_STATUSES, after=None, limit=CSV_LIMIT)
    return projects_csv([summary(a, c) for a, c in rows])


async def read(
    session: AsyncSession, principal: Principal, project_id: str, *, now: dt.datetime
) -> tuple[ProjectOut, str]:
    """The project as the caller may see it, and its ETag."""
    project = await visible(session, principal, project_id, now=now)
    return await project_out(session, project, principal), project_etag(project)


async def history(
    session: AsyncSession, principal: Principal, project_id: str, params: PageParams, *, now: dt.datetime
) -> Page[ProjectEventOut]:
    project = await visible(session, principal, project_id, now=now)
    after = params.after(ByEvent)
    rows = await repo.history(session, project.id, after=after.id if after else 0, limit=params.limit + 1)
    items = [ProjectEventOut.model_validate(r, from_attributes=True) for r in rows]
    return paginate(items, params, lambda e: ByEvent(id=e.id))


async def claims(
    db: Database, up: Upstreams, settings: Settings, principal: Principal, project_id: str, *, now: dt.datetime
) -> list[Claim]:
    """The budget's claims on the project's commitment (a short read, then the budget; 503 if it is down)."""
    async with db.sessionmaker() as session:
        project = await visible(session, principal, project_id, now=now)
        commitment = project.app.commitment_id
    if commitment is None:
        return []
    return await up.budget.claims(commitment, bearer=service_bearer(settings))
